"""The orders export: filtered rows streamed to CSV and Excel, safe text, sheets that roll over."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.reports_fixtures import (
    HOSTILE_NAMES,
    Cancelled,
    Recorder,
    assert_honest_progress,
    ensure_sales_data,
    hostile_customers,
    last_period,
    sql_orders,
)
from webapp.engine.errors import NO_DATA, JobError
from webapp.extensions import db
from webapp.generators import orders_writers, streaming
from webapp.generators.dates import short_date
from webapp.generators.order_dates import order_date_range
from webapp.generators.orders_export import build_orders_export, count_orders
from webapp.generators.orders_writers import HEADERS
from webapp.models.sales import ORDER_STATUSES, REGIONS, Order

DAYS = 90


@pytest.fixture
def period(app_ctx: Flask) -> tuple[date, date]:
    """The last 90 days that hold demo orders."""
    ensure_sales_data()
    return last_period(DAYS)


@pytest.fixture
def hostile(period: tuple[date, date]) -> Iterator[list[int]]:
    """Customers named like formulas with an order in the period, removed after the test."""
    with hostile_customers(on=period[1] - timedelta(days=1), subtotal_cents=1234) as ids:
        yield ids


def params(
    period: tuple[date, date], fmt: str, status: str = "", region: str = ""
) -> dict[str, Any]:
    """Validated export parameters for the period."""
    date_from, date_to = period
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "status": status,
        "region": region,
        "format": fmt,
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    """The CSV's rows as dicts, after checking its header."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == HEADERS
        return list(reader)


@pytest.mark.parametrize(
    ("status", "region"), [("", ""), ("shipped", ""), ("", "West"), ("paid", "East")]
)
def test_csv_holds_exactly_the_filtered_orders(
    period: tuple[date, date], tmp_path: Path, status: str, region: str
) -> None:
    """Row count and total equal SQL's; every row matches the filters; rows are in date order."""
    result = build_orders_export(params(period, "csv", status, region), tmp_path, Recorder())
    rows = read_csv(result.path)
    count, total_cents = sql_orders(*period, status=status, region=region)
    assert len(rows) == count > 0
    assert sum(Decimal(row["Total"]) for row in rows) == Decimal(total_cents) / 100
    assert all(status in ("", row["Status"]) and region in ("", row["Region"]) for row in rows)
    dates = [row["Order date"] for row in rows]
    assert dates == sorted(dates)
    assert period[0].isoformat() <= dates[0] and dates[-1] <= period[1].isoformat()
    assert all(re.fullmatch(r"\d+\.\d\d", row["Subtotal"]) for row in rows)
    assert all("@" in row["Customer email"] and row["Customer name"] for row in rows)


@pytest.mark.parametrize(("status", "region"), [("", ""), ("paid", "East")])
def test_count_on_orders_alone_is_the_exported_row_count(
    period: tuple[date, date], status: str, region: str
) -> None:
    """The progress total counts orders without the customers' join and finds the same rows."""
    with streaming.reading() as conn:
        counted = count_orders(conn, params(period, "csv", status, region))
    assert counted == sql_orders(*period, status=status, region=region)[0] > 0


def test_csv_starts_with_one_byte_order_mark(period: tuple[date, date], tmp_path: Path) -> None:
    """Excel reads the file as UTF-8: one BOM first, then the header, none anywhere else."""
    result = build_orders_export(params(period, "csv"), tmp_path, Recorder())
    data = result.path.read_bytes()
    assert data.startswith("\ufeff".encode() + ",".join(HEADERS).encode())
    assert data.count("\ufeff".encode()) == 1


def test_csv_neutralises_hostile_names(
    hostile: list[int], period: tuple[date, date], tmp_path: Path
) -> None:
    """Names starting with =, +, -, @ or tab get a leading quote; amounts stay plain numbers."""
    result = build_orders_export(params(period, "csv"), tmp_path, Recorder())
    by_id = {int(row["Customer ID"]): row for row in read_csv(result.path)}
    for customer_id, name in zip(hostile, HOSTILE_NAMES, strict=True):
        assert by_id[customer_id]["Customer name"] == "'" + name
        assert by_id[customer_id]["Subtotal"] in {"12.34", "12.35", "12.36", "12.37", "12.38"}


