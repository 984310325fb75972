"""Cells from data can never become formulas; numbers and dates keep their types."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from webapp.generators.safe_cells import csv_cell, csv_row, csv_text, money_text, write_cell

DANGEROUS = ["=1+2", '=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_text_quotes_formula_starts(value: str) -> None:
    """A text field starting with =, +, -, @, tab or CR gets a leading single quote."""
    assert csv_text(value) == "'" + value


@pytest.mark.parametrize("value", ["Amal Haddad", "", "a=b", "1-2", "'quoted", " =x", "x@y.com"])
def test_csv_text_leaves_plain_text_alone(value: str) -> None:
    """Anything else is written unchanged."""
    assert csv_text(value) == value


def test_csv_cell_keeps_numbers_and_dates() -> None:
    """Numbers stay numbers (negative ones too), dates become ISO text, None becomes empty."""
    row = csv_row([-2, 3.5, Decimal("-1.25"), date(2025, 1, 31), None, "-2", True])
    assert row == [-2, 3.5, Decimal("-1.25"), "2025-01-31", "", "'-2", "true"]
    assert csv_cell(datetime(2025, 1, 31, 8, 30)) == "2025-01-31T08:30:00"


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (100, "1.00"),
        (123456, "1234.56"),
        (-5, "-0.05"),
        (-123456, "-1234.56"),
    ],
)
def test_money_text(cents: int, text: str) -> None:
    """Cents become currency units with two decimals and a dot, no separators."""
    assert money_text(cents) == text


def test_excel_cells_keep_their_types(tmp_path: Path) -> None:
    """Text is a string cell (never a formula), numbers are numbers, dates are dates."""
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Cells")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for row, value in enumerate(DANGEROUS):
        write_cell(ws, row, 0, value)
    write_cell(ws, 0, 1, -2)
    write_cell(ws, 1, 1, Decimal("12.50"))
    write_cell(ws, 2, 1, date(2025, 1, 31), date_format)
    write_cell(ws, 3, 1, None)
    book.close()

    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = openpyxl.load_workbook(path)["Cells"]
    texts = [sheet.cell(row=n + 1, column=1) for n in range(len(DANGEROUS) - 1)]
    assert [(c.value, c.data_type) for c in texts] == [(v, "s") for v in DANGEROUS[:-1]]
    assert sheet["B1"].value == -2 and sheet["B1"].data_type == "n"
    assert sheet["B2"].value == 12.5
    assert sheet["B3"].is_date and sheet["B3"].value.date() == date(2025, 1, 31)
    assert sheet["B4"].value is None
