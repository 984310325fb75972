"""The sales report as Excel and CSV: the right figures, typed cells, safe text, honest progress."""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask

from tests.reports_fixtures import (
    HOSTILE_NAMES,
    Built,
    assert_honest_progress,
    build_sales_reports,
    read_sales_csv,
)

SHEETS = ["Summary", "By day", "By product", "By region & channel", "Top customers"]
DAYS = 120


@pytest.fixture(scope="module")
def built(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every format built once over the last 120 days of orders."""
    return build_sales_reports(app, tmp_path_factory.mktemp("sales"), DAYS)


def column(ws: Any, letter: str) -> list[Any]:
    """The values of one column below the header."""
    return [cell.value for cell in ws[letter][1:]]


def test_excel_has_a_sheet_per_section(built: dict[str, Built]) -> None:
    """Each section has its sheet with a frozen header row and an autofilter over the table."""
    book = openpyxl.load_workbook(built["excel"].path)
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.b, ws.title
    assert [c.value for c in book["By day"][1]][:5] == [
        "Date",
        "Orders",
        "Revenue",
        "Tax",
        "Average order value",
    ]
    assert book["By day"].auto_filter.ref == f"A1:E{DAYS + 1}"


def test_excel_totals_equal_sql(built: dict[str, Built]) -> None:
    """Totals, daily revenue, product units and region revenue all add up to SQL's sums."""
    expected = built["excel"].expected
    book = openpyxl.load_workbook(built["excel"].path)
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Orders"] == expected["orders"]
    assert summary["Units sold"] == expected["units"]
    assert summary["Revenue (before tax)"] == pytest.approx(expected["revenue"] / 100)
    assert summary["Tax"] == pytest.approx(expected["tax"] / 100)
    assert summary["Period from"].date() == built["excel"].date_from
    by_day = book["By day"]
    assert sum(column(by_day, "C")) == pytest.approx(expected["revenue"] / 100)
    assert sum(column(by_day, "B")) == expected["orders"]
    days = [value.date() for value in column(by_day, "A")]
    start = built["excel"].date_from
    assert days == [start + timedelta(days=n) for n in range(DAYS)]
    assert sum(column(book["By product"], "D")) == expected["units"]
    assert sum(column(book["By region & channel"], "D")) == pytest.approx(expected["revenue"] / 100)
    assert len(column(book["Top customers"], "A")) == 20


def test_excel_number_and_date_formats(built: dict[str, Built]) -> None:
    """Money has two decimals, counts thousands separators, dates are date cells."""
    book = openpyxl.load_workbook(built["excel"].path)
    by_day = book["By day"]
    assert by_day["A2"].is_date and by_day["A2"].number_format == "yyyy-mm-dd"
    assert by_day["B2"].number_format == "#,##0" and by_day["B2"].data_type == "n"
    assert by_day["C2"].number_format == "#,##0.00" and by_day["C2"].data_type == "n"
    assert book["By product"]["F2"].number_format == "0.0%"
    assert book["Top customers"]["F2"].number_format == "#,##0.00"


def test_excel_has_charts_and_fitted_columns(built: dict[str, Built]) -> None:
    """Two charts (revenue by day, by region) and columns sized to their contents."""
    with zipfile.ZipFile(built["excel"].path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 2
        assert b"Revenue by day" in b"".join(archive.read(name) for name in charts)
    ws = openpyxl.load_workbook(built["excel"].path)["Top customers"]
    longest = max(len(value) for value in column(ws, "C"))
    assert ws.column_dimensions["C"].width >= longest * 0.9
    assert ws.column_dimensions["A"].width < ws.column_dimensions["C"].width


def test_excel_keeps_hostile_names_as_text(built: dict[str, Built]) -> None:
    """Customer names that look like formulas are plain string cells; no formula anywhere."""
    ws = openpyxl.load_workbook(built["excel"].path)["Top customers"]
    cells = {cell.value: cell.data_type for cell in ws["B"][1:]}
    for name in HOSTILE_NAMES:
        assert cells.get(name) == "s", name
    with zipfile.ZipFile(built["excel"].path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name), name


def test_csv_is_one_tidy_table(built: dict[str, Built]) -> None:
    """One header; a section column; totals equal SQL and the daily rows add up to them."""
    rows = read_sales_csv(built["csv"].path)
    expected = built["csv"].expected
    sections = [row["section"] for row in rows]
    assert sections[0] == "total"
    assert set(sections) == {
        "total",
        "excluded",
        "day",
        "product",
        "region_channel",
        "top_customer",
    }
    total = rows[0]
    assert int(total["orders"]) == expected["orders"]
    assert int(total["units"]) == expected["units"]
    assert Decimal(total["revenue"]) == Decimal(expected["revenue"]) / 100
    assert Decimal(total["tax"]) == Decimal(expected["tax"]) / 100
    days = [row for row in rows if row["section"] == "day"]
    assert [row["date"] for row in days][:2] == [
        built["csv"].date_from.isoformat(),
        (built["csv"].date_from + timedelta(days=1)).isoformat(),
    ]
    assert len(days) == DAYS
    assert sum(Decimal(row["revenue"]) for row in days) == Decimal(total["revenue"])
    excluded = {row["status"] for row in rows if row["section"] == "excluded"}
    assert excluded == {"cancelled", "refunded"}


def test_csv_neutralises_hostile_names(built: dict[str, Built]) -> None:
    """A customer named like a formula gets a leading quote; numbers stay bare."""
    rows = [row for row in read_sales_csv(built["csv"].path) if row["section"] == "top_customer"]
    names = {row["customer"] for row in rows}
    for name in HOSTILE_NAMES:
        assert "'" + name in names
        assert name not in names
    assert all(re.fullmatch(r"\d+\.\d\d", row["revenue"]) for row in rows)


@pytest.mark.parametrize("fmt", ["pdf", "excel", "csv"])
def test_progress_is_honest(built: dict[str, Built], fmt: str) -> None:
    """Every build reports progress from 0 to 100 without going back."""
    assert_honest_progress(built[fmt].progress)


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
    ],
)
def test_result_describes_the_file(built: dict[str, Built], fmt: str, content_type: str) -> None:
    """The result names the file in out_dir, with its true size, sha256 and content type."""
    result = built[fmt].result
    data = result.path.read_bytes()
    assert result.as_result() == {
        "file_name": result.path.name,
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    period = f"{built[fmt].date_from.isoformat()}-to-{built[fmt].date_to.isoformat()}"
    assert result.file_name.startswith(f"sales-report-{period}.")
    assert not [p for p in result.path.parent.iterdir() if p.name.startswith(".")]