def test_excel_layout_types_and_totals(
    hostile: list[int], period: tuple[date, date], tmp_path: Path
) -> None:
    """Frozen header, autofilter, date cells, money formats, string names; total equals SQL."""
    result = build_orders_export(params(period, "excel"), tmp_path, Recorder())
    book = openpyxl.load_workbook(result.path)
    assert book.sheetnames == ["Orders"]
    ws = book["Orders"]
    count, total_cents = sql_orders(*period)
    assert [cell.value for cell in ws[1]] == list(HEADERS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:L{count + 1}"
    assert ws.max_row == count + 1
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value.date() >= period[0]
    assert ws["L2"].data_type == "n" and ws["L2"].number_format == "#,##0.00"
    assert sum(cell.value for cell in ws["L"][1:]) == pytest.approx(total_cents / 100)
    names = {row[5].value: row[6] for row in ws.iter_rows(min_row=2)}
    for customer_id, name in zip(hostile, HOSTILE_NAMES, strict=True):
        assert (names[customer_id].value, names[customer_id].data_type) == (name, "s")
    with zipfile.ZipFile(result.path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_excel_continues_on_a_new_sheet_when_one_is_full(
    period: tuple[date, date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a sheet limit of 101 rows the rows continue on "Orders (2)", ... in order."""
    monkeypatch.setattr(orders_writers, "EXCEL_MAX_ROWS", 101)
    result = build_orders_export(params(period, "excel"), tmp_path, Recorder())
    count, _total = sql_orders(*period)
    book = openpyxl.load_workbook(result.path)
    sheets = -(-count // 100)
    assert sheets >= 2
    assert book.sheetnames == ["Orders"] + [f"Orders ({n})" for n in range(2, sheets + 1)]
    numbers = []
    for ws in book.worksheets:
        assert [cell.value for cell in ws[1]] == list(HEADERS)
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
        assert ws.max_row <= 101
        numbers += [cell.value for cell in ws["A"][1:]]
    assert len(numbers) == count == len(set(numbers))
    csv_rows = read_csv(build_orders_export(params(period, "csv"), tmp_path, Recorder()).path)
    assert numbers == [row["Order number"] for row in csv_rows]


@pytest.mark.parametrize("fmt", ["csv", "excel"])
def test_progress_counts_rows_written(
    period: tuple[date, date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Progress moves chunk by chunk from a COUNT taken first, and reaches 100 at the end."""
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 250)
    recorder = Recorder()
    build_orders_export(params(period, fmt), tmp_path, recorder)
    assert_honest_progress(recorder)
    count, _total = sql_orders(*period)
    written = [
        int(m.group(1).replace(",", ""))
        for _percent, message in recorder.calls
        if (m := re.fullmatch(rf"Wrote ([\d,]+) of {count:,} orders", message))
    ]
    assert written == [min(count, n) for n in range(250, count + 250, 250)]
    assert len(set(recorder.percents)) >= 5


@pytest.mark.parametrize("fmt", ["csv", "excel"])
@pytest.mark.parametrize("fail_at", [30, 86, 99])
def test_failure_half_way_leaves_no_file(
    period: tuple[date, date],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    fail_at: int,
) -> None:
    """A cancel raised from progress (mid-rows, while packing, at the end) leaves out_dir empty."""
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 250)
    with pytest.raises(Cancelled):
        build_orders_export(params(period, fmt), tmp_path, Recorder(fail_at=fail_at))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "excel"])
def test_a_period_without_orders_fails_with_no_data(
    period: tuple[date, date], tmp_path: Path, fmt: str
) -> None:
    """No order in the period fails with NO_DATA naming it and where orders are; no file."""
    first, last = order_date_range()
    recorder = Recorder()
    with pytest.raises(JobError) as caught:
        build_orders_export(params((date(1990, 1, 1), date(1990, 1, 2)), fmt), tmp_path, recorder)
    error = caught.value
    assert (error.code, error.retry) == (NO_DATA, False)
    assert error.message == "No orders between 1 Jan 1990 and 2 Jan 1990"
    assert error.details.startswith(f"Orders exist from {short_date(first)} to {short_date(last)}.")
    assert list(tmp_path.iterdir()) == [] and 100 not in recorder.percents


def test_filters_that_match_nothing_fail_naming_them(
    period: tuple[date, date], tmp_path: Path
) -> None:
    """Orders in the period but none with the filters: the message names the filters."""
    day = period[1]
    present = db.session.execute(
        select(Order.status, Order.region).where(Order.order_date == day).distinct()
    ).all()
    absent = [(s, r) for s in ORDER_STATUSES for r in REGIONS if (s, r) not in set(present)]
    status, region = absent[0]
    in_day = sql_orders(day, day)[0]
    with pytest.raises(JobError) as caught:
        build_orders_export(params((day, day), "csv", status, region), tmp_path, Recorder())
    error = caught.value
    assert (error.code, error.retry) == (NO_DATA, False)
    when = short_date(day)
    expected = (
        f"No orders between {when} and {when} with status {status.capitalize()} in region {region}"
    )
    assert error.message == expected
    orders = f"{in_day:,} order{'' if in_day == 1 else 's'}"
    assert error.details == f"The period holds {orders}, but none match the filters."
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "excel"])
def test_progress_may_commit_the_session(
    period: tuple[date, date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """The engine's progress function may write and commit through db.session mid-stream."""
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 100)
    recorder = Recorder()

    def progress(percent: int, message: str) -> None:
        """Record, then use and commit the session as a job engine would."""
        recorder(percent, message)
        db.session.execute(select(func.count()).select_from(Order))
        db.session.commit()

    result = build_orders_export(params(period, fmt), tmp_path, progress)
    count, _total = sql_orders(*period)
    assert len(recorder.calls) > count // 100
    if fmt == "csv":
        assert len(read_csv(result.path)) == count
    else:
        assert openpyxl.load_workbook(result.path)["Orders"].max_row == count + 1
