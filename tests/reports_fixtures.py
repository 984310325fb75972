"""Helpers shared by the report and export tests: demo data, hostile customers, SQL sums."""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import Date, TextClause, bindparam, delete, func, select, text

from webapp.demo.seed import has_orders, seed_demo
from webapp.extensions import db
from webapp.generators.contract import FileResult
from webapp.models.sales import Customer, Order

# Text a spreadsheet would run as a formula if it were written naively.
HOSTILE_NAMES = ('=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)", "\tx")
SOLD = "('paid', 'shipped', 'delivered')"


class Cancelled(Exception):
    """What an engine's progress function raises when the job was cancelled."""


@dataclass
class Recorder:
    """A progress function that records each call and can fail once a percentage is reached."""

    fail_at: int | None = None
    calls: list[tuple[int, str]] = field(default_factory=list)

    def __call__(self, percent: int, message: str) -> None:
        """Record the call; raise Cancelled when fail_at is reached."""
        self.calls.append((percent, message))
        if self.fail_at is not None and percent >= self.fail_at:
            raise Cancelled(f"cancelled at {percent}%")

    @property
    def percents(self) -> list[int]:
        """The percentages reported, in order."""
        return [percent for percent, _message in self.calls]


def ensure_sales_data() -> None:
    """Seed the demo sales data once per database (other tests may have seeded it already)."""
    if not has_orders():
        seed_demo(orders=3000, seed=7)
    db.session.commit()


def last_period(days: int) -> tuple[date, date]:
    """The last `days` days that hold orders, ending on the latest order date."""
    last = db.session.scalar(select(func.max(Order.order_date)))
    assert last is not None
    return last - timedelta(days=days - 1), last


def calendar_weeks(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """Monday-to-Sunday weeks covering the period, the first and last cut to it."""
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    starts = [day for day in days if day == date_from or day.weekday() == 0]
    ends = [start - timedelta(days=1) for start in starts[1:]] + [date_to]
    return list(zip(starts, ends, strict=True))


def _dates(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("a", type_=Date), bindparam("b", type_=Date))


def sql_sales(date_from: date, date_to: date) -> dict[str, int]:
    """Totals computed straight in SQL, independent of the report code."""
    row = db.session.execute(
        _dates(
            "SELECT COUNT(*), COALESCE(SUM(subtotal_cents), 0), COALESCE(SUM(tax_cents), 0) "
            f"FROM orders WHERE order_date BETWEEN :a AND :b AND status IN {SOLD}"
        ),
        {"a": date_from, "b": date_to},
    ).one()
    units = db.session.scalar(
        _dates(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id "
            f"WHERE o.order_date BETWEEN :a AND :b AND o.status IN {SOLD}"
        ),
        {"a": date_from, "b": date_to},
    )
    return {"orders": row[0], "revenue": row[1], "tax": row[2], "units": int(units or 0)}


def sql_orders(date_from: date, date_to: date, status: str = "", region: str = "") -> list[int]:
    """[count, total cents] of the orders an export should hold, straight in SQL."""
    sql = "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders WHERE "
    sql += "order_date BETWEEN :a AND :b"
    values: dict[str, object] = {"a": date_from, "b": date_to}
    if status:
        sql += " AND status = :s"
        values["s"] = status
    if region:
        sql += " AND region = :r"
        values["r"] = region
    return list(db.session.execute(_dates(sql), values).one())


@contextmanager
def hostile_customers(
    on: date, subtotal_cents: int = 50_000_000, names: Sequence[str] = HOSTILE_NAMES
) -> Iterator[list[int]]:
    """Customers named like formulas, each with one big paid order on `on`; removed afterwards."""
    tag = secrets.token_hex(3)
    customers = [
        Customer(
            name=name,
            email=f"hostile{n}-{tag}@example.com",
            region="North",
            created_at=datetime.now(UTC),
        )
        for n, name in enumerate(names)
    ]
    db.session.add_all(customers)
    db.session.flush()
    for n, customer in enumerate(customers):
        db.session.add(
            Order(
                number=f"T{tag}{n}",
                customer_id=customer.id,
                order_date=on,
                status="paid",
                region="North",
                channel="web",
                currency="USD",
                subtotal_cents=subtotal_cents + n,
                tax_cents=0,
                total_cents=subtotal_cents + n,
            )
        )
    db.session.commit()
    ids = [customer.id for customer in customers]
    try:
        yield ids
    finally:
        db.session.rollback()
        db.session.execute(delete(Order).where(Order.customer_id.in_(ids)))
        db.session.execute(delete(Customer).where(Customer.id.in_(ids)))
        db.session.commit()


@dataclass
class Built:
    """A file built by a generator, with what the test needs to check it."""

    result: FileResult
    date_from: date
    date_to: date
    expected: dict[str, int]
    progress: Recorder

    @property
    def path(self) -> Path:
        """Where the finished file is."""
        return self.result.path


def build_sales_reports(
    app: Flask, out_dir: Path, days: int, formats: tuple[str, ...] = ("pdf", "excel", "csv")
) -> dict[str, Built]:
    """Build the sales report in `formats` over the last `days` days, hostile names present."""
    from webapp.generators.sales_report import build_sales_report

    built = {}
    with app.app_context():
        ensure_sales_data()
        date_from, date_to = last_period(days)
        with hostile_customers(on=date_to - timedelta(days=3)):
            expected = sql_sales(date_from, date_to)
            for fmt in formats:
                params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
                recorder = Recorder()
                result = build_sales_report({**params, "format": fmt}, out_dir, recorder)
                built[fmt] = Built(result, date_from, date_to, expected, recorder)
        db.session.remove()
    return built


def assert_honest_progress(recorder: Recorder) -> None:
    """Progress starts at 0, never goes back, stays within 0-100 and ends at 100 once."""
    percents = recorder.percents
    assert percents[0] == 0
    assert percents == sorted(percents)
    assert all(0 <= p <= 100 for p in percents)
    assert percents[-1] == 100 and percents.count(100) == 1
    assert all(isinstance(m, str) and m for _p, m in recorder.calls)


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF, as pypdf extracts it (one table cell a line)."""
    return [page.extract_text() for page in PdfReader(path).pages]


def read_sales_csv(path: Path) -> list[dict[str, str]]:
    """The sales CSV's rows as dicts (the file starts with a UTF-8 byte-order mark)."""
    from webapp.generators.sales_csv import COLUMNS

    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def shown_percent(value: float, number_format: str) -> str:
    """What Excel shows for a share under a '0.0...%' number format."""
    decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    return f"{value * 100:.{decimals}f}%"


def significant_digits(shown: str) -> int:
    """How many significant digits a shown percentage has: '0.046%' -> 2."""
    return len(shown.rstrip("%").replace(".", "").lstrip("0"))
