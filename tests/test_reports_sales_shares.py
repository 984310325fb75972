"""Shares of revenue read apart: a period's top customers each hold about 0.1 % of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.reports_fixtures import Recorder, page_texts, shown_percent
from webapp.generators.progress import Tracker
from webapp.generators.sales_data import CustomerRow, SalesData
from webapp.generators.sales_excel import render_excel
from webapp.generators.sales_grain import Bucket, group_days
from webapp.generators.sales_pdf import render_pdf
from webapp.generators.sales_text import share_column, share_decimals

TOTAL_CENTS = 100_000_000  # 1,000,000.00 of revenue in the period
# Top customers from 0.14 % of revenue down to 0.090 %: all "0.1%" with one decimal.
TOP = [140_000, 131_000, 120_000, 112_000, 104_000, 99_000, 95_000, 90_000]
SHARES = ["0.140%", "0.131%", "0.120%", "0.112%", "0.104%", "0.099%", "0.095%", "0.090%"]


@pytest.mark.parametrize(
    ("percent_value", "decimals"),
    [(12.5, 1), (100.0, 1), (1.2, 1), (0.5, 2), (0.0457, 3), (0.0009, 5), (0.0, 1)],
)
def test_share_decimals_keep_two_significant_digits(percent_value: float, decimals: int) -> None:
    """One decimal from 1 % up; below it, enough decimals for two significant digits."""
    assert share_decimals(percent_value) == decimals


def test_a_share_column_keeps_one_number_of_decimals() -> None:
    """The smallest share sets the decimals of the whole column; zeros do not count."""
    assert share_column([5_000, 540, 0], 10_000) == ["50.0%", "5.4%", "0.0%"]
    assert share_column([5_000, 54], 10_000) == ["50.00%", "0.54%"]
    assert share_column([], 10_000) == [] and share_column([1, 2], 0) == ["0.0%", "0.0%"]


def small_shares() -> SalesData:
    """A year's figures whose top customers each hold about a tenth of a percent."""
    date_from, date_to = date(2025, 1, 1), date(2025, 12, 31)
    customers = [
        CustomerRow(n, n, f"Customer {n}", f"c{n}@example.com", "North", 30, cents)
        for n, cents in enumerate(TOP, start=1)
    ]
    return SalesData(
        date_from=date_from,
        date_to=date_to,
        generated_at=datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
        totals=Bucket(20_000, TOTAL_CENTS, 0),
        grain="week",
        by_period=group_days({}, date_from, date_to, "week"),
        top_customers=customers,
        currencies=["USD"],
    )


def test_the_pdf_prints_each_top_customer_share(tmp_path: Path) -> None:
    """Each row's share, not '0.1%' on every row: the column has the decimals its smallest needs."""
    path = tmp_path / "report.pdf"
    render_pdf(small_shares(), path, Tracker(Recorder()))
    lines = [line.strip() for page in page_texts(path) for line in page.splitlines()]
    table = lines[lines.index("Top customers") :]
    shown = [table[table.index(f"Customer {n}") + 5] for n in range(1, len(TOP) + 1)]
    assert shown == SHARES


def test_the_workbook_shows_each_top_customer_share(tmp_path: Path) -> None:
    """Excel shows the same shares: the column's format has the decimals they need."""
    path = tmp_path / "report.xlsx"
    render_excel(small_shares(), path, Tracker(Recorder()))
    ws = openpyxl.load_workbook(path)["Top customers"]
    assert ws["G1"].value == "Share of revenue"
    shown = [shown_percent(cell.value, cell.number_format) for cell in ws["G"][1:]]
    assert shown == SHARES  # as the PDF prints them
