"""End to end on real Redis with a real Dramatiq worker: request through the page, watch the
row reach completed, download the file and open it, and find the 'ready' email in the outbox.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import csrf_from
from tests.jobs.helpers import wait_for
from tests.reports_fixtures import ensure_sales_data, last_period
from tests.staff.helpers import HX, download_href

pytestmark = pytest.mark.usefixtures("worker")


def request_job(client, path: str, **fields: str) -> str:
    """Submit a form; return the new job's id from the redirect."""
    response = client.post(path, data={"csrf_token": csrf_from(client, path), **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def download(client, job_id: str) -> bytes:
    """Open the job's page, follow its Download link, return the bytes."""
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    response = client.get(download_href(page))
    assert response.status_code == 200
    body = response.get_data()
    response.close()
    return body


def wait_for_mail(outbox: Path, before: set[Path], timeout: float = 15.0) -> list[Path]:
    """New .eml files in the outbox (the notifications actor runs on the same worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = set(outbox.glob("*.eml")) - before if outbox.exists() else set()
        if fresh:
            return sorted(fresh)
        time.sleep(0.05)  # polling the folder the actor writes to
    raise AssertionError("no email in the outbox")


def test_sales_report_pdf_through_the_page(app, staff_client, staff):
    """A PDF requested on the form completes on the worker, downloads, opens, and is emailed."""
    ensure_sales_data()
    date_from, date_to = last_period(31)
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    job_id = request_job(
        staff_client,
        "/reports/new",
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
        format="pdf",
    )
    job = wait_for(job_id, lambda j: j.is_final, timeout=60)
    assert job.status == "completed", (job.error_code, job.error_message, job.error_details)
    row = staff_client.get(f"/jobs/{job_id}/row", headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in row and f'id="download-{job_id}"' in row  # a final row: its result
    reader = PdfReader(io.BytesIO(download(staff_client, job_id)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1 and "Sales" in text
    mail = wait_for_mail(outbox, before)[0].read_text()
    assert staff.email in mail and "/download/" in mail and "Your sales report is ready" in mail


def test_orders_export_excel_and_sales_report_csv(staff_client):
    """An Excel export and a CSV report both complete and open in their readers."""
    ensure_sales_data()
    date_from, date_to = last_period(14)
    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    export_id = request_job(staff_client, "/exports/new", format="excel", status="", **period)
    report_id = request_job(staff_client, "/reports/new", format="csv", **period)
    for job_id in (export_id, report_id):
        job = wait_for(job_id, lambda j: j.is_final, timeout=60)
        assert job.status == "completed", (job.error_code, job.error_details)
    workbook = load_workbook(io.BytesIO(download(staff_client, export_id)), read_only=True)
    assert workbook.sheetnames and workbook.worksheets[0].max_row > 1
    workbook.close()
    rows = list(csv.reader(io.StringIO(download(staff_client, report_id).decode("utf-8-sig"))))
    assert len(rows) > 5
