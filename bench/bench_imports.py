"""Bulk import of customers: rows/s and peak memory against a bare baseline, in the same run.

Writes one CSV of N customers (email, name, region, phone, customer_since; default 1,000,000),
then, each in a fresh process on a fresh SQLite database (or BENCH_DATABASE_URL, whose
`public` schema is dropped and rebuilt), measures:

- baseline: csv.reader over the same file and executemany INSERTs of 1,000 rows, no checks
- import: the real bulk_import job (webapp.importers) run by the engine: every row checked
  (email, E.164 phone, region, date, keys unique in the file and against the database),
  upserted by email in batches of IMPORT_BATCH_ROWS with an import_batches row, progress
- import of N/10 rows, so that peak memory at N and N/10 can be compared (flat or not)

It prints rows/s, seconds (and the CPU seconds of the measuring process, which the load of
other processes on the machine changes less), peak resident memory of each process and the
import's time over the baseline's (the issue's target: within 2x, memory flat). Each phase runs
BENCH_RUNS times (default 2): the best times and the highest peak are shown.

Usage: python bench/bench_imports.py [N]
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402

REGIONS = ("North", "South", "East", "West", "Central")


def write_file(path: Path, rows: int) -> None:
    """N distinct customers, as staff would upload them."""
    rng = random.Random(11)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["email", "name", "region", "phone", "customer_since"])
        for n in range(rows):
            out.writerow([f"customer{n}@example.com", f"Customer {n}", rng.choice(REGIONS),
                          f"+9665{n:08d}", f"20{rng.randrange(10, 25)}-0{rng.randrange(1, 10)}-1"
                          f"{rng.randrange(0, 9)}"])  # fmt: skip


def _app(work: Path):
    os.environ.update(SECRET_KEY="bench", INSTANCE_DIR=str(work), TAMAM_ENV="testing")
    from sqlalchemy import text

    from webapp import create_app
    from webapp.extensions import db

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    from webapp.settings import engine_options, normalise_database_url

    url = normalise_database_url(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
            "STORAGE_DIR": str(work / "storage"),
            "IMPORT_MAX_BYTES": 1 << 30,
        }
    )  # a million rows is over the 50 MiB default
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
    return app


def baseline(path: Path, work: Path) -> tuple[float, float]:
    """csv.reader + executemany, 1,000 rows a statement: the least an import can do."""
    app = _app(work)
    from webapp.extensions import db

    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        mark = "?" if db.engine.dialect.name == "sqlite" else "%s"
        sql = (f"INSERT INTO customers (email, name, region, phone, created_at) "
               f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})")  # fmt: skip
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            chunk: list[tuple[str, ...]] = []
            for row in reader:
                chunk.append((row[0], row[1], row[2], row[3], row[4] + " 00:00:00"))
                if len(chunk) == 1000:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
        raw.commit()
        raw.close()
        return time.perf_counter() - started, time.process_time() - cpu


def real_import(path: Path, work: Path) -> tuple[float, float]:
    """The bulk_import job, submitted as the page does and run by the engine in this process."""
    app = _app(work)
    from tasks.broker import build_broker, install
    from webapp.auth.service import create_user
    from webapp.engine.runner import run_job
    from webapp.extensions import db
    from webapp.importers.uploads import stage, submit_import
    from webapp.models.job import Job

    with app.app_context():
        install(build_broker(None, app))
        user = create_user("bench@example.com", "bench password 1", role="staff")
        db.session.commit()
        started, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as stream:
            job = submit_import(user, "customers", "apply", stage("customers", path.name, stream))
        run_job(job.id)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.session.rollback()
        done = db.session.get(Job, job.id)
        assert done is not None and done.status == "completed", (done.status, done.error_message)
        assert done.result_data["counts"]["created"] == done.result_data["rows"]
        return seconds, cpu


def child(phase: str, path: Path) -> None:
    """Run one phase in this (fresh) process and print its figures as JSON."""
    with tempfile.TemporaryDirectory(prefix="tamam-bench-db-") as tmp:
        seconds, cpu = (baseline if phase == "baseline" else real_import)(path, Path(tmp))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": peak_mib}))


def measure(phase: str, path: Path, runs: int) -> dict[str, float]:
    """The phase run `runs` times, each in a fresh process: the best times, the highest peak."""
    found = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, __file__, "--child", phase, str(path)],
                                capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(f"{phase} failed:\n{result.stderr[-3000:]}")
        found.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {"seconds": min(run["seconds"] for run in found),
            "cpu": min(run["cpu"] for run in found),
            "peak_mib": max(run["peak_mib"] for run in found)}  # fmt: skip


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return
    json_path = take_json_path()
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(os.environ.get("BENCH_RUNS", "2"))
    with tempfile.TemporaryDirectory(prefix="tamam-bench-") as tmp:
        big, small = Path(tmp) / "customers.csv", Path(tmp) / "customers-tenth.csv"
        write_file(big, rows)
        write_file(small, rows // 10)
        size = big.stat().st_size / (1024 * 1024)
        where = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
        print(f"{rows:,} customer rows, {size:.0f} MiB CSV, {where}, best of {runs} runs, "
              f"load average {os.getloadavg()[0]:.1f} before")  # fmt: skip
        base = measure("baseline", big, runs)
        tenth = measure("import", small, runs)
        full = measure("import", big, runs)
        for label, figures, count in (("baseline (csv + executemany)", base, rows),
                                      (f"import of {rows // 10:,} rows", tenth, rows // 10),
                                      (f"import of {rows:,} rows", full, rows)):  # fmt: skip
            speed, seconds = count / figures["seconds"], figures["seconds"]
            cpu, peak = figures["cpu"], figures["peak_mib"]
            print(f"  {label:<32} {speed:>10,.0f} rows/s {seconds:>8.1f} s "
                  f"(CPU {cpu:>5.1f} s)  peak {peak:>6.0f} MiB")  # fmt: skip
        ratio = full["seconds"] / base["seconds"]
        cpu_ratio = full["cpu"] / base["cpu"]
        growth = full["peak_mib"] - tenth["peak_mib"]
        print(f"import time / baseline time: {ratio:.1f}x (target: 2x or less); "
              f"CPU time of this process: {cpu_ratio:.1f}x")  # fmt: skip
        print(
            f"peak memory, {rows:,} rows vs {rows // 10:,}: {growth:+.0f} MiB "
            f"(baseline peak {base['peak_mib']:.0f} MiB); load average "
            f"{os.getloadavg()[0]:.1f} after"
        )
        lines = [["baseline (csv + executemany)", base, rows], [f"import, {rows // 10:,} rows",
                 tenth, rows // 10], [f"import, {rows:,} rows", full, rows]]  # fmt: skip
        write_json(
            json_path,
            database=where,
            tables=[table(f"{rows:,} customers, best of {runs} runs",
                          ["", "rows/s", "seconds", "peak MiB"],
                          [[label, round(n / f["seconds"]), round(f["seconds"], 1),
                            round(f["peak_mib"])] for label, f, n in lines])],
            headline=[headline("import / baseline time", ratio, "<= 2"),
                      headline(f"peak memory, {rows:,} / {rows // 10:,} rows",
                               full["peak_mib"] / tenth["peak_mib"], "flat")],
            figures={"baseline": base, "import_tenth": tenth, "import": full, "rows": rows},
        )  # fmt: skip


if __name__ == "__main__":
    main()
