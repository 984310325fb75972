"""Every page of the app, walked in Arabic as staff, as an admin and signed out: the whole page
(layout, header, flashes, not only <main>) has no English left and is <html lang="ar" dir="rtl">;
the same pages in English answer without a server error.

The walk cannot skip a route silently: the endpoints it walked must equal every GET endpoint of
`app.url_map` minus SKIPPED below, each with the reason it is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, csrf_from, make_user
from tests.i18n.leftovers import LATIN_WORD, english_leftovers
from tests.imports.helpers import csv_bytes, customers_file, forget_imports, submit_file
from tests.imports.helpers import run as run_import
from tests.notifications.helpers import REGION, forget_customers, make_customers, make_orders
from tests.notifications.test_fanout import DAY
from tests.notifications.test_fanout import run as run_job
from tests.staff.helpers import HX, REPORT_PARAMS, make_job
from webapp.engine import registry, service
from webapp.engine.links import signed_download_url
from webapp.extensions import db
from webapp.importers.kinds import KINDS
from webapp.models.job import JobEvent
from webapp.models.types import utcnow
from webapp.notifications import optouts
from webapp.notifications.report import signed_csv_url

AR = {"Accept-Language": "ar"}
EN = {"Accept-Language": "en"}

# GET endpoints the walk leaves out, and why. Everything else in app.url_map is walked.
SKIPPED = {
    "static": "files, not pages",
    "health.healthz": "a probe's JSON for load balancers",
    "metrics.metrics": "Prometheus' text format for scrapers",
    # The JSON API (/v1): its messages are the api area's, tested in tests/api.
    "api.docs": "the API's reference page, the api area's",
    "api.list_jobs": "JSON API",
    "api.show_job": "JSON API",
    "api.download": "JSON API (a file)",
    "api.webhook_attempts": "JSON API",
    "api.openapi": "JSON API",
}
# Endpoints that answer a file, not a page: walked for their status only.
FILES = {"imports.template", "notify.report_csv", "notify.dev_message_html"}


@dataclass
class Page:
    """One URL to walk: its endpoint, who reads it and what they should get."""

    endpoint: str
    url: str
    # role -> expected status; roles not named are not walked here.
    status: dict[str, int] = field(default_factory=dict)
    htmx: bool = False  # a partial: no <html> element to check


def _path(url: str) -> str:
    """An absolute link's path and query."""
    return re.sub(r"^https?://[^/]+", "", url)


def _allowed_words() -> frozenset[str]:
    """The test suite's own job types (other test modules register them, in English)."""
    return frozenset(
        word
        for jt in registry.all_types()
        if jt.name.startswith("t_")
        for word in LATIN_WORD.findall(jt.label)
    )


def _client(app: Flask, email: str | None, headers: dict[str, str]) -> FlaskClient:
    """A client signed in (in the given language, so the sign-in flash is in it too)."""
    client = app.test_client()
    if email is not None:
        token = csrf_from(client, "/login")
        answer = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers=headers,
        )
        assert answer.status_code == 302
    return client


