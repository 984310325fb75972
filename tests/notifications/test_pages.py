"""The New announcement and Confirm orders pages, and the report on the job's page."""

from __future__ import annotations

import re

from tests.conftest import csrf_from
from tests.notifications.helpers import REGION, make_customers, make_orders
from tests.notifications.test_fanout import DAY, opt_out, run
from webapp.extensions import db
from webapp.models.job import Job


def form(client, path: str, **values) -> dict:
    data = {
        "csrf_token": csrf_from(client, path),
        "subject": "Hello {first_name}",
        "body": "Dear {name},\n\nOur {region} shop has new teas.",
        "audience": "region",
        "region": REGION,
        "channels": ["email", "sms"],
        "date_from": "",
        "date_to": "",
    }
    data.update(values)
    return data


def test_preview_shows_a_real_customer_and_the_reach(app, stub_broker, staff_client):
    """Preview: the message filled in for the audience's first customer (or the one named),
    how many each channel reaches, opted out and phoneless counted; no job is made."""
    ids = make_customers(5) + make_customers(2, phones=False, start=5)
    opt_out(ids[:1], "email")
    path = "/notify/announcements/new"
    page = staff_client.post(path, data=form(staff_client, path, action="preview"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Dear Customer 0," in html and "Our Testland shop has new teas." in html
    assert "Hello Customer" in html
    assert re.search(
        r"<strong>Email</strong>: 6 will get it\s*<span class=\"muted\">\(1 opted out\)", html
    )
    assert re.search(
        r"<strong>SMS</strong>: 5 will get it\s*<span class=\"muted\">\(2 without a phone\)", html
    )
    assert "Send to 7 customers" in html
    named = staff_client.post(path, data=form(staff_client, path, action="preview",
                                              preview_as="PERSON3@notify.example.com"))  # fmt: skip
    assert "Dear Customer 3," in named.get_data(as_text=True)
    assert db.session.query(Job).count() == 0


def test_errors_come_back_on_their_fields(app, stub_broker, staff_client):
    """An unknown placeholder and an empty audience are shown under their fields (400)."""
    make_customers(1)
    path = "/notify/announcements/new"
    page = staff_client.post(path, data=form(staff_client, path, action="send", body="Hi {nmae}"))
    assert page.status_code == 400
    assert "{nmae} is not a placeholder" in page.get_data(as_text=True)
    page = staff_client.post(path, data=form(staff_client, path, action="send", channels=[]))
    assert page.status_code == 400 and "Choose at least one channel" in page.get_data(as_text=True)


def test_send_goes_to_the_job_page_which_shows_the_report(
    app, stub_broker, staff_client, inbox, twilio
):
    """Send: 303 to the job; once it has run, its page carries the delivery report and a
    signed CSV link."""
    make_customers(3)
    path = "/notify/announcements/new"
    answer = staff_client.post(path, data=form(staff_client, path, action="send"))
    assert answer.status_code == 303
    job_id = answer.headers["Location"].rsplit("/", 1)[-1]
    run(db.session.get(Job, job_id))
    html = staff_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Delivery report" in html and 'id="report-csv"' in html
    assert re.search(r'<th scope="row">Email</th><td class="num" data-label="Sent">3</td>', html)
    assert "Recipients (when sent)" in html and "Hello {first_name}" in html


def test_confirm_orders_page(app, stub_broker, staff_client, inbox, twilio):
    """A day with orders makes a job; a day without is refused on the field."""
    make_orders(make_customers(2), DAY)
    path = "/notify/confirmations/new"
    token = csrf_from(staff_client, path)
    empty = staff_client.post(
        path, data={"csrf_token": token, "which": "date", "date": "2031-02-01"}
    )
    assert empty.status_code == 400 and "No orders to confirm." in empty.get_data(as_text=True)
    answer = staff_client.post(
        path, data={"csrf_token": token, "which": "date", "date": DAY.isoformat()}
    )
    assert answer.status_code == 303
    job = db.session.get(Job, answer.headers["Location"].rsplit("/", 1)[-1])
    assert (job.type, job.input_data) == (
        "order_confirmations",
        {"date": "2031-01-15", "recipients": 2},
    )


def test_the_nav_offers_both(app, staff_client):
    """Staff find Notify customers in the navigation, and both pages from there."""
    assert 'href="/notify/announcements/new"' in staff_client.get("/home").get_data(as_text=True)
    html = staff_client.get("/notify/announcements/new").get_data(as_text=True)
    assert 'href="/notify/confirmations/new"' in html
