"""New report and New export: labelled fields, sensible defaults, inline messages, no waiting."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.reports_fixtures import ensure_sales_data, last_period
from webapp.extensions import db
from webapp.models.job import Job
from webapp.reports.forms import last_month


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
        ("/reports/new", ["From", "To", "PDF document", r"Excel workbook \(\.xlsx\)", "CSV file"]),
        ("/exports/new", ["From", "To", "Order status", "Region", "Format"]),
    ],
)
def test_forms_label_every_field_and_default_to_last_month(staff_client, path, labels):
    """Every field has a label; the period is last month; the choices are offered."""
    html = staff_client.get(path).get_data(as_text=True)
    for label in labels:
        assert re.search(rf"<label for=\"[\w-]+\">{label}</label>", html), label
    period = last_month()
    assert f'value="{period["date_from"]}"' in html and f'value="{period["date_to"]}"' in html
    assert 'type="date"' in html
    assert 'aria-describedby="None"' not in html
    assert "autofocus" not in html  # nothing is wrong yet


def test_report_format_is_a_radio_group_saying_what_each_is_good_for(staff_client):
    """PDF, Excel and CSV as radio buttons under a 'Format' legend, each with its use; PDF first."""
    html = staff_client.get("/reports/new").get_data(as_text=True)
    assert re.search(
        r'<fieldset class="field choices" role="radiogroup">\s*<legend>Format</legend>', html
    )
    options = re.findall(
        r'<input aria-describedby="(format-\d-hint)"( checked)? id="format-\d" name="format" '
        r'type="radio" value="(\w+)">',
        html,
    )
    assert [(value, bool(checked)) for _hint, checked, value in options] == [
        ("pdf", True),
        ("excel", False),
        ("csv", False),
    ]
    hints = [
        re.search(rf'<p class="hint" id="{hint}">([^<]+)</p>', html).group(1)
        for hint, *_ in options
    ]
    assert hints == [
        "To read and print.",
        "To filter, sort and chart.",
        "For other tools and imports.",
    ]


@pytest.mark.parametrize("path", ["/reports/new", "/exports/new"])
def test_the_range_limit_is_said_in_words(staff_client, path):
    """REPORT_MAX_SPAN_DAYS (1098 by default) reads 'up to 3 years' under the end date."""
    html = staff_client.get(path).get_data(as_text=True)
    assert '<p class="hint" id="date_to-hint">Both days included; up to 3 years.</p>' in html


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
    ensure_sales_data()  # the period must hold orders: take it from the seeded ones
    date_from, date_to = last_period(31)
    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    response = post_form(staff_client, "/reports/new", **period, format="excel")
    assert response.status_code == 303
    job = db.session.scalars(select(Job)).one()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert job.user_id == staff.id and job.type == "sales_report" and job.status == "pending"
    assert job.input_data == {**period, "format": "excel"}
    assert stub_broker.queues["reports"].qsize() == 1
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This page follows it as it runs" in page  # said by the live part while it waits
    assert "queued" not in page.lower()  # no flash that would outlive the pending state
    job.status, job.progress, job.message = "cancelled", 0, "Cancelled"
    db.session.commit()
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "follows it as it runs" not in page


def test_export_is_queued_with_its_filters(staff_client, stub_broker):
    """The export's status and region reach the job's parameters."""
    ensure_sales_data()
    date_from, date_to = last_period(31)
    response = post_form(
        staff_client,
        "/exports/new",
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
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
            "The period can be at most 3 years; this one is 9,193 days.",
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
    focused = re.findall(r"<input [^>]*\bautofocus\b[^>]*>|<select [^>]*\bautofocus\b[^>]*>", html)
    assert len(focused) == 1 and f'name="{field}"' in focused[0]  # focus on the invalid field
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
