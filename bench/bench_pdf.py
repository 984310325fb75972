"""A year's sales report as a PDF against reportlab platypus drawing the same tables directly.

Seeds ORDERS demo orders (default 100,000, with their order lines) over the last 365 days into a
temporary SQLite database, then times, alternately, REPEAT times each (the best counts):

- ours: `build_sales_report` for the year in PDF, as the job runs it: every order and order line
  streamed and added up with progress, the report's fonts and paragraphs, two charts, tables
  that break across pages, "Page N of M", temp file + fsync + rename + sha256
- baseline: the same figures read with plain SQL GROUP BY queries (totals, orders by day folded
  into the same weeks, by product, by region and channel, the top 20 customers) and the same
  tables (same rows, A4, same margins) drawn with platypus `Table` straight: Helvetica, no
  charts, no progress, no safety, no temp file

Each side's reading and drawing are timed apart too. Before timing, the baseline's rows are
checked against the report's figures (same counts and sums in every table), so both draw the
same report. Prints the times, pages and the ratio ours / baseline (1.00 = no overhead).

    .venv/bin/python bench/bench_pdf.py [--orders 100000] [--repeat 3] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: E402
from sqlalchemy import Connection, desc, func, select  # noqa: E402

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402

DAYS = 365
TOP = 20
REVENUE_STATUSES = ("paid", "shipped", "delivered")
MONEY = ("Revenue before tax", "Tax")  # the totals table's rows in cents
STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
)


@dataclass
class Tables:
    """The report's tables as the baseline reads them: header and rows of each."""

    totals: list[list[Any]]
    weeks: list[list[Any]]
    products: list[list[Any]]
    places: list[list[Any]]
    customers: list[list[Any]]


def money(cents: int) -> str:
    """Cents as units with separators."""
    return f"{cents / 100:,.2f}"


def read_tables(conn: Connection, date_from: date, date_to: date) -> Tables:
    """The report's figures with GROUP BY queries, as a report written straight would read them."""
    from webapp.models.sales import Customer, Order, OrderLine, Product

    sold = (Order.order_date.between(date_from, date_to), Order.status.in_(REVENUE_STATUSES))
    sums = (func.count(), func.sum(Order.subtotal_cents), func.sum(Order.tax_cents))
    orders, revenue, tax = conn.execute(select(*sums).where(*sold)).one()
    units = conn.scalar(select(func.sum(OrderLine.quantity)).join(Order).where(*sold))
    weeks: dict[date, list[Any]] = {}
    for day, n, rev, tx in conn.execute(
        select(Order.order_date, *sums).where(*sold).group_by(Order.order_date)
    ):
        start = max(date_from, day - timedelta(days=day.weekday()))
        week = weeks.setdefault(start, [start, start, 0, 0, 0])
        week[1] = max(week[1], min(date_to, start + timedelta(days=6 - start.weekday())))
        week[2], week[3], week[4] = week[2] + n, week[3] + rev, week[4] + tx
    revenue_of = func.sum(OrderLine.line_total_cents)
    products = conn.execute(
        select(Product.sku, Product.name, Product.category, func.sum(OrderLine.quantity),
               revenue_of).select_from(OrderLine).join(Order).join(Product).where(*sold)
        .group_by(Product.id, Product.sku, Product.name, Product.category)
        .order_by(desc(revenue_of), Product.sku)
    ).all()  # fmt: skip
    places = conn.execute(
        select(Order.region, Order.channel, *sums).where(*sold)
        .group_by(Order.region, Order.channel).order_by(Order.region, Order.channel)
    ).all()  # fmt: skip
    spent = func.sum(Order.subtotal_cents)
    customers = conn.execute(
        select(Customer.id, Customer.name, Customer.email, Customer.region, func.count(), spent)
        .join(Order, Order.customer_id == Customer.id).where(*sold)
        .group_by(Customer.id, Customer.name, Customer.email, Customer.region)
        .order_by(desc(spent), Customer.id).limit(TOP)
    ).all()  # fmt: skip
    return Tables(
        totals=[["Orders", orders], ["Units sold", units], ["Revenue before tax", revenue],
                ["Tax", tax]],
        weeks=[[f"{s} - {e}", n, rev, tx, rev // n if n else 0]
               for s, e, n, rev, tx in sorted(weeks.values())],
        products=[list(row) for row in products],
        places=[[r, c, n, rev, tx] for r, c, n, rev, tx in places],
        customers=[[rank, *row] for rank, row in enumerate(customers, start=1)],
    )  # fmt: skip


def draw(tables: Tables, path: Path) -> None:
    """The same tables, same rows, A4 and the report's margins, with platypus straight."""
    from webapp.generators.pdf_layout import MARGIN

    styles = getSampleStyleSheet()
    heading = styles["Heading2"]

    def grid(header: list[str], rows: list[list[Any]], money_at: tuple[int, ...]) -> Table:
        cells = [header] + [[money(v) if i in money_at else str(v) for i, v in enumerate(row)]
                            for row in rows]  # fmt: skip
        found = Table(cells, repeatRows=1, hAlign="LEFT")
        found.setStyle(STYLE)
        return found

    story = [
        Paragraph("Sales report", styles["Title"]),
        Paragraph("Totals", heading),
        grid(
            ["Measure", "Value"], [[k, money(v) if k in MONEY else v] for k, v in tables.totals], ()
        ),
        Paragraph("Sales by week", heading),
        grid(["Week", "Orders", "Revenue", "Tax", "Average order"], tables.weeks, (2, 3, 4)),
        Paragraph("Sales by product", heading),
        grid(["SKU", "Product", "Category", "Units", "Revenue"], tables.products, (4,)),
        Paragraph("Sales by region and channel", heading),
        grid(["Region", "Channel", "Orders", "Revenue", "Tax"], tables.places, (3, 4)),
        Paragraph("Top customers", heading),
        grid(["#", "Customer", "Email", "Region", "Orders", "Revenue"], tables.customers, (5,)),
    ]
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN)  # fmt: skip
    doc.build(story)


