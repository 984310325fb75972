"""The sales report as Excel and CSV: the right figures, typed cells, safe text, honest progress."""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import date
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
    calendar_weeks,
    read_sales_csv,
    shown_percent,
    significant_digits,
)

SHEETS = ["Summary", "By week", "By product", "By region & channel", "Top customers"]
DAYS = 120  # over two months and up to a year: shown week by week


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
    assert [c.value for c in book["By week"][1]][:6] == [
        "From",
        "To",
        "Orders",
        "Revenue (USD)",
        "Tax (USD)",
        "Average order value (USD)",
    ]
    rows = len(calendar_weeks(built["excel"].date_from, built["excel"].date_to))
    assert book["By week"].auto_filter.ref == f"A1:F{rows + 1}"


def test_excel_totals_equal_sql(built: dict[str, Built]) -> None:
    """Totals, weekly revenue, product units and region revenue all add up to SQL's sums."""
    expected = built["excel"].expected
    book = openpyxl.load_workbook(built["excel"].path)
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Orders"] == expected["orders"]
    assert summary["Units sold"] == expected["units"]
    assert summary["Revenue before tax (USD)"] == pytest.approx(expected["revenue"] / 100)
    assert summary["Tax (USD)"] == pytest.approx(expected["tax"] / 100)
    assert summary["Currency"] == "USD"
    assert summary["Period from"].date() == built["excel"].date_from
    by_week = book["By week"]
    assert sum(column(by_week, "D")) == pytest.approx(expected["revenue"] / 100)
    assert sum(column(by_week, "C")) == expected["orders"]
    spans = [
        (a.date(), b.date())
        for a, b in zip(column(by_week, "A"), column(by_week, "B"), strict=True)
    ]
    assert spans == calendar_weeks(built["excel"].date_from, built["excel"].date_to)
    assert sum(column(book["By product"], "D")) == expected["units"]
    assert sum(column(book["By region & channel"], "D")) == pytest.approx(expected["revenue"] / 100)
    assert len(column(book["Top customers"], "A")) == 20


def test_excel_number_and_date_formats(built: dict[str, Built]) -> None:
    """Money has two decimals, counts thousands separators, dates are date cells as '1 Mar 2025'."""
    book = openpyxl.load_workbook(built["excel"].path)
    by_week = book["By week"]
    assert by_week["A2"].is_date and by_week["A2"].number_format == "d mmm yyyy"
    assert by_week["C2"].number_format == "#,##0" and by_week["C2"].data_type == "n"
    assert by_week["D2"].number_format == "#,##0.00" and by_week["D2"].data_type == "n"
    assert book["Top customers"]["F2"].number_format == "#,##0.00"
    assert book["By region & channel"]["B2"].value in ("Marketplace", "Phone", "Store", "Web")


@pytest.mark.parametrize(
    ("sheet", "letter"), [("By product", "F"), ("By region & channel", "F"), ("Top customers", "G")]
)
def test_excel_shares_show_two_significant_digits(
    built: dict[str, Built], sheet: str, letter: str
) -> None:
    """Every non-zero share reads with at least two significant digits under its format."""
    ws = openpyxl.load_workbook(built["excel"].path)[sheet]
    cells = [cell for cell in ws[letter][1:] if cell.value]
    assert cells
    for cell in cells:
        assert cell.number_format.endswith("%")
        assert significant_digits(shown_percent(cell.value, cell.number_format)) >= 2, cell.value


def test_excel_has_charts_and_fitted_columns(built: dict[str, Built]) -> None:
    """Two charts (revenue by week, by region) and columns sized to their contents."""
    with zipfile.ZipFile(built["excel"].path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 2
        assert b"Revenue by week" in b"".join(archive.read(name) for name in charts)
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
    """One header; a section column; totals equal SQL and the weekly rows add up to them."""
    rows = read_sales_csv(built["csv"].path)
    expected = built["csv"].expected
    sections = [row["section"] for row in rows]
    assert sections[0] == "total"
    assert set(sections) == {
        "total",
        "excluded",
        "week",
        "product",
        "region_channel",
        "top_customer",
    }
    total = rows[0]
    assert int(total["orders"]) == expected["orders"]
    assert int(total["units"]) == expected["units"]
    assert Decimal(total["revenue"]) == Decimal(expected["revenue"]) / 100
    assert Decimal(total["tax"]) == Decimal(expected["tax"]) / 100
    by_week = [row for row in rows if row["section"] == "week"]
    spans = [(date.fromisoformat(r["date"]), date.fromisoformat(r["date_to"])) for r in by_week]
    assert spans == calendar_weeks(built["csv"].date_from, built["csv"].date_to)
    assert sum(Decimal(row["revenue"]) for row in by_week) == Decimal(total["revenue"])
    assert sum(int(row["orders"]) for row in by_week) == expected["orders"]
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
