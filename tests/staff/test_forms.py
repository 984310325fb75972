"""New report and New export: labelled fields, sensible defaults, inline messages, no waiting."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.reports_fixtures import ensure_sales_data
from webapp.engine.errors import ParamError
from webapp.extensions import db
from webapp.generators.order_dates import order_date_range
from webapp.models.job import Job
from webapp.reports.forms import last_month
from webapp.reports.periods import check_period_has_orders


def job_count() -> int:
    """How many jobs are stored."""
    return db.session.scalar(select(func.count()).select_from(Job)) or 0


def post_form(client, path: str, **fields: str):
    """Post a form the way the browser does, CSRF token included."""
    return client.post(path, data={"csrf_token": csrf_from(client, path), **fields})


def test_last_month_is_the_previous_calendar_month():
    """The default period is the whole previous month, across a year end too."""
    assert last_month(date(2025, 3, 15)) == {"date_from": "2025-02-01", "date_to": "2025-02-28"}
    assert last_month(date(2025, 1, 1)) == {"date_from": "2024-12-01", "date_to": "2024-12-31"}


@pytest.mark.parametrize(
    ("path", "labels"),
    [
        ("/reports/new", ["From", "To", "Format"]),
        ("/exports/new", ["From", "To", "Order status", "Region", "Format"]),
    ],
)
def test_forms_label_every_field_and_default_to_last_month(staff_client, path, labels):
    """Every field has a label; the period is last month; the choices are offered."""
    html = staff_client.get(path).get_data(as_text=True)
    for label in labels:
        assert re.search(rf"<label for=\"\w+\">{label}</label>", html), label
    period = last_month()
    assert f'value="{period["date_from"]}"' in html and f'value="{period["date_to"]}"' in html
    assert 'type="date"' in html
    assert 'aria-describedby="None"' not in html


def test_export_form_offers_any_status_and_region(staff_client):
    """Status and region start at 'any', and list the known values."""
    html = staff_client.get("/exports/new").get_data(as_text=True)
    assert '<option selected value="">Any status</option>' in html
    assert '<option selected value="">Any region</option>' in html
    assert '<option value="shipped">Shipped</option>' in html
    assert '<option value="North">North</option>' in html
    assert 'value="pdf"' not in html  # exports are Excel or CSV


def test_report_is_queued_and_the_job_page_opens_at_once(staff_client, staff, stub_broker):
    """Submitting stores a pending job, sends one message and redirects to the job's page."""
    ensure_sales_data()  # the period must hold orders (seeded over the last 730 days)
    response = post_form(
        staff_client, "/reports/new", date_from="2025-03-01", date_to="2025-03-31", format="excel"
    )
    assert response.status_code == 303
    job = db.session.scalars(select(Job)).one()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert job.user_id == staff.id and job.type == "sales_report" and job.status == "pending"
    assert job.input_data == {"date_from": "2025-03-01", "date_to": "2025-03-31", "format": "excel"}
    assert stub_broker.queues["reports"].qsize() == 1
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your sales report is queued." in page


def test_export_is_queued_with_its_filters(staff_client, stub_broker):
    """The export's status and region reach the job's parameters."""
    ensure_sales_data()
    response = post_form(
        staff_client,
        "/exports/new",
        date_from="2025-01-01",
        date_to="2025-01-31",
        status="shipped",
        region="North",
        format="csv",
    )
    assert response.status_code == 303
    job = db.session.scalars(select(Job)).one()
    assert job.type == "orders_export" and job.queue == "exports"
    assert job.input_data["status"] == "shipped" and job.input_data["region"] == "North"


