"""Files for import tests (CSV in any encoding, XLSX made with xlsxwriter) and a way to run one."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import delete, select

from webapp.engine.runner import run_job
from webapp.engine.service import get_job
from webapp.extensions import db
from webapp.importers.uploads import stage, submit_import
from webapp.models.imports import ImportBatch
from webapp.models.job import Job
from webapp.models.sales import Customer, Product
from webapp.models.user import User

DOMAIN = "imported.example.com"  # every customer a test imports has an email here
SKU_PREFIX = "IMP-"  # and every product a SKU starting so
CUSTOMER_HEADER = ["email", "name", "region", "phone", "customer_since"]


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    """Rows as a CSV file in `encoding` ('utf-8-sig' writes a byte order mark)."""
    text = io.StringIO()
    csv.writer(text, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], formulas: dict[tuple[int, int], str] | None = None
               ) -> bytes:  # fmt: skip
    """Rows as a workbook made by xlsxwriter (numbers as numbers); `formulas` are real formulas."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value, day_format)
            else:
                sheet.write(r, c, value)
    for (r, c), formula in (formulas or {}).items():
        sheet.write_formula(r, c, formula)
    book.close()
    return buffer.getvalue()


def customer(n: int, **changes: Any) -> list[Any]:
    """A valid customer row number n (its own email and phone)."""
    row = {"email": f"person{n}@{DOMAIN}", "name": f"Person {n}", "region": "North",
           "phone": f"+9665{n:08d}", "customer_since": "2024-01-15"}  # fmt: skip
    row.update(changes)
    return [row[name] for name in CUSTOMER_HEADER]


def customers_file(count: int, start: int = 0) -> list[list[Any]]:
    """A header and `count` valid customers."""
    return [CUSTOMER_HEADER, *[customer(n) for n in range(start, start + count)]]


def submit_file(user: User, kind: str, mode: str, data: bytes, name: str = "upload.csv") -> Job:
    """Stage and submit an upload as the page does (the broker is the test's)."""
    staged = stage(kind, name, io.BytesIO(data))
    return submit_import(user, kind, mode, staged)


def run(job_id: str) -> Job:
    """Run one attempt of the job in this thread, and read it back (however it ended)."""
    with contextlib.suppress(Exception):  # a final failure is re-raised for Dramatiq
        run_job(job_id)
    db.session.rollback()
    job = get_job(job_id)
    assert job is not None
    return job


def import_file(user: User, kind: str, mode: str, data: bytes, name: str = "upload.csv") -> Job:
    """Submit and run an import to its end."""
    return run(submit_file(user, kind, mode, data, name).id)


def imported_customers() -> dict[str, Customer]:
    """The customers tests imported, by email."""
    db.session.rollback()
    rows = db.session.scalars(select(Customer).where(Customer.email.like(f"%@{DOMAIN}")))
    return {row.email: row for row in rows}


def imported_products() -> dict[str, Product]:
    """The products tests imported, by SKU."""
    db.session.rollback()
    rows = db.session.scalars(select(Product).where(Product.sku.like(f"{SKU_PREFIX}%")))
    return {row.sku: row for row in rows}


def as_uploaded(cell: str) -> str:
    """An error file's CSV cell as the upload had it (formula-looking text gets a quote)."""
    return cell[1:] if cell.startswith(("'=", "'+", "'-", "'@")) else cell


def rejected_rows(job: Job, storage: Path) -> list[dict[str, str]]:
    """The job's CSV error file as dicts (empty when the job has no file)."""
    from webapp.engine.links import result_file

    path = result_file(job)
    if path is None:
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def forget_imports() -> None:
    """Remove what tests imported (the seeded sales data stays)."""
    db.session.rollback()
    db.session.execute(delete(ImportBatch))
    db.session.execute(delete(Customer).where(Customer.email.like(f"%@{DOMAIN}")))
    db.session.execute(delete(Product).where(Product.sku.like(f"{SKU_PREFIX}%")))
    db.session.commit()
