"""Reading an uploaded file a row at a time: CSV with the csv module, XLSX with openpyxl's
read-only mode. Neither loads the whole file: memory stays flat however many rows it has.

CSV text is UTF-8 (with or without a byte order mark) or, when it is not valid UTF-8,
Windows-1256 (what Arabic Excel saves as "CSV"). The separator is the one of , ; or tab that
splits the header into the most known columns. `sniff` refuses a file that is not what its
extension says before any job is made.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webapp.i18n import N_
from webapp.i18n import gettext as _

FORMATS = {"csv": "CSV", "xlsx": "Excel workbook (.xlsx)"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SNIFF_BYTES = 64 * 1024
CHUNK = 1024 * 1024
MAX_FIELD = 64 * 1024  # the longest cell a CSV may have
csv.field_size_limit(MAX_FIELD)

# What a file holds, named in the refusal (marked here, said in the reader's language there).
ZIP_WORDS = N_("a ZIP archive or an Excel workbook")
_MAGIC = (
    (b"PK\x03\x04", ZIP_WORDS),
    (b"\xd0\xcf\x11\xe0", N_("an old Excel (.xls) or Office file")),
    (b"%PDF", N_("a PDF document")),
    (b"\x89PNG", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
)


class FileRefused(ValueError):
    """The file cannot be imported; the message says why and what to do."""


def file_format(file_name: str) -> str:
    """'csv' or 'xlsx' from the file's name; FileRefused for any other extension."""
    suffix = Path(file_name or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        if not suffix:
            raise FileRefused(_("The file has no extension: choose a .csv or .xlsx file."))
        raise FileRefused(_("The file has %(extension)s: choose a .csv or .xlsx file.",
                            extension=f".{suffix}"))  # fmt: skip
    return suffix


def _what_it_is(head: bytes) -> str | None:
    return next((words for magic, words in _MAGIC if head.startswith(magic)), None)


def sniff(path: Path, fmt: str) -> None:
    """Refuse a file whose content is not what its extension says."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRefused(_("The file is empty."))
    if fmt == "xlsx":
        if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
            found = _what_it_is(head) or N_("text or another kind of file")
            raise FileRefused(
                _(
                    "The file is named .xlsx but holds %(found)s, not an Excel workbook. Save it "
                    "from Excel as 'Excel Workbook (.xlsx)', or as CSV with a .csv name.",
                    found=_(found),
                )
            )
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRefused(_("The file is a ZIP archive but not an Excel workbook (.xlsx)."))
        return
    found = _what_it_is(head)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        found = N_("UTF-16 text")
    if found is None and b"\x00" in head:
        found = N_("binary data")
    if found == ZIP_WORDS:
        raise FileRefused(_("The file is named .csv but holds %(found)s, not CSV text: choose "
                            ".xlsx for an Excel workbook.", found=_(found)))  # fmt: skip
    if found is not None:
        raise FileRefused(_("The file is named .csv but holds %(found)s, not CSV text: save it "
                            "as 'CSV UTF-8'.", found=_(found)))  # fmt: skip


def csv_encoding(path: Path) -> str:
    """'utf-8-sig' when the whole file is UTF-8 (BOM or not), else 'cp1256'."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1256"
    return "utf-8-sig"


def count_lines(path: Path) -> int:
    """Line breaks in the file (a fast pass in C), for 'row N of about M'."""
    total, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            total += chunk.count(b"\n")
            last = chunk[-1:]
    return total + (last != b"\n")


@dataclass
class Table:
    """An open file: its header row, its data rows (line number, cells) and its size in rows."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    about_rows: int | None  # data rows, estimated before reading them (None: unknown)


def _delimiter(first_line: str, known: set[str]) -> str:
    from webapp.importers.kinds import header_key

    def score(sep: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=sep), [])
        return sum(header_key(cell) in known for cell in cells), len(cells)

    return max((",", ";", "\t"), key=score)


@contextmanager
def open_table(path: Path, fmt: str, known: set[str]) -> Iterator[Table]:
    """Open `path` as a table; `known` headers choose a CSV's separator."""
    if fmt == "xlsx":
        with _xlsx_table(path) as table:
            yield table
        return
    encoding = csv_encoding(path)
    lines = count_lines(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        reader = csv.reader(handle, delimiter=_delimiter(first, known))
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise FileRefused(_("The first row cannot be read as CSV: %(reason)s.",
                                reason=exc)) from None  # fmt: skip

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for row in reader:  # a new list each row
                    yield reader.line_num, row
            except csv.Error as exc:
                raise FileRefused(
                    _(
                        "Line %(line)s cannot be read as CSV (%(reason)s); check its quotes.",
                        line=reader.line_num,
                        reason=exc,
                    )
                ) from None

        yield Table(header=[str(cell) for cell in header], rows=rows(),
                    about_rows=max(0, lines - 1))  # fmt: skip


@contextmanager
def _xlsx_table(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # a damaged archive, missing parts: openpyxl raises many kinds
        raise FileRefused(_("The workbook cannot be read (%(reason)s).",
                            reason=type(exc).__name__)) from None  # fmt: skip
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = next(values, None) or ()
        max_row = sheet.max_row if isinstance(sheet.max_row, int) else None

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for number, row in enumerate(values, start=2):
                yield number, [None if value is None else value for value in row]

        yield Table(header=["" if cell is None else str(cell) for cell in header], rows=rows(),
                    about_rows=max(0, max_row - 1) if max_row else None)  # fmt: skip
    finally:
        book.close()


def header_of(path: Path, fmt: str, known: set[str]) -> list[str]:
    """The header row alone (the upload check reads nothing more)."""
    with open_table(path, fmt, known) as table:
        return table.header
