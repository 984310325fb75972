"""The sales report as a PDF: title block, sections, charts, long tables and page numbers."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.reports_fixtures import HOSTILE_NAMES, Built, build_sales_reports
from webapp.generators.sales_text import SECTIONS, clip, money, period_text

DAYS = 120
DAY_HEADER = re.compile(r"Date\s+Orders\s+Revenue\s+Tax\s+Average order")


@pytest.fixture(scope="module")
def built(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The PDF built once over the last 120 days of orders."""
    return build_sales_reports(app, tmp_path_factory.mktemp("pdf"), DAYS)["pdf"]


@pytest.fixture(scope="module")
def pages(built: Built) -> list[str]:
    """The text of each page."""
    return [page.extract_text() for page in PdfReader(built.path).pages]


def test_title_block(built: Built, pages: list[str]) -> None:
    """The first page names the report, its period, when it was made and what revenue means."""
    first = pages[0]
    assert "Sales report" in first
    assert f"Period: {period_text(built.date_from, built.date_to)}" in first
    assert re.search(r"Generated at \d{4}-\d\d-\d\d \d\d:\d\d UTC", first)
    assert "Revenue is the order subtotal before tax" in first
    flat = " ".join(" ".join(pages).split())
    assert "cancelled and refunded orders are not counted in any figure" in flat


def test_every_section_and_chart_is_there(pages: list[str]) -> None:
    """Each section has its heading, and both charts are drawn with their captions."""
    text = "\n".join(pages)
    for heading in SECTIONS:
        assert heading in text, heading
    assert "Revenue by day (before tax)" in text
    assert "Revenue by region (before tax)" in text


def test_totals_equal_sql(built: Built, pages: list[str]) -> None:
    """The totals table shows SQL's own sums of revenue, tax and orders."""
    lines = pages[0].splitlines()
    expected = built.expected
    after: dict[str, str] = {}
    for label, value in itertools.pairwise(lines):
        after.setdefault(label, value)  # the totals table comes first
    assert after["Revenue (before tax)"] == money(expected["revenue"])
    assert after["Tax"] == money(expected["tax"])
    assert after["Orders"] == f"{expected['orders']:,}"
    assert after["Units sold"] == f"{expected['units']:,}"


def test_pages_are_numbered(pages: list[str]) -> None:
    """Every page says "Page N of M" with the true page count."""
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text


def test_long_tables_repeat_their_header(built: Built, pages: list[str]) -> None:
    """The daily table runs over several pages and each continuation page repeats its header."""
    span = (built.date_to - built.date_from).days + 1
    iso_days = {(built.date_from + timedelta(days=n)).isoformat() for n in range(span)}
    continued = [
        text for text in pages[1:] if any(line.strip() in iso_days for line in text.splitlines())
    ]
    assert len(continued) >= 2
    for text in continued:
        assert DAY_HEADER.search(text)


def test_hostile_names_are_printed_as_text(pages: list[str]) -> None:
    """Names that look like formulas are plain text in a PDF (clipped, controls as spaces)."""
    lines = {line.strip() for line in "\n".join(pages).splitlines()}
    for name in HOSTILE_NAMES:
        assert clip(name, 30).strip() in lines, name
