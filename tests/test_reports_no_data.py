"""A report or export for a period without orders fails once with NO_DATA, and says why."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.reports_fixtures import ensure_sales_data
from webapp.engine import service
from webapp.engine.errors import NO_DATA, JobError
from webapp.engine.runner import run_job
from webapp.extensions import db
from webapp.generators.dates import short_date
from webapp.generators.order_dates import order_date_range
from webapp.models.user import User

PERIOD = {"date_from": "1990-03-01", "date_to": "1990-03-31"}


@pytest.mark.parametrize(
    ("job_type", "extra", "queue"),
    [
        ("sales_report", {"format": "pdf"}, "reports"),
        ("orders_export", {"format": "csv", "status": "", "region": ""}, "exports"),
    ],
)
def test_an_empty_period_fails_at_once_and_the_job_page_says_why(
    staff_client: FlaskClient, staff: User, stub_broker, job_type: str, extra: dict, queue: str
) -> None:
    """One attempt, failed with E7006 (not retried); the page names the period and the data."""
    ensure_sales_data()
    first, last = order_date_range()
    job = service.submit(staff, job_type, {**PERIOD, **extra})
    with pytest.raises(JobError):  # the final failure reaches Dramatiq, which dead-letters it
        run_job(job.id)
    db.session.refresh(job)
    assert (job.status, job.attempts, job.error_code) == ("failed", 1, NO_DATA)
    assert job.error_message == "No orders between 1 Mar 1990 and 31 Mar 1990"
    assert stub_broker.queues[f"{queue}.DQ"].qsize() == 0  # no retry was scheduled
    page = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Not enough data" in page and f"({NO_DATA})" in page
    assert "No orders between 1 Mar 1990 and 31 Mar 1990" in page
    assert f"Orders exist from {short_date(first)} to {short_date(last)}." in page
