"""The sales report as a PDF: title block, sections, charts, long tables and page numbers."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.reports_fixtures import HOSTILE_NAMES, Built, build_sales_reports, page_texts
from webapp.generators.sales_text import clip, money, period_text, sections

DAYS = 62  # the longest period still shown day by day
DAY_HEADER = re.compile(r"Date\s+Orders\s+Revenue \(USD\)\s+Tax \(USD\)\s+Average order \(USD\)")


@pytest.fixture(scope="module")
def built(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The PDF built once over the last 62 days of orders."""
    return build_sales_reports(app, tmp_path_factory.mktemp("pdf"), DAYS, ("pdf",))["pdf"]


@pytest.fixture(scope="module")
def pages(built: Built) -> list[str]:
    """The text of each page."""
    return page_texts(built.path)


def test_title_block(built: Built, pages: list[str]) -> None:
    """The first page names the report, its period, when it was made and what revenue means."""
    first = pages[0]
    assert "Sales report" in first
    assert f"Period: {period_text(built.date_from, built.date_to)}" in first
    assert re.search(
        r"Generated at \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC\. Amounts in USD\.", first
    )
    assert "Revenue is the order subtotal before tax" in first
    flat = " ".join(" ".join(pages).split())
    assert "cancelled and refunded orders are not counted in any figure" in flat
    assert (
        PdfReader(built.path).metadata.title
        == f"Sales report, {period_text(built.date_from, built.date_to)}"
    )


def test_every_section_and_chart_is_there(pages: list[str]) -> None:
    """Each section has its heading, and both charts are drawn with their captions."""
    text = "\n".join(pages)
    for heading in sections("day"):
        assert heading in text, heading
    assert "Revenue by day (before tax, USD)" in text
    assert "Revenue by region (before tax, USD)" in text


def test_totals_equal_sql(built: Built, pages: list[str]) -> None:
    """The totals table shows SQL's own sums of revenue, tax and orders, in USD."""
    lines = pages[0].splitlines()
    expected = built.expected
    after: dict[str, str] = {}
    for label, value in itertools.pairwise(lines):
        after.setdefault(label, value)  # the totals table comes first
    assert after["Revenue before tax (USD)"] == money(expected["revenue"])
    assert after["Tax (USD)"] == money(expected["tax"])
    assert after["Orders"] == f"{expected['orders']:,}"
    assert after["Units sold"] == f"{expected['units']:,}"


def test_pages_are_numbered(pages: list[str]) -> None:
    """Every page says "Page N of M" with the true page count."""
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text


def test_long_tables_repeat_their_header(built: Built, pages: list[str]) -> None:
    """The daily table runs over two pages and the continuation page repeats its header."""
    day = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$")  # '3 Mar 2025', as the app writes dates
    with_days = [
        text for text in pages if sum(bool(day.match(line)) for line in text.splitlines()) > 5
    ]
    assert len(with_days) >= 2
    for text in with_days:
        assert DAY_HEADER.search(text)


def test_hostile_names_are_printed_as_text(pages: list[str]) -> None:
    """Names that look like formulas are plain text in a PDF (clipped, controls as spaces)."""
    lines = {line.strip() for line in "\n".join(pages).splitlines()}
    for name in HOSTILE_NAMES:
        assert clip(name, 26).strip() in lines, name
