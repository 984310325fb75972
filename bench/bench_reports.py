"""Benchmark the orders export against raw writers measured in the same run, up to a million rows.

Seeds the largest of SIZES demo orders (default 100,000 and 1,000,000) into a temporary SQLite
database with the demo seed's bulk inserts, then for each size (the newest orders, so the period
holds at least that many) and each format, CSV and Excel, runs in a fresh process each:

- ours: `build_orders_export` as the job runs it (COUNT first, streaming, safe cells, the job's
  language, progress, temp file + fsync + rename + sha256)
- baseline: the same query streamed into plain csv.writer / xlsxwriter write_row (constant_memory),
  no progress, no safety, no temp file, cents and dates as the driver gives them

It prints rows/s, the ratio ours / baseline time (1.00 = no overhead; the issue's target: 1.25 or
less) and the peak resident memory of each process, with how much of it came after the app was
loaded, during the export itself (flat: the same at every size). CSV runs
REPEAT times (default 2) and the best counts; Excel too, except above 200,000 rows (once: a
million-row workbook takes about a minute).

    .venv/bin/python bench/bench_reports.py [--rows 100000,1000000] [--repeat 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402

EXCEL_REPEAT_UP_TO = 200_000
FORMATS = ("csv", "excel")


def params(date_from: date | str, date_to: date | str, fmt: str) -> dict[str, Any]:
    """Export parameters for every status and region in the period."""
    period = {"date_from": str(date_from), "date_to": str(date_to)}
    return {**period, "status": "", "region": "", "format": fmt}


def make_app(work: Path):  # type: ignore[no-untyped-def]
    """The app on the bench's SQLite file under `work`."""
    os.environ.update(SECRET_KEY="bench", INSTANCE_DIR=str(work), TAMAM_ENV="testing")
    from webapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}"})


def baseline(query_params: dict[str, Any], path: Path) -> None:
    """The same rows through the plain writers: no progress, no safety, no temp file."""
    from xlsxwriter.workbook import Workbook

    from webapp.extensions import db
    from webapp.generators.orders_export import orders_query
    from webapp.generators.orders_writers import HEADERS
    from webapp.generators.streaming import CHUNK_ROWS

    stmt = orders_query(query_params).execution_options(yield_per=CHUNK_ROWS)
    with db.engine.connect() as conn, conn.execute(stmt) as result:
        if query_params["format"] == "csv":
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(HEADERS)
                for part in result.partitions():
                    writer.writerows(part)
            return
        book = Workbook(str(path), {"constant_memory": True})
        ws = book.add_worksheet("Orders")
        ws.write_row(0, 0, HEADERS)
        row = 0
        for part in result.partitions():
            for values in part:
                row += 1
                ws.write_row(row, 0, values)
        book.close()


def quiet(_percent: int, _message: str) -> None:
    """A progress function that ignores progress."""


def child(side: str, fmt: str, date_from: str, date_to: str, work: Path) -> None:
    """One export in this fresh process; print its seconds and peak resident memory as JSON."""
    from webapp.generators.orders_export import build_orders_export

    app = make_app(work)
    out = Path(tempfile.mkdtemp(dir=work, prefix="out-"))
    with app.app_context():
        before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        if side == "ours":
            build_orders_export(params(date_from, date_to, fmt), out, quiet)
        else:
            baseline(params(date_from, date_to, fmt), out / f"baseline.{fmt}")
        seconds = time.perf_counter() - started
    for file in out.iterdir():
        file.unlink()
    out.rmdir()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, "grew_mib": peak_mib - before_mib}))


def measure(
    side: str, fmt: str, period: tuple[str, str], work: Path, runs: int
) -> dict[str, float]:
    """The export run `runs` times, each in a fresh process: the best time, the highest peak."""
    found = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, __file__, "--child", side, fmt, *period, str(work)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{side} {fmt} export failed:\n{done.stderr[-3000:]}")
        found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"seconds": min(run["seconds"] for run in found),
            "peak_mib": max(run["peak_mib"] for run in found),
            "grew_mib": max(run["grew_mib"] for run in found)}  # fmt: skip


def seed(work: Path, rows: int) -> None:
    """Seed `rows` demo orders (and their lines) with the demo seed's bulk inserts."""
    from webapp.demo.seed import seed_demo
    from webapp.extensions import db

    with make_app(work).app_context():
        db.create_all()
        started = time.perf_counter()
        seed_demo(orders=rows, seed=42)
        print(f"seeded {rows:,} orders in {time.perf_counter() - started:.1f} s (SQLite, bulk)")


