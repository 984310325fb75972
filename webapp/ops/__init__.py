"""The machinery, for admins: queue and worker figures (status.py) and their commands."""
