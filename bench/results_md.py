"""bench/RESULTS.md from the runs of bench/run_all.py: machine, date, command, a table per bench."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

TAIL_LINES = 40  # of a bench's output, shown when it wrote no figures (or failed)


def cell(value: Any) -> str:
    """A table cell: big numbers with thousands separators, small ones with some decimals."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.{1 if abs(value) >= 10 else 2}f}"
    return str(value).replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def headlines(runs: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The headline ratios: one row per bench and measure, one column per database."""
    databases: list[str] = []
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        if run["database"] not in databases:
            databases.append(run["database"])
        for line in run["figures"].get("headline", []):
            row = found.setdefault((run["name"], line["name"]), {"target": line.get("target", "")})
            row[run["database"]] = f"{line['ratio']:.2f}x"
    columns = ["bench", "measure", *databases, "target"]
    rows = [[name, measure, *(row.get(db, "") for db in databases), row["target"]]
            for (name, measure), row in found.items()]  # fmt: skip
    return columns, rows


def bench_section(name: str, runs: list[dict[str, Any]]) -> list[str]:
    """One bench: what it measures, then each database's tables (or its output's tail)."""
    first = runs[0]
    out = [f"## {name} (`bench/{first['script']}`)", "", first["about"], ""]
    for run in runs:
        out += [f"### {run['database']}: {run['status']}, {run['seconds']:.0f} s", ""]
        if run["status"] == "missing":
            out += [f"`bench/{run['script']}` is not in this checkout: not run.", ""]
            continue
        tables = run["figures"].get("tables", [])
        for table in tables:
            out += [f"{table['title']}:", "", markdown_table(table["columns"], table["rows"]), ""]
        if not tables or run["status"] != "ok":
            tail = run["output"].rstrip().splitlines()[-TAIL_LINES:]
            out += ["```", *tail, "```", ""]
    return out


def render(
    runs: list[dict[str, Any]],
    info: dict[str, str],
    started_at: datetime,
    seconds: float,
    command: str,
    quick: bool,
    plots: list[Path],
    out_dir: Path,
) -> str:
    """The whole of RESULTS.md."""
    lines = ["# Benchmark results", ""]
    if quick:
        lines += ["**A `--quick` run: sizes cut down for a smoke test; these figures are not the "
                  "benchmark's.**", ""]  # fmt: skip
    lines += [
        f"Run on {started_at:%Y-%m-%d %H:%M} UTC by `{command}` (`make bench`), "
        f"{seconds / 60:.1f} minutes in all. Each bench ran in a fresh process; each measures "
        "Tamam and its baseline in the same run, on the same machine and data.",
        "",
        markdown_table(["machine", ""], [[key, value] for key, value in info.items()]),
        "",
        "## Headline ratios",
        "",
        "Tamam against its baseline (time ratios: lower is better, 1.00x is no overhead; "
        "throughput ratios: higher is better, 1.00x is as fast as the baseline).",
        "",
        markdown_table(*headlines(runs)),
        "",
    ]
    if plots:
        lines += ["## Plots", ""]
        lines += [f"![{plot.stem}]({os.path.relpath(plot, out_dir)})" for plot in plots]
        lines += [""]
    by_name: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_name.setdefault(run["name"], []).append(run)
    for name, its_runs in by_name.items():
        lines += bench_section(name, its_runs)
    return "\n".join(lines).rstrip() + "\n"


def summary(runs: list[dict[str, Any]]) -> str:
    """The headline ratios as plain text for the end of the run's output."""
    columns, rows = headlines(runs)
    text = ["  ".join(columns)]
    text += ["  ".join(str(v) for v in row) for row in rows]
    text += [f"{run['name']} on {run['database']}: {run['status']}" for run in runs
             if run["status"] != "ok"]  # fmt: skip
    return "\n".join(text)
