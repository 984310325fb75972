"""The machinery watched: queue and worker figures, per-minute job figures, alerts, audit."""
