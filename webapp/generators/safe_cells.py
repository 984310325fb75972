"""Cells safe from formula injection: text stays text in CSV and Excel; numbers and dates stay so.

A spreadsheet treats a CSV field that starts with =, +, -, @, tab or carriage return as a formula
(OWASP "CSV injection"). Text fields from data that start with one of these get a leading single
quote, which spreadsheets show as text. In Excel every text cell is written with write_string,
which stores a string and never a formula; numbers go through write_number and dates through
write_datetime, so they sort, sum and filter as numbers and dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CsvValue = str | int | float | Decimal
_EXACT_CENTS = 10**15


def csv_text(value: str) -> str:
    """Neutralise CSV text: a leading formula character gets a single quote before it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def money_text(cents: int) -> str:
    """Cents as currency units with two decimals and no separators: 123456 -> '1234.56'."""
    if abs(cents) < _EXACT_CENTS:  # float formatting rounds back to the exact cents here
        return f"{cents / 100:.2f}"
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units}.{rest:02d}"


def csv_cell(value: Any) -> CsvValue:
    """One CSV field: text neutralised, numbers as numbers, dates as ISO text, None empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return csv_text(str(value))


def csv_row(values: Iterable[Any]) -> list[CsvValue]:
    """A whole CSV row made safe field by field."""
    return [csv_cell(value) for value in values]


def write_text(
    ws: Worksheet, row: int, col: int, value: str | None, fmt: Format | None = None
) -> None:
    """Write text as a string cell (never a formula, URL or number)."""
    if value:
        ws.write_string(row, col, value, fmt)
    elif fmt is not None:
        ws.write_blank(row, col, None, fmt)


def write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write any value by its type: text as string, numbers as numbers, dates as dates."""
    if value is None:
        write_text(ws, row, col, None, fmt)
    elif isinstance(value, str):
        write_text(ws, row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime | date):
        ws.write_datetime(row, col, value, fmt)
    else:
        write_text(ws, row, col, str(value), fmt)