def check_same_rows(tables: Tables, date_from: date, date_to: date) -> None:
    """The baseline's rows against the report's own figures: same rows, same sums."""
    from webapp.generators.progress import Tracker
    from webapp.generators.sales_data import collect_sales

    data = collect_sales(date_from, date_to, Tracker(quiet), end=85)
    assert data.grain == "week", data.grain
    totals = [row[1] for row in tables.totals]
    ours = [data.totals.orders, data.units, data.totals.revenue_cents, data.totals.tax_cents]
    assert totals == ours, (totals, ours)
    weeks = [(row.bucket.orders, row.bucket.revenue_cents) for row in data.by_period]
    assert weeks == [(row[1], row[2]) for row in tables.weeks], "weeks differ"
    products = [(p.sku, p.units, p.revenue_cents) for p in data.by_product]
    assert products == [(row[0], row[3], row[4]) for row in tables.products], "products differ"
    places = {(r, c): (b.orders, b.revenue_cents) for r, c, b in data.by_region_channel}
    assert {(r, c): (n, rev) for r, c, n, rev, _tx in tables.places} == {
        key: value for key, value in places.items() if value[0]
    }, "regions differ"
    customers = [(c.customer_id, c.orders, c.revenue_cents) for c in data.top_customers]
    assert customers == [(row[1], row[5], row[6]) for row in tables.customers], "top differs"
    tables.customers = [[row[0], *row[2:]] for row in tables.customers]  # ids out of the table


def quiet(_percent: int, _message: str) -> None:
    """A progress function that ignores progress."""


def timed(work: Callable[[], object]) -> float:
    """Seconds taken by `work`."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def pages(path: Path) -> int:
    """The PDF's page count."""
    return len(PdfReader(str(path)).pages)


def main() -> None:
    """Seed a year, check the baseline's rows, time both sides, print (and write --json)."""
    json_path = take_json_path()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders in the year")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the best counts")
    parser.add_argument("--quick", action="store_true", help="10,000 orders, 2 runs")
    args = parser.parse_args()
    orders, repeat = (10_000, 2) if args.quick else (args.orders, max(1, args.repeat))
    with tempfile.TemporaryDirectory(prefix="tamam-bench-") as tmp:
        run(orders, repeat, Path(tmp), json_path)