@pytest.fixture
def dev_outbox(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Flask:
    """No mail server and no SMS provider: messages land in the outbox folder."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "")
    return app


@pytest.fixture
def world(
    app: Flask, app_ctx: Flask, redis_broker: object, dev_outbox: Flask
) -> Iterator[list[Page]]:
    """Users, jobs in every state, an import, an announcement with its deliveries, and the
    pages that show them."""
    staff = make_user("sara@example.com", "staff", name="Sara Staff")
    admin = make_user("admin@example.com", "admin", name="Ada Admin")
    now = utcnow()
    running = make_job(staff, "processing", progress=24, message="Read 1,200 of 5,000 orders",
                       created_at=now - timedelta(minutes=3),
                       started_at=now - timedelta(minutes=2))  # fmt: skip
    done = make_job(staff, "completed", created_at=now - timedelta(hours=1), name="March close",
                    completed_at=now - timedelta(minutes=58), message="Done")  # fmt: skip
    failed = make_job(staff, "failed", created_at=now - timedelta(hours=2), attempts=3,
                      failed_at=now - timedelta(hours=1), message="Failed", error_code="E7002",
                      error_message="The attempt ran past the 900 s time limit.")  # fmt: skip
    waiting = make_job(staff, "pending", message="Waiting for a worker")
    cancelled = make_job(staff, "cancelled", job_type="orders_export",
                         params={"date_from": "2025-03-01", "date_to": "2025-03-31",
                                 "format": "xlsx"}, cancelled_at=now)  # fmt: skip
    purged = make_job(staff, "completed", created_at=now - timedelta(days=3), purged_at=now)
    db.session.add_all([
        JobEvent(job_id=running.id, kind="started", attempt=1, detail="Attempt 1 started",
                 at=now - timedelta(minutes=2)),
        JobEvent(job_id=failed.id, kind="attempt_failed", attempt=1, error_code="E7002",
                 detail="The attempt ran past the 900 s time limit.", at=now - timedelta(hours=1)),
        JobEvent(job_id=done.id, kind="downloaded", detail="Downloaded from 127.0.0.1 by a@b.c",
                 at=now - timedelta(minutes=30)),
    ])  # fmt: skip
    db.session.commit()
    bad_rows = [*customers_file(2), ["not-an-email", "X", "North", "", "2024-01-15"]]
    imported = run_import(submit_file(staff, "customers", "apply", csv_bytes(bad_rows)).id)
    customers = make_customers(3) + make_customers(1, phones=False, start=3)
    announced = service.submit(staff, "announcement", {
        "subject": "News for {first_name}", "body": "Hello {name},\n\nNew teas in {region}.",
        "audience": "region", "region": REGION, "channels": ["email", "sms"]})  # fmt: skip
    announced = run_job(announced)
    make_orders(customers, DAY)
    confirmed = run_job(service.submit(staff, "order_confirmations", {"date": DAY.isoformat()}))
    again = run_job(service.submit(staff, "order_confirmations", {"date": DAY.isoformat()}))
    pinged = run_job(service.submit(admin, "ping", {}))
    bulk = run_job(service.submit(admin, "ops_bulk", {"action": "discard",
                                                      "filter": "error_code=E9999"}))  # fmt: skip
    scheduled = make_job(staff, "pending", available_at=now + timedelta(hours=2, minutes=30),
                         message="Scheduled to start in 2 h 30 min")  # fmt: skip
    stopping = make_job(staff, "processing", progress=60, cancel_requested=True,
                        message="Wrote 3,000 of 10,000 orders", started_at=now)  # fmt: skip
    arabic_params = make_job(staff, "completed", params={**REPORT_PARAMS, "language": "ar"},
                             name="تقرير مارس")  # fmt: skip
    db.session.commit()

    admin_client = _client(app, admin.email, EN)
    token = csrf_from(admin_client, "/ops/")
    ping = admin_client.post("/ops/ping", data={"csrf_token": token})
    assert ping.status_code in (302, 303), ping.status_code
    ping_url = ping.headers["Location"]
    outbox = admin_client.get("/dev/outbox").get_data(as_text=True)
    names = re.findall(r'href="/dev/outbox/([^"/]+)"', outbox)
    mail = next(name for name in names if name.endswith(".eml"))

    both = {"staff": 200, "admin": 200}
    admins = {"staff": 404, "admin": 200}
    jobs = [running, done, failed, waiting, cancelled, purged, imported, announced, confirmed,
            again, pinged, bulk, scheduled, stopping, arabic_params]  # fmt: skip
    pages = [
        Page("index", "/", {"anonymous": 302, "staff": 302, "admin": 302}),
        Page("auth.login", "/login", {"anonymous": 200, "staff": 302}),
        Page("auth.profile", "/profile", both),
        Page("main.home", "/home", both),
        Page("jobs.index", "/jobs", both),
        Page("jobs.index", "/jobs?status=failed&type=sales_report", both),
        Page("jobs.index", "/jobs?status=cancelled", both),
        Page("jobs.live_rows", f"/jobs/live?rows={running.id}.000000000000", both, htmx=True),
        Page("reports.new_report", "/reports/new", both),
        Page("reports.new_export", "/exports/new", both),
        Page("imports.new_import", "/imports/new", both),
        Page("notify.new_announcement", "/notify/announcements/new", both),
        Page("notify.new_confirmations", "/notify/confirmations/new", both),
        Page("notify.report_csv", signed_csv_url(announced.id), both),
        Page(
            "notify.unsubscribe",
            _path(optouts.unsubscribe_url(customers[0], "email")),
            {"anonymous": 200},
        ),
        Page(
            "notify.unsubscribe",
            _path(optouts.unsubscribe_url(customers[1], "sms")),
            {"anonymous": 200},
        ),
        Page("notify.dev_outbox", "/dev/outbox", admins),
        Page("notify.dev_message", f"/dev/outbox/{mail}", admins),
        Page("notify.dev_message_html", f"/dev/outbox/{mail}/html", admins),
        Page("downloads.download", signed_download_url(done), both),
        Page("downloads.download", signed_download_url(purged), {"staff": 410, "admin": 410}),
        Page(
            "downloads.download", signed_download_url(done, ttl=-10), {"staff": 403, "admin": 403}
        ),
        Page("ops.index", "/ops/", admins),
        Page("ops.live", "/ops/live", admins, htmx=True),
        Page("ops.charts", "/ops/charts", admins, htmx=True),
        Page("ops.failed", "/ops/failed", admins),
        Page("ops.failed", "/ops/failed?type=sales_report&error_code=E7002", admins),
        Page("ops.search", "/ops/jobs", admins),
        Page("ops.search", f"/ops/jobs?q={failed.id}", admins),
        Page("ops.search", "/ops/jobs?q=sara%40example.com", admins),
        Page("ops.ping_answers", ping_url, admins),
        Page("ops.ping_answers", ping_url, admins, htmx=True),
    ]
    pages += [Page("imports.template", f"/imports/templates/{kind}.{fmt}", both)
              for kind in KINDS for fmt in ("csv", "xlsx")]  # fmt: skip
    for job in jobs:
        readers = admins if job.user_id == admin.id else both  # staff see their own jobs only
        pages += [
            Page("jobs.show", f"/jobs/{job.id}", readers),
            Page("jobs.live", f"/jobs/{job.id}/live", readers, htmx=True),
            Page("jobs.row", f"/jobs/{job.id}/row", readers, htmx=True),
        ]
    yield pages
    forget_imports()
    forget_customers()


def _walk(app: Flask, pages: list[Page], role: str, email: str | None, headers: dict[str, str]
          ) -> tuple[set[str], dict[str, list[str]]]:  # fmt: skip
    """GET every page meant for `role`; the endpoints walked and, per URL, what is wrong."""
    client = _client(app, email, headers)
    walked: set[str] = set()
    problems: dict[str, list[str]] = {}
    allowed = _allowed_words()
    for page in pages:
        if role not in page.status:
            continue
        walked.add(page.endpoint)
        sent = {**headers, **(HX if page.htmx else {})}
        answer = client.get(page.url, headers=sent)
        key = f"{role} {page.url}{' (htmx)' if page.htmx else ''}"
        wrong: list[str] = []
        if answer.status_code != page.status[role]:
            wrong.append(f"status {answer.status_code}, expected {page.status[role]}")
        is_page = answer.mimetype == "text/html" and page.endpoint not in FILES
        html = answer.get_data(as_text=True) if is_page else ""
        answer.close()  # a file's handle
        if headers is AR and is_page and not 300 <= answer.status_code < 400:
            if not page.htmx and '<html lang="ar" dir="rtl">' not in html:
                wrong.append("no <html lang=ar dir=rtl>")
            wrong += english_leftovers(html, allowed=allowed)
        if wrong:
            problems[key] = wrong
    return walked, problems


def _get_endpoints(app: Flask) -> set[str]:
    """Every endpoint that answers GET."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


ROLES = (("anonymous", None), ("staff", "sara@example.com"), ("admin", "admin@example.com"))


def test_every_page_in_arabic(app: Flask, world: list[Page]) -> None:
    """Signed out, as staff and as an admin: no English left on any page, right to left."""
    walked: set[str] = set()
    problems: dict[str, list[str]] = {}
    for role, email in ROLES:
        seen, wrong = _walk(app, world, role, email, AR)
        walked |= seen
        problems.update(wrong)
    assert problems == {}, "\n".join(f"{url}: {words}" for url, words in problems.items())
    assert walked == _get_endpoints(app) - set(SKIPPED)


def test_every_page_in_english(app: Flask, world: list[Page]) -> None:
    """The same pages in English answer as expected (no server error), left to right."""
    problems: dict[str, list[str]] = {}
    for role, email in ROLES:
        _seen, wrong = _walk(app, world, role, email, EN)
        problems.update(wrong)
    assert problems == {}


def test_error_pages_in_arabic(app: Flask, world: list[Page]) -> None:
    """A page that does not exist, signed out and signed in, in Arabic."""
    for role, email in ROLES:
        client = _client(app, email, AR)
        answer = client.get("/no/such/page", headers=AR)
        assert answer.status_code == 404
        html = answer.get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in html
        assert english_leftovers(html) == [], role


def test_stored_error_messages_are_said_in_arabic(app: Flask, world: list[Page]) -> None:
    """A failed job's stored English error reads in Arabic on the failed list, as on its page."""
    client = _client(app, "admin@example.com", AR)
    html = client.get("/ops/failed", headers=AR).get_data(as_text=True)
    assert "<bdi>تجاوزت المحاولة المهلة المحددة (900 ث).</bdi>" in html
    english = client.get("/ops/failed", headers=EN).get_data(as_text=True)
    assert "<bdi>The attempt ran past the 900 s time limit.</bdi>" in english