@pytest.mark.parametrize(
    ("path", "fields", "field", "message"),
    [
        (
            "/reports/new",
            {"date_from": "2025-03-31", "date_to": "2025-03-01", "format": "pdf"},
            "date_to",
            "The end date can&#39;t be before the start date.",
        ),
        (
            "/reports/new",
            {"date_from": "", "date_to": "2025-03-01", "format": "pdf"},
            "date_from",
            "Enter a start date.",
        ),
        (
            "/reports/new",
            {"date_from": "2025-02-30", "date_to": "2025-03-01", "format": "pdf"},
            "date_from",
            "The start date must be a real date written as YYYY-MM-DD.",
        ),
        (
            "/reports/new",
            {"date_from": "2025-03-01", "date_to": "2025-03-02", "format": "docx"},
            "format",
            "Format must be one of pdf, excel, csv.",
        ),
        (
            "/exports/new",
            {"date_from": "2025-03-01", "date_to": "2025-03-02", "format": "csv", "region": "Mars"},
            "region",
            "Region must be one of",
        ),
        (
            "/reports/new",
            {"date_from": "2000-01-01", "date_to": "2025-03-02", "format": "csv"},
            "date_to",
            "The period can be at most",
        ),
    ],
)
def test_bad_values_show_a_message_under_their_field(
    staff_client, stub_broker, path, fields, field, message
):
    """The job type's validator names the field; its message sits under it; nothing is queued."""
    response = post_form(staff_client, path, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-error"' in html and 'aria-invalid="true"' in html
    assert job_count() == 0
    for name, value in fields.items():  # what was typed is kept
        if value and name.startswith("date_"):
            assert f'value="{value}"' in html


def test_a_post_without_csrf_is_refused(staff_client, stub_broker):
    """CSRF is on: a forged post stores nothing."""
    response = staff_client.post(
        "/reports/new", data={"date_from": "2025-03-01", "date_to": "2025-03-02", "format": "pdf"}
    )
    assert response.status_code == 400
    assert job_count() == 0


def test_forms_ask_anonymous_visitors_to_sign_in(client):
    """Both forms are behind sign-in."""
    for path in ("/reports/new", "/exports/new"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/reports/new", "/exports/new"])
def test_forms_say_beforehand_which_dates_hold_orders(staff_client, path):
    """Under the dates, in the app's date style: the first and last order dates."""
    ensure_sales_data()
    first, last = order_date_range()
    html = staff_client.get(path).get_data(as_text=True)
    words = f"Orders exist from {first.day} {first:%b %Y} to {last.day} {last:%b %Y}."
    assert f'<p class="hint" id="period-data">{words}</p>' in html
    assert 'aria-describedby="period-data"' in html


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/reports/new", {"format": "pdf"}), ("/exports/new", {"format": "csv"})],
)
@pytest.mark.parametrize("side", ["before", "after"])
def test_a_period_wholly_outside_the_orders_is_refused_inline(
    staff_client, stub_broker, path, extra, side
):
    """No job; the message names the period and sits under the date that would fix it."""
    ensure_sales_data()
    first, last = order_date_range()
    if side == "before":
        date_from, date_to, field = first - timedelta(days=40), first - timedelta(days=1), "date_to"
        tail = f"the first order is from {first.day} {first:%b %Y}."
    else:
        date_from, date_to, field = last + timedelta(days=1), last + timedelta(days=30), "date_from"
        tail = f"the last order is from {last.day} {last:%b %Y}."
    response = post_form(
        staff_client, path, date_from=date_from.isoformat(), date_to=date_to.isoformat(), **extra
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    between = f"{date_from.day} {date_from:%b %Y} and {date_to.day} {date_to:%b %Y}"
    assert error and error.group(1) == f"No orders between {between}: {tail}"
    assert job_count() == 0 and stub_broker.queues[stub_queue(path)].qsize() == 0


def stub_queue(path: str) -> str:
    """The queue a form's jobs go to."""
    return "reports" if path == "/reports/new" else "exports"


def test_a_period_that_overlaps_the_orders_is_accepted(staff_client, stub_broker):
    """Half outside is fine: the report covers the days that hold orders."""
    ensure_sales_data()
    _first, last = order_date_range()
    response = post_form(
        staff_client,
        "/reports/new",
        date_from=(last - timedelta(days=3)).isoformat(),
        date_to=(last + timedelta(days=20)).isoformat(),
        format="csv",
    )
    assert response.status_code == 303 and job_count() == 1


def test_without_any_order_every_period_is_refused():
    """No orders at all: the form says so above the fields instead of queuing an empty job."""
    clean = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    with pytest.raises(ParamError) as caught:
        check_period_has_orders(clean, None)
    assert caught.value.field == "period"
    assert caught.value.message == "There are no orders yet, so any report would be empty."
    check_period_has_orders(clean, (date(2025, 3, 31), date(2025, 4, 30)))  # one day is enough
