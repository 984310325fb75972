"""PNG plots of the bench figures (matplotlib, headless Agg): throughput and page time vs rows.

- throughput.png: jobs/s, Tamam against bare Dramatiq, per database (bench_throughput's JSON
  "figures": tamam_jobs_per_s, bare_jobs_per_s; submit_per_s pairs when given)
- page_time.png: ms per request against the jobs table's row count (bench_ops and bench_polls)

    .venv/bin/python bench/plots.py [bench/results.json]   redraws them from a run's figures
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# The requests drawn on the page time plot, per bench.
PAGES = {
    "ops": ("minimal endpoint", "/ops", "/ops/live (the refresh)", "failed list",
            "search ?status=pending"),
    "polls": ("minimal endpoint", "job page poll, unchanged", "list poll, 50 rows unchanged",
              "list poll, 50 rows changed", "admin all jobs"),
}  # fmt: skip
THROUGHPUT_PAIRS = (("jobs/s", "bare_jobs_per_s", "tamam_jobs_per_s"),
                    ("submits/s", "bare_send_per_s", "tamam_submit_per_s"))  # fmt: skip
LINE_STYLES = {"SQLite": "-", "PostgreSQL": "--"}


def _figures(runs: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    """The figures of the named bench's successful runs, by database."""
    return {run["database"]: run["figures"].get("figures", {}) for run in runs
            if run["name"] == name and run["status"] == "ok" and run["figures"]}  # fmt: skip


def throughput_plot(runs: list[dict[str, Any]], path: Path) -> bool:
    """Bars of Tamam and bare per database; False (nothing drawn) without figures."""
    by_db = _figures(runs, "throughput")
    pairs = [(label, bare, ours) for label, bare, ours in THROUGHPUT_PAIRS
             if any(bare in f and ours in f for f in by_db.values())]  # fmt: skip
    if not pairs:
        return False
    fig, axes = plt.subplots(1, len(pairs), figsize=(5 * len(pairs), 4), squeeze=False)
    for ax, (label, bare_key, ours_key) in zip(axes[0], pairs, strict=True):
        databases = [db for db, f in by_db.items() if bare_key in f and ours_key in f]
        xs = range(len(databases))
        bare = [by_db[db][bare_key] for db in databases]
        ours = [by_db[db][ours_key] for db in databases]
        ax.bar([x - 0.2 for x in xs], bare, 0.4, label="bare Dramatiq", color="#9aa5b1")
        ax.bar([x + 0.2 for x in xs], ours, 0.4, label="Tamam", color="#1f6f8b")
        for x, b, o in zip(xs, bare, ours, strict=True):
            ax.annotate(f"{o / b:.2f}x", (x + 0.2, o), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(list(xs), databases)
        ax.set_ylabel(label)
        ax.set_title(f"{label}: Tamam vs bare Dramatiq")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def page_time_plot(runs: list[dict[str, Any]], path: Path) -> bool:
    """ms per request against row count, one panel per bench; False without figures."""
    panels = [(name, _figures(runs, name)) for name in PAGES]
    panels = [(name, by_db) for name, by_db in panels if any("ms" in f for f in by_db.values())]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 6), squeeze=False)
    for ax, (name, by_db) in zip(axes[0], panels, strict=True):
        colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
        colour_of = {request: next(colours) for request in PAGES[name]}
        for database, figures in by_db.items():
            sizes = figures.get("sizes", [])
            for request in PAGES[name]:
                ms = [figures["ms"][str(size)].get(request) for size in sizes]
                if None in ms:
                    continue
                ax.plot(sizes, ms, LINE_STYLES.get(database, ":"), marker="o",
                        color=colour_of[request], label=f"{request} ({database})")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("rows in the jobs table")
        ax.set_ylabel("ms per request")
        ax.set_title(
            {"ops": "Admins' pages (bench_ops)", "polls": "Open pages' polls (bench_polls)"}[name]
        )
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def draw_plots(runs: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Draw every plot there are figures for into out_dir; the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("throughput.png", throughput_plot), ("page_time.png", page_time_plot)):
        if draw(runs, out_dir / name):
            written.append(out_dir / name)
    return written


def main() -> None:
    """Redraw the plots from a results.json written by bench/run_all.py."""
    import json
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results.json")
    runs = json.loads(source.read_text(encoding="utf-8"))["runs"]
    for path in draw_plots(runs, source.parent / "plots"):
        print(path)


if __name__ == "__main__":
    main()
