"""Benchmark the orders export against raw writers measured in the same run.

Seeds N demo orders (default 100,000) into a temporary SQLite database, then for CSV and Excel
times `build_orders_export` (streaming, safe cells, progress, temp file + rename + sha256) and a
baseline that streams the same query into plain csv.writer / xlsxwriter write_row with no
progress and no safety. Prints rows/s and the ratio ours / baseline (1.00 = no overhead), and
the peak Python memory (tracemalloc) of the Excel export at N/10 and N rows: flat means the
peak does not grow with the row count.

    .venv/bin/python bench/bench_reports.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from xlsxwriter.workbook import Workbook

from webapp.demo.seed import seed_demo
from webapp.extensions import db
from webapp.generators.orders_export import build_orders_export, orders_query
from webapp.generators.orders_writers import HEADERS
from webapp.generators.streaming import CHUNK_ROWS
from webapp.models.sales import Order


def params(date_from: date, date_to: date, fmt: str) -> dict[str, Any]:
    """Export parameters for every status and region in the period."""
    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    return {**period, "status": "", "region": "", "format": fmt}


def baseline(query_params: dict[str, Any], path: Path) -> None:
    """The same rows through the plain writers: no progress, no safety, no temp file."""
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


def timed(work: Callable[[], object]) -> float:
    """Seconds taken by `work`."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def peak_memory(work: Callable[[], object]) -> int:
    """Peak bytes allocated by Python while `work` runs."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    """Seed, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="orders to seed and export")
    parser.add_argument("--repeat", type=int, default=2, help="runs per timing; the best counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tamam-bench-") as tmp:
        run(args.rows, max(1, args.repeat), Path(tmp))


def run(rows: int, repeat: int, work: Path) -> None:
    """Seed `rows` orders into a SQLite file under `work`, then measure and print."""
    os.environ.update(SECRET_KEY="bench", INSTANCE_DIR=str(work), TAMAM_ENV="testing")
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}"})
    with app.app_context():
        db.create_all()
        seconds = timed(lambda: seed_demo(orders=rows, seed=42))
        print(f"seeded {rows:,} orders in {seconds:.1f}s (SQLite, {work})")
        first, last = db.session.execute(
            select(func.min(Order.order_date), func.max(Order.order_date))
        ).one()
        db.session.remove()
        out = work / "out"
        out.mkdir()
        print(f"{'format':<7}{'ours rows/s':>14}{'baseline rows/s':>18}{'ratio':>8}")
        for fmt in ("csv", "excel"):
            full = params(first, last, fmt)
            ours_runs, base_runs = [], []
            for _ in range(repeat):  # interleaved, so drift in the machine hits both alike
                ours_runs.append(timed(partial(build_orders_export, full, out, quiet)))
                base_runs.append(timed(partial(baseline, full, out / f"baseline.{fmt}")))
            ours, base = min(ours_runs), min(base_runs)
            print(f"{fmt:<7}{rows / ours:>14,.0f}{rows / base:>18,.0f}{ours / base:>8.2f}")
        tenth = params(last - timedelta(days=(last - first).days // 10), last, "excel")
        small = peak_memory(partial(build_orders_export, tenth, out, quiet))
        large = peak_memory(partial(build_orders_export, params(first, last, "excel"), out, quiet))
        print(
            f"excel peak Python memory: {small / 2**20:.1f} MiB for ~{rows // 10:,} rows, "
            f"{large / 2**20:.1f} MiB for {rows:,} rows (ratio {large / small:.2f})"
        )


if __name__ == "__main__":
    main()
