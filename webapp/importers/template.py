"""Template files: a kind's columns and one example row, as CSV (UTF-8 with BOM) or a workbook."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from webapp.generators.safe_cells import write_text
from webapp.importers.kinds import Kind


def template_bytes(kind: Kind, fmt: str) -> bytes:
    """The template of `kind` in `fmt` ('csv' or 'xlsx')."""
    header = [column.name for column in kind.columns]
    example = [column.example for column in kind.columns]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerow(example)  # our own example values: nothing to neutralise
        return text.getvalue().encode("utf-8-sig")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(kind.label)
    bold = book.add_format({"bold": True})
    text_format = book.add_format({"num_format": "@"})  # typed phones and SKUs stay text
    for col, column in enumerate(kind.columns):
        write_text(sheet, 0, col, column.name, bold)
        write_text(sheet, 1, col, column.example)
        sheet.set_column(col, col, max(14, len(column.example) + 2), text_format)
    notes = book.add_worksheet("Columns")
    for row, column in enumerate(kind.columns):
        required = "required" if column.required else "optional"
        write_text(notes, row, 0, column.name, bold)
        write_text(notes, row, 1, f"{required}. {column.hint}")
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 90)
    book.close()
    return buffer.getvalue()


def template_name(kind: Kind, fmt: str) -> str:
    """'customers-template.csv'."""
    return f"{kind.name}-template.{fmt}"
