"""Template files: a kind's columns and one example row, as CSV (UTF-8 with BOM) or a workbook.

The columns' names and the example values are the file's format (a region is one of the
English names the import reads), the same in every language; a workbook's sheet names and
its notes on each column are in the page's language.
"""

from __future__ import annotations

import csv
import io

import xlsxwriter

from webapp.generators.safe_cells import write_text
from webapp.i18n import gettext as _
from webapp.i18n import pgettext, text_direction
from webapp.importers.kinds import Kind
from webapp.models.sales import REGIONS


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
    sheet = book.add_worksheet(_(kind.label))
    bold = book.add_format({"bold": True})
    if text_direction() == "rtl":
        sheet.right_to_left()
    text_format = book.add_format({"num_format": "@"})  # typed phones and SKUs stay text
    for col, column in enumerate(kind.columns):
        write_text(sheet, 0, col, column.name, bold)
        write_text(sheet, 1, col, column.example)
        sheet.set_column(col, col, max(14, len(column.example) + 2), text_format)
    notes = book.add_worksheet(pgettext("template sheet", "Columns"))
    for row, column in enumerate(kind.columns):
        write_text(notes, row, 0, column.name, bold)
        write_text(notes, row, 1, column_note(column.required, column.hint))
    if text_direction() == "rtl":
        notes.right_to_left()
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 90)
    book.close()
    return buffer.getvalue()


def column_note(required: bool, hint: str) -> str:
    """'required. Up to 120 characters.': whether a column must be filled, and its hint."""
    said = _(hint, options=", ".join(REGIONS))
    if required:
        return _("required. %(hint)s", hint=said)
    return _("optional. %(hint)s", hint=said)


def template_name(kind: Kind, fmt: str) -> str:
    """'customers-template.csv'."""
    return f"{kind.name}-template.{fmt}"