def run(orders: int, repeat: int, work: Path, json_path: Path | None) -> None:
    """Seed, check, measure and print."""
    os.environ.update(SECRET_KEY="bench", INSTANCE_DIR=str(work), TAMAM_ENV="testing")
    from webapp import create_app
    from webapp.demo.seed import seed_demo
    from webapp.extensions import db
    from webapp.generators.sales_data import collect_sales
    from webapp.generators.sales_pdf import render_pdf
    from webapp.generators.sales_report import build_sales_report
    from webapp.generators.streaming import reading

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}"})
    out = work / "out"
    out.mkdir()
    with app.app_context():
        db.create_all()
        date_to = date.today()
        date_from = date_to - timedelta(days=DAYS - 1)
        seconds = timed(lambda: seed_demo(orders=orders, seed=42, days=DAYS, end=date_to))
        print(f"seeded {orders:,} orders over {DAYS} days in {seconds:.1f} s (SQLite)", flush=True)
        db.session.remove()
        params = {"date_from": str(date_from), "date_to": str(date_to), "format": "pdf"}

        def read() -> Tables:
            with reading() as conn:
                return read_tables(conn, date_from, date_to)

        tables = read()
        check_same_rows(tables, date_from, date_to)
        from webapp.generators.progress import Tracker

        data = collect_sales(date_from, date_to, Tracker(quiet), end=85)
        found: dict[str, list[float]] = defaultdict(list)
        ours_file, baseline_file = out / "none", out / "baseline.pdf"
        for _ in range(repeat):  # alternately, so that drift in the machine hits both alike
            started = time.perf_counter()
            ours_file = build_sales_report(dict(params), out, quiet).path
            found["ours"].append(time.perf_counter() - started)
            found["ours reading"].append(
                timed(lambda: collect_sales(date_from, date_to, Tracker(quiet), end=85))
            )
            found["ours drawing"].append(
                timed(lambda: render_pdf(data, out / "drawn.pdf", Tracker(quiet)))
            )
            found["baseline reading"].append(timed(read))
            found["baseline drawing"].append(timed(lambda: draw(tables, baseline_file)))
        best = {name: min(times) for name, times in found.items()}
        best["baseline"] = best["baseline reading"] + best["baseline drawing"]
        report(orders, repeat, best, pages(ours_file), pages(baseline_file), json_path)


def report(
    orders: int,
    repeat: int,
    best: dict[str, float],
    ours_pages: int,
    baseline_pages: int,
    json_path: Path | None,
) -> None:
    """Print the times and ratios; write them with --json."""
    ratio = best["ours"] / best["baseline"]
    read_ratio = best["ours reading"] / best["baseline reading"]
    draw_ratio = best["ours drawing"] / best["baseline drawing"]
    rows = [
        ["ours (the sales_report job's PDF)", round(best["ours reading"], 3),
         round(best["ours drawing"], 3), round(best["ours"], 3), ours_pages],
        ["baseline (GROUP BY + platypus tables)", round(best["baseline reading"], 3),
         round(best["baseline drawing"], 3), round(best["baseline"], 3), baseline_pages],
        ["ours / baseline", round(read_ratio, 2), round(draw_ratio, 2), round(ratio, 2), ""],
    ]  # fmt: skip
    print(f"a year ({DAYS} days) of {orders:,} orders, sales report PDF, best of {repeat}")
    print(f"{'':40}{'reading s':>11}{'drawing s':>11}{'total s':>10}{'pages':>7}")
    for name, *figures in rows:
        print(f"{name:40}" + "".join(f"{v!s:>11}" for v in figures[:2])
              + f"{figures[2]!s:>10}{figures[3]!s:>7}")  # fmt: skip
    print("(ours total: the whole job, reading and drawing included, plus its temp file, fsync "
          "and sha256; its drawing has two charts the baseline leaves out)")  # fmt: skip
    write_json(
        json_path,
        database="SQLite",
        tables=[table(f"a year of {orders:,} orders, sales report PDF, best of {repeat}, seconds",
                      ["", "reading s", "drawing s", "total s", "pages"], rows)],
        headline=[headline("PDF sales report time / platypus direct", ratio),
                  headline("PDF drawing alone / platypus tables", draw_ratio)],
        figures={**best, "orders": orders, "pages": ours_pages, "baseline_pages": baseline_pages},
    )  # fmt: skip


if __name__ == "__main__":
    main()
