"""Write streamed order rows to CSV or Excel with flat memory and safe cells."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from webapp.generators.contract import TEMP_PREFIX
from webapp.generators.progress import Stage, Tracker
from webapp.generators.rtl import is_rtl
from webapp.generators.safe_cells import csv_text, money_text
from webapp.i18n import N_
from webapp.i18n import gettext as _

# (header, Excel column width)
COLUMNS = (
    ("Order number", 14), ("Order date", 12), ("Status", 11), ("Region", 10),
    ("Channel", 13), ("Customer ID", 12), ("Customer name", 28), ("Customer email", 36),
    ("Currency", 9), ("Subtotal", 14), ("Tax", 12), ("Total", 14),
)  # fmt: skip
HEADERS = tuple(header for header, _width in COLUMNS)
BOM = "\ufeff"  # the CSV starts with a byte-order mark, so that Excel reads it as UTF-8
EXCEL_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header row included

Chunks = Iterable[Sequence[Any]]


def headers() -> tuple[str, ...]:
    """The header row in the file's language (HEADERS in English)."""
    return (
        _("Order number"), _("Order date"), _("Status"), _("Region"), _("Channel"),
        _("Customer ID"), _("Customer name"), _("Customer email"), _("Currency"),
        _("Subtotal"), _("Tax"), _("Total"),
    )  # fmt: skip


PACKING_STARTS_AT = 85  # an xlsx is zipped after its rows are written: about 15 % of the time


def _message(done: int, stage: Stage) -> str:
    return N_("Wrote %(done)s of %(total)s orders") % {
        "done": f"{done:,}",
        "total": f"{stage.total:,}",
    }


def write_orders_csv(path: Path, chunks: Chunks, tracker: Tracker, total: int) -> None:
    """Write the rows as CSV; every text field is neutralised against formula injection."""
    stage = tracker.stage(tracker.percent, 99, total)
    done = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(BOM)  # not encoding="utf-8-sig": its codec is Python code run on every write
        writer = csv.writer(fh)
        writer.writerow(headers())
        for part in chunks:
            writer.writerows(
                (
                    csv_text(number), day.isoformat(), csv_text(status), csv_text(region),
                    csv_text(channel), customer_id, csv_text(name), csv_text(email),
                    csv_text(currency), money_text(subtotal), money_text(tax), money_text(total),
                )
                for number, day, status, region, channel, customer_id, name, email, currency,
                subtotal, tax, total in part
            )  # fmt: skip
            done += len(part)
            stage.advance(done, _message(done, stage))


class _Sheets:
    """Opens "Orders", "Orders (2)", ... as each fills up, and finishes each one."""

    def __init__(self, book: Workbook, rows_per_sheet: int) -> None:
        self.book = book
        self.rows_per_sheet = rows_per_sheet
        self.header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.money = book.add_format({"num_format": "#,##0.00"})
        self.sheet: Worksheet | None = None
        self.row = 0

    def open(self) -> Worksheet:
        """Finish the current sheet and start the next one with its header row."""
        self.finish()
        number = len(self.book.worksheets()) + 1
        name = _("Orders") if number == 1 else _("Orders (%(number)s)", number=number)
        sheet = self.book.add_worksheet(name)
        if is_rtl():
            sheet.right_to_left()
        for col, ((_header, width), header) in enumerate(zip(COLUMNS, headers(), strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, header, self.header)
        sheet.freeze_panes(1, 0)
        self.sheet, self.row = sheet, 0
        return sheet

    def next_row(self) -> tuple[Worksheet, int]:
        """The sheet and row number for the next data row, opening a new sheet when full."""
        sheet = self.sheet
        if sheet is None or self.row >= self.rows_per_sheet - 1:
            sheet = self.open()
        self.row += 1
        return sheet, self.row

    def finish(self) -> None:
        """Put the autofilter over the current sheet's rows (called when it is full or done)."""
        if self.sheet is not None:
            self.sheet.autofilter(0, 0, max(1, self.row), len(COLUMNS) - 1)


def write_orders_excel(
    path: Path, chunks: Chunks, tracker: Tracker, total: int, rows_per_sheet: int = 0
) -> None:
    """Write the rows as xlsx in constant_memory mode: text as strings, dates and money typed."""
    stage = tracker.stage(tracker.percent, PACKING_STARTS_AT, total)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=TEMP_PREFIX) as scratch:
        book = Workbook(str(path), {"constant_memory": True, "tmpdir": scratch})
        try:
            book.set_properties({"title": _("Orders export"), "author": "Tamam"})
            sheets = _Sheets(book, rows_per_sheet or EXCEL_MAX_ROWS)
            _write_rows(sheets, chunks, stage)
            if sheets.sheet is None:
                sheets.open()  # an export with no rows still has its header
            sheets.finish()
            tracker.report(PACKING_STARTS_AT + 1, N_("Packing the workbook"))
            book.close()
            tracker.report(99, N_("Workbook packed"))
        except BaseException:
            _discard(book)
            raise


def _write_rows(sheets: _Sheets, chunks: Chunks, stage: Stage) -> None:
    """Write each row with typed calls: write_string for text (never formulas), numbers, dates."""
    done = 0
    date_fmt, money_fmt = sheets.date, sheets.money
    for part in chunks:
        for row in part:
            ws, r = sheets.next_row()
            ws.write_string(r, 0, row[0])
            ws.write_datetime(r, 1, row[1], date_fmt)
            ws.write_string(r, 2, row[2])
            ws.write_string(r, 3, row[3])
            ws.write_string(r, 4, row[4])
            ws.write_number(r, 5, row[5])
            ws.write_string(r, 6, row[6])
            ws.write_string(r, 7, row[7])
            ws.write_string(r, 8, row[8])
            ws.write_number(r, 9, row[9] / 100, money_fmt)
            ws.write_number(r, 10, row[10] / 100, money_fmt)
            ws.write_number(r, 11, row[11] / 100, money_fmt)
        done += len(part)
        stage.advance(done, _message(done, stage))


def _discard(book: Workbook) -> None:
    """Close the row files an abandoned constant_memory workbook holds (xlsxwriter internals)."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