def period_for(work: Path, size: int) -> tuple[str, str, int]:
    """The period of the newest `size` orders (whole days, so a few more) and its row count."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models.sales import Order

    with make_app(work).app_context():
        last = db.session.scalar(select(func.max(Order.order_date)))
        newest = select(Order.order_date).order_by(Order.order_date.desc())
        first = db.session.scalar(newest.offset(size - 1).limit(1)) or db.session.scalar(
            select(func.min(Order.order_date))
        )
        count = db.session.scalar(
            select(func.count()).select_from(Order).where(Order.order_date.between(first, last))
        )
        return str(first), str(last), int(count or 0)


def main() -> None:
    """Seed, measure each size and format in fresh processes, print (and write --json)."""
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], Path(sys.argv[6]))
        return
    json_path = take_json_path()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=2, help="runs per timing; the best counts")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.rows.split(","))
    with tempfile.TemporaryDirectory(prefix="tamam-bench-") as tmp:
        work = Path(tmp)
        seed(work, sizes[-1])
        results: dict[int, dict[str, dict[str, dict[str, float]]]] = {}
        counts: dict[int, int] = {}
        for size in sizes:
            first, last, counts[size] = period_for(work, size)
            results[size] = {}
            for fmt in FORMATS:
                runs = max(1, args.repeat)
                if fmt == "excel" and counts[size] > EXCEL_REPEAT_UP_TO:
                    runs = 1
                ours = measure("ours", fmt, (first, last), work, runs)
                base = measure("baseline", fmt, (first, last), work, runs)
                results[size][fmt] = {"ours": ours, "baseline": base}
                print_line(size, counts[size], fmt, ours, base, runs)
    report(json_path, sizes, counts, results)


def print_line(
    size: int, count: int, fmt: str, ours: dict[str, float], base: dict[str, float], runs: int
) -> None:
    """One size and format: rows/s, the ratio, the peaks."""
    print(f"{count:>10,} rows {fmt:<6}ours {count / ours['seconds']:>9,.0f} rows/s "
          f"{ours['seconds']:>6.1f} s  baseline {count / base['seconds']:>9,.0f} rows/s "
          f"{base['seconds']:>6.1f} s  ratio {ours['seconds'] / base['seconds']:.2f}  "
          f"peak {ours['peak_mib']:.0f} MiB, +{ours['grew_mib']:.0f} in the export (baseline "
          f"{base['peak_mib']:.0f}, +{base['grew_mib']:.0f})  best of {runs}",
          flush=True)  # fmt: skip


def report(
    json_path: Path | None,
    sizes: list[int],
    counts: dict[int, int],
    results: dict[int, dict[str, dict[str, dict[str, float]]]],
) -> None:
    """The summary lines and the JSON: time ratio at each size, peak memory, flat or not."""
    rows, lines = [], []
    small, large = sizes[0], sizes[-1]
    for fmt in FORMATS:
        for size in sizes:
            ours, base = results[size][fmt]["ours"], results[size][fmt]["baseline"]
            n = counts[size]
            rows.append([fmt, n, round(n / ours["seconds"]), round(n / base["seconds"]),
                         round(ours["seconds"] / base["seconds"], 2), round(ours["peak_mib"]),
                         round(ours["grew_mib"]), round(base["peak_mib"]),
                         round(base["grew_mib"])])  # fmt: skip
        ours_large = results[large][fmt]["ours"]
        ratio = ours_large["seconds"] / results[large][fmt]["baseline"]["seconds"]
        growth = ours_large["peak_mib"] - results[small][fmt]["ours"]["peak_mib"]
        print(f"{fmt}: ours / baseline time at {counts[large]:,} rows {ratio:.2f}x (target 1.25x);"
              f" peak memory {growth:+.0f} MiB from {counts[small]:,} rows")  # fmt: skip
        lines.append(headline(f"{fmt} export time / raw writer, {counts[large]:,} rows", ratio,
                              "<= 1.25"))  # fmt: skip
        lines.append(headline(f"{fmt} export peak memory, {counts[large]:,} / {counts[small]:,}"
                              " rows", ours_large["peak_mib"] / results[small][fmt]["ours"]
                              ["peak_mib"], "flat (1.0)"))  # fmt: skip
    columns = ["format", "rows", "ours rows/s", "baseline rows/s", "ours / baseline time",
               "ours peak MiB", "of it in the export", "baseline peak MiB",
               "of it in the export"]  # fmt: skip
    write_json(
        json_path,
        database="SQLite",
        tables=[table("orders export, each run in a fresh process (peak: resident memory)",
                      columns, rows)],
        headline=lines,
        figures={"counts": counts, "results": results},
    )  # fmt: skip


if __name__ == "__main__":
    main()
