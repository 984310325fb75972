"""The sales PDF over short and long periods: few pages, headings kept with their tables, one
date style, the currency on every amount, capitalised names, weekly and monthly rows that add up.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.reports_fixtures import (
    Recorder,
    calendar_weeks,
    ensure_sales_data,
    last_period,
    page_texts,
)
from webapp.extensions import db
from webapp.generators.sales_data import REVENUE_STATUSES
from webapp.generators.sales_report import build_sales_report
from webapp.models.sales import Order

# Each heading and the first header cell of the table that must start below it, on its page.
TABLE_AFTER = {
    "Totals": ("Measure", 2),
    "Revenue by day": ("Date", 5),
    "Revenue by week": ("Week", 5),
    "Revenue by month": ("Month", 5),
    "By product": ("SKU", 6),
    "By region and sales channel": ("Region", 6),
    "Top customers": ("#", 7),
}
FOOTER = re.compile(r"^(Page \d+ of \d+|Sales report)$")
DASH = "\u2013"


def content_lines(page: str) -> list[str]:
    """A page's text lines without its footer."""
    return [line.strip() for line in page.splitlines() if not FOOTER.match(line.strip())]


def words(day: date) -> str:
    """'1 Mar 2025', written here without the code under test."""
    return f"{day.day} {day:%b %Y}"


def span(start: date, end: date) -> str:
    """A week or cut month as the report should label it."""
    if start == end:
        return words(start)
    if start.year != end.year:
        return f"{words(start)} {DASH} {words(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} {DASH} {words(end)}"
    return f"{start.day}{DASH}{words(end)}"


def table_lines(path: Path, first_cell: str) -> list[str]:
    """The PDF's lines from the first header cell of a table on (past the chart's axis labels)."""
    lines = [line.strip() for page in page_texts(path) for line in page.splitlines()]
    return lines[lines.index(first_cell) :]


def sold_orders(start: date, end: date) -> int:
    """Counted orders between two days, straight from SQL."""
    stmt = select(func.count()).where(
        Order.order_date.between(start, end), Order.status.in_(REVENUE_STATUSES)
    )
    return int(db.session.scalar(stmt) or 0)


@pytest.fixture(scope="module")
def pdfs(
    app: Flask, tmp_path_factory: pytest.TempPathFactory
) -> dict[int, tuple[Path, date, date]]:
    """The PDF over the last N days of orders, for short and long N."""
    out: dict[int, tuple[Path, date, date]] = {}
    with app.app_context():
        ensure_sales_data()
        for days in (14, 23, 50, 62, 63, 200, 366, 367, 730):
            date_from, date_to = last_period(days)
            params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
            folder = tmp_path_factory.mktemp(f"pdf{days}")
            result = build_sales_report({**params, "format": "pdf"}, folder, Recorder())
            out[days] = (result.path, date_from, date_to)
        db.session.remove()
    return out


@pytest.mark.parametrize("days", [14, 23, 50, 62, 63, 200, 366, 367, 730])
def test_every_heading_starts_its_table_on_the_same_page(pdfs, days: int) -> None:
    """No heading is left alone at the foot of a page: its table's header and a row follow it."""
    for number, page in enumerate(page_texts(pdfs[days][0]), start=1):
        lines = content_lines(page)
        for i, line in enumerate(lines):
            if line not in TABLE_AFTER:
                continue
            first_cell, columns = TABLE_AFTER[line]
            assert first_cell in lines[i + 1 :], f"{line!r} without its table on page {number}"
            header = lines.index(first_cell, i + 1)
            assert len(lines) - header >= 2 * columns, f"{line!r}: no row under it on page {number}"


@pytest.mark.parametrize("days", [14, 200, 730])
def test_one_date_style_amounts_in_usd_names_capitalised(pdfs, days: int) -> None:
    """No ISO dates, every money header names USD, channels read 'Web', 'Marketplace'."""
    text = "\n".join(page_texts(pdfs[days][0]))
    lines = set(text.splitlines())
    assert not re.search(r"\d{4}-\d\d-\d\d", text)
    assert {"Revenue (USD)", "Tax (USD)", "Average order (USD)"} <= lines
    assert {"Web", "Store", "Phone", "Marketplace"} <= lines
    assert not {"web", "store", "phone", "marketplace"} & lines


def test_two_years_take_a_few_pages_by_month(pdfs) -> None:
    """730 days: one row per month (the cut ends spanned), orders per month as SQL counts them."""
    path, date_from, date_to = pdfs[730]
    assert len(page_texts(path)) <= 5  # one row per day took 17
    lines = table_lines(path, "Month")
    month = date_from.replace(day=1)
    while month <= date_to:
        nxt = (month + timedelta(days=32)).replace(day=1)
        start, end = max(month, date_from), min(nxt - timedelta(days=1), date_to)
        label = (
            f"{month:%b %Y}"
            if (start, end) == (month, nxt - timedelta(days=1))
            else span(start, end)
        )
        assert label in lines, label
        assert lines[lines.index(label) + 1] == f"{sold_orders(start, end):,}", label
        month = nxt


def test_a_half_year_goes_week_by_week(pdfs) -> None:
    """200 days: Monday-to-Sunday weeks, the cut ends said under the chart, sums as SQL's."""
    path, date_from, date_to = pdfs[200]
    text = "\n".join(page_texts(path))
    lines = table_lines(path, "Week")
    weeks = calendar_weeks(date_from, date_to)
    for start, end in weeks:
        label = span(start, end)
        assert lines[lines.index(label) + 1] == f"{sold_orders(start, end):,}", label
    assert "Revenue by week (before tax, USD)" in text
    cut = [(s, e) for s, e in (weeks[0], weeks[-1]) if (e - s).days < 6]
    flat = " ".join(text.split())
    assert ("are partial" in flat or "is partial" in flat) == bool(cut)
    assert len(page_texts(path)) <= 5


def test_two_months_still_go_day_by_day(pdfs) -> None:
    """62 days: one row per day, every day listed, zeros included."""
    path, date_from, _date_to = pdfs[62]
    lines = {line.strip() for page in page_texts(path) for line in page.splitlines()}
    for n in range(62):
        assert words(date_from + timedelta(days=n)) in lines
    assert "Revenue by day" in lines and "Revenue by week" not in lines
