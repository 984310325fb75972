"""The error file: the rejected rows as uploaded, with a last column naming each problem.

A CSV upload gets a CSV back (UTF-8 with a byte order mark, so Excel shows Arabic right); a
workbook gets a workbook, written in constant memory. Cells that look like formulas are kept
as text: in the CSV with a leading quote (webapp.generators.safe_cells), in the workbook as
string cells, so opening the file never runs them.

Its own words (the last two columns' headers, the sheet's name, each problem) are in the
language of the job (the worker builds them inside force_locale); the upload's own header
cells are its format and stay as they were.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from webapp.generators.safe_cells import csv_cell, write_cell, write_text
from webapp.i18n import pgettext, text_direction
from webapp.importers.reading import CONTENT_TYPES

PROBLEMS = "problems"  # the English header, as tests and scripts read it


def added_headers() -> list[str]:
    """The headers of the two columns the error file adds, in the current language."""
    return [pgettext("error file column", "line"), pgettext("error file column", "problems")]


class ErrorFile:
    """Rejected rows written as they come; removed again when there were none."""

    def __init__(self, folder: Path, stem: str, fmt: str, header: Sequence[str]) -> None:
        self.fmt = fmt
        self.path = folder / f"{stem}-rejected.{fmt}"
        self.rows = 0
        self.width = len(header)
        self.separator = pgettext("between a row's problems", "; ")
        if fmt == "csv":
            self._handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._handle)
            self._csv.writerow([csv_cell(cell) for cell in header] + added_headers())
        else:
            self._book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
            self._sheet = self._book.add_worksheet(pgettext("error file sheet", "Rejected rows"))
            if text_direction() == "rtl":
                self._sheet.right_to_left()  # an Arabic job's file reads from the right
            bold = self._book.add_format({"bold": True})
            for col, cell in enumerate([*header, *added_headers()]):
                write_text(self._sheet, 0, col, str(cell), bold)

    def add(self, line: int, raw: Sequence[Any], problems: Sequence[str]) -> None:
        """One rejected row: its cells as uploaded, its line in the upload, its problems."""
        cells = [*raw, *[None] * (self.width - len(raw))]
        self.rows += 1
        words = self.separator.join(problems)
        if self.fmt == "csv":
            self._csv.writerow([csv_cell(cell) for cell in cells] + [line, words])
            return
        for col, cell in enumerate(cells):
            write_cell(self._sheet, self.rows, col, cell)
        self._sheet.write_number(self.rows, len(cells), line)
        write_text(self._sheet, self.rows, len(cells) + 1, words)

    def close(self) -> dict[str, Any] | None:
        """Finish the file; its result fields, or None (and no file) when nothing was rejected."""
        if self.fmt == "csv":
            self._handle.close()
        else:
            self._book.close()
        if not self.rows:
            self.path.unlink(missing_ok=True)
            return None
        return {
            "file_name": self.path.name,
            "content_type": CONTENT_TYPES[self.fmt],
            "size_bytes": self.path.stat().st_size,
        }
