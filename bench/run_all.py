"""Run every benchmark, each in a fresh process, then write bench/RESULTS.md and its plots.

Each bench script runs as a subprocess (its output shown live), on SQLite and, when
BENCH_DATABASE_URL is set, again on PostgreSQL for the benches that use a database. A script
that takes `--json PATH` writes its figures there (bench/benchjson.py); they become one table per
bench in RESULTS.md, the headline ratios and the plots (bench/plots.py). A script that is missing
or fails is said so in the output and in RESULTS.md, and the run goes on with the others.

    PYTHONPATH=. .venv/bin/python bench/run_all.py [--quick] [--only name,...] [--out DIR]

`make bench` runs this; `make bench BENCH_ARGS="--quick --only reports,pdf"` runs a part.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine, results_md  # noqa: E402
from bench.plots import draw_plots  # noqa: E402

BENCH_DIR = ROOT / "bench"
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"


@dataclass(frozen=True)
class Bench:
    """One bench script: its arguments for the full run and for --quick, and what it measures."""

    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    about: str
    databases: tuple[str, ...] = (SQLITE, POSTGRESQL)


# Sizes chosen so that the whole run stays near 25 minutes on a 2-core machine with both
# databases (see bench/RESULTS.md for the time each took).
BENCHES = (
    Bench("throughput", "bench_throughput.py", (), ("--jobs", "200"),
          "Job throughput with the real `dramatiq` command (2 processes x 8 threads): tracked "
          "`ping` jobs pre-submitted through `submit`, against bare Dramatiq no-op messages with "
          "the same command shape on the same Redis; `submit` against `actor.send()` too."),
    Bench("jobs", "bench_jobs.py", ("500",), ("200",),
          "Job engine overhead in one process (an in-process Dramatiq worker, 4 threads): "
          "`ping` jobs through `submit` and the worker against bare Dramatiq messages."),
    Bench("api", "bench_api.py", ("10000",), ("2000",),
          "The JSON API under gunicorn (2 workers x 4 threads, 32 keep-alive connections) against "
          "a minimal JSON endpoint under the same settings."),
    Bench("polls", "bench_polls.py", ("1000,100000",), ("1000,10000",),
          "What open pages cost (Flask's test client, ms per request): the job page's poll, My "
          "jobs' one poll for 12 and for 50 running rows, the lists, against a minimal endpoint, "
          "as the jobs table grows."),
    Bench("poll_gunicorn", "bench_poll_gunicorn.py", ("100000",), ("10000",),
          "The pages' polls under gunicorn (2 workers x 4 threads, 32 connections) against a "
          "minimal endpoint, SQLite.", (SQLITE,)),
    Bench("ops", "bench_ops.py", ("1000,100000,1000000",), ("1000,10000",),
          "The admins' pages (/ops, failed list, search, /metrics) at 1 thousand, 100 thousand "
          "and 1 million job rows, against a minimal endpoint and the smallest table."),
    Bench("imports", "bench_imports.py", ("1000000",), ("20000",),
          "A million customers imported by the real bulk_import job against csv.reader + "
          "executemany INSERTs checking nothing."),
    Bench("notifications", "bench_notifications.py", ("5000",), ("500",),
          "A 5,000-recipient announcement by the real job (outbox, every delivery recorded) "
          "against a bare smtplib loop, to the same local SMTP server."),
    Bench("reports", "bench_reports.py", ("--rows", "100000,1000000"), ("--rows", "2000,20000"),
          "The orders export (safe cells, progress, temp file + rename, sha256) to CSV and Excel "
          "against the same rows written straight with csv and xlsxwriter; peak memory of each "
          "in a fresh process.", (SQLITE,)),
    Bench("pdf", "bench_pdf.py", (), ("--quick",),
          "A year's sales report PDF (the real generator) against reportlab platypus drawing the "
          "same tables directly, no progress, no safety.", (SQLITE,)),
)  # fmt: skip


@dataclass
class Run:
    """One bench on one database: how it went and what it wrote."""

    bench: Bench
    database: str
    status: str = "not run"  # ok | failed (exit N) | missing
    seconds: float = 0.0
    output: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


def takes_json(script: Path) -> bool:
    """Whether the script writes its figures with --json (bench/benchjson.py)."""
    source = script.read_text(encoding="utf-8")
    return "take_json_path" in source or '"--json"' in source


def run_one(bench: Bench, database: str, quick: bool, work: Path) -> Run:
    """Run the bench's script in a fresh process, output live, and read back its figures."""
    run = Run(bench, database)
    script = BENCH_DIR / bench.script
    banner = f"=== {bench.name} ({bench.script}) on {database}"
    if not script.exists():
        run.status = "missing"
        print(f"{banner}: bench/{bench.script} does not exist yet; skipped", flush=True)
        return run
    command = [sys.executable, str(script), *(bench.quick if quick else bench.full)]
    json_path = work / f"{bench.name}-{database}.json"
    if takes_json(script):
        command += ["--json", str(json_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    if database == SQLITE:
        env.pop("BENCH_DATABASE_URL", None)
    print(f"{banner}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    lines = []
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:  # live, and kept for RESULTS.md
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
    run.seconds = time.perf_counter() - started
    run.output = "".join(lines)
    run.status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    if json_path.exists():
        run.figures = normalise(json.loads(json_path.read_text(encoding="utf-8")))
    print(f"=== {bench.name} on {database}: {run.status} in {run.seconds:.0f} s", flush=True)
    return run


def normalise(found: dict[str, Any]) -> dict[str, Any]:
    """A bench's JSON as benchjson writes it: bench_throughput's own shape ("rates": label ->
    bare and tamam, "ratio", "submit_ratio") becomes tables, headline and figures."""
    if "tables" in found or "rates" not in found:
        return found
    rates = found["rates"]
    rows = [[label, pair["bare"], pair["tamam"], pair["bare"] and pair["tamam"] / pair["bare"]]
            for label, pair in rates.items()]  # fmt: skip
    pick = {label.split(",")[0].split(" ")[0]: pair for label, pair in rates.items()}
    jobs = next((pair for label, pair in rates.items() if label.startswith("jobs/s")), None)
    figures = dict(found)
    if jobs:
        figures.update(tamam_jobs_per_s=jobs["tamam"], bare_jobs_per_s=jobs["bare"])
    if "submit/send" in pick:
        figures.update(tamam_submit_per_s=pick["submit/send"]["tamam"],
                       bare_send_per_s=pick["submit/send"]["bare"])  # fmt: skip
    lines = []
    if found.get("ratio"):
        lines.append({"name": "jobs/s, Tamam / bare (higher is better)", "ratio": found["ratio"],
                      "target": ">= 0.3"})  # fmt: skip
    if found.get("submit_ratio"):
        lines.append({"name": "submits/s, Tamam / bare send", "ratio": found["submit_ratio"],
                      "target": ""})  # fmt: skip
    title = f"{found.get('jobs', '?')} jobs, dramatiq {found.get('command', '')}"
    return {
        "database": found.get("database"),
        "tables": [{"title": title, "columns": ["", "bare Dramatiq", "Tamam", "Tamam / bare"],
                    "rows": rows}],
        "headline": lines,
        "figures": figures,
    }  # fmt: skip


def chosen(only: str | None) -> list[Bench]:
    """The benches named by --only (all when None), refusing unknown names."""
    if not only:
        return list(BENCHES)
    names = [name.strip() for name in only.split(",") if name.strip()]
    known = {bench.name: bench for bench in BENCHES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown bench {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in names]


def databases_for(bench: Bench, postgresql: bool) -> list[str]:
    """SQLite always; PostgreSQL too when BENCH_DATABASE_URL is set and the bench uses it."""
    return [db for db in bench.databases if db == SQLITE or postgresql]


def main(argv: list[str] | None = None) -> int:
    """Run the benches, write RESULTS.md and the plots; exit 1 when any bench failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", help="comma-separated bench names: " + ", ".join(
        bench.name for bench in BENCHES))  # fmt: skip
    parser.add_argument("--out", type=Path, default=BENCH_DIR,
                        help="for RESULTS.md, results.json, plots/ (default bench/)")  # fmt: skip
    args = parser.parse_args(argv)
    benches = chosen(args.only)
    postgresql = bool(os.environ.get("BENCH_DATABASE_URL"))
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    info = machine.describe(os.environ.get("BENCH_DATABASE_URL"))
    if not postgresql:
        print("BENCH_DATABASE_URL is not set: SQLite only", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="tamam-bench-all-") as tmp:
        for bench in benches:
            for database in databases_for(bench, postgresql):
                runs.append(run_one(bench, database, args.quick, Path(tmp)))
    total = time.perf_counter() - started
    info["load average at end"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    command = "bench/run_all.py " + " ".join(sys.argv[1:] if argv is None else argv)
    plots = draw_plots(runs_as_dicts(runs), args.out / "plots")
    report = results_md.render(
        runs_as_dicts(runs), info, started_at, total, command.strip(), args.quick, plots, args.out
    )
    (args.out / "RESULTS.md").write_text(report, encoding="utf-8")
    (args.out / "results.json").write_text(
        json.dumps({"machine": info, "date": started_at.isoformat(), "seconds": total,
                    "quick": args.quick, "runs": runs_as_dicts(runs)}, indent=1, default=str)
        + "\n", encoding="utf-8")  # fmt: skip
    print(f"\nall benches in {total / 60:.1f} min; wrote {args.out / 'RESULTS.md'}", flush=True)
    print(results_md.summary(runs_as_dicts(runs)), flush=True)
    return 0 if all(run.status in ("ok", "missing") for run in runs) else 1


def runs_as_dicts(runs: list[Run]) -> list[dict[str, Any]]:
    """Each run as plain data, for RESULTS.md, results.json and the plots."""
    return [
        {"name": run.bench.name, "script": run.bench.script, "about": run.bench.about,
         "database": run.database, "status": run.status, "seconds": run.seconds,
         "output": run.output, "figures": run.figures}
        for run in runs
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
