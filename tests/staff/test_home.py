"""The home page: running jobs with live rows, ready downloads, recent failures, the two forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.conftest import sign_in
from tests.staff.helpers import make_job
from webapp.engine.errors import NO_DATA, TIMEOUT, WORKER_LOST
from webapp.extensions import db
from webapp.main import start
from webapp.models.types import utcnow


def section(html: str, heading_id: str) -> str:
    """The visible text and markup of one home section, by its heading's id."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(0)


def text(html: str) -> str:
    """Visible text: tags removed, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_home_offers_the_two_forms(staff_client):
    """The two actions, and calm empty sections for a new user."""
    html = staff_client.get("/home").get_data(as_text=True)
    assert 'href="/reports/new">New sales report</a>' in html
    assert 'href="/exports/new">New orders export</a>' in html
    assert "Nothing is waiting or running" in text(section(html, "running-heading"))
    assert "No files waiting for you" in text(section(html, "ready-heading"))
    assert "Nothing failed in the last 7 days" in text(section(html, "failed-heading"))
    assert "For admins" not in html


def test_running_jobs_are_the_lists_rows_kept_live_like_the_list(staff_client, staff, other_staff):
    """Waiting and running jobs appear as My jobs' rows, polled the way the list polls them."""
    running = make_job(staff, "processing", progress=45, message="Reading orders")
    waiting = make_job(staff, "pending", created_at=utcnow() - timedelta(minutes=1))
    make_job(staff, "completed")
    make_job(other_staff, "processing")
    html = section(staff_client.get("/home").get_data(as_text=True), "running-heading")
    assert re.findall(r'<tr id="job-([^"]+)" class="job-row"', html) == [running.id, waiting.id]
    live = re.search(r'<div id="job-list" [^>]*data-live-url="([^"]+)"', html)
    if live:  # My jobs' one poll for the page: app.js sends it the active rows
        assert staff_client.get(live.group(1), headers={"HX-Request": "true"}).status_code < 400
    else:  # each row polls itself
        assert f'hx-get="/jobs/{running.id}/row" hx-trigger="every 1s"' in html
    assert 'role="progressbar" aria-valuenow="45"' in html and "Reading orders" in html
    row = staff_client.get(f"/jobs/{running.id}/row", headers={"HX-Request": "true"})
    assert row.get_data(as_text=True).strip() in html  # the poll returns the same row


def test_ready_downloads_newest_first_with_signed_links(staff_client, staff):
    """Completed jobs whose file is still there, newest first; expired ones are left out."""
    now = utcnow()
    older = make_job(staff, "completed", created_at=now - timedelta(hours=2))
    newer = make_job(staff, "completed", created_at=now - timedelta(hours=1))
    make_job(staff, "completed", purged_at=now)
    make_job(staff, "completed", created_at=now - timedelta(days=2))  # past its expires_at
    html = section(staff_client.get("/home").get_data(as_text=True), "ready-heading")
    assert re.findall(r'id="ready-([^"]+)" href="/download/', html) == [newer.id, older.id]
    href = re.search(r'id="ready-[^"]+" href="(/download/[^"]+)"', html).group(1)
    download = staff_client.get(href)
    assert download.status_code == 200 and download.get_data().startswith(b"section,name")
    download.close()
    assert 'href="/jobs?status=completed">All your completed jobs</a>' in html


@pytest.mark.parametrize(
    ("code", "title", "advice", "action"),
    [
        (NO_DATA, "Not enough data", "Choose a period with orders.", "Choose another period"),
        (TIMEOUT, "Took too long", "Run it again; if it fails again, tell an admin.", "Run again"),
        (
            WORKER_LOST,
            "Worker lost",
            "Run it again; if it fails again, tell an admin.",
            "Run again",
        ),
    ],
)
def test_a_recent_failure_says_what_to_do(staff_client, staff, code, title, advice, action):
    """Type, when, the error's title and what to do about it, with the way to do it."""
    job = make_job(staff, "failed", error_code=code, failed_at=utcnow() - timedelta(hours=3))
    html = section(staff_client.get("/home").get_data(as_text=True), "failed-heading")
    words = text(html)
    assert "Sales report" in words and "Failed 3 hours ago" in words
    assert f"{title} ({code}) {advice}" in words and action in words
    if action == "Run again":
        assert f'action="/jobs/{job.id}/run-again"' in html
    else:
        assert 'href="/reports/new?format=csv">Choose another period</a>' in html  # same format


def test_failures_older_than_a_week_are_left_out(staff_client, staff):
    """Only the last seven days' failures are listed."""
    old = utcnow() - timedelta(days=8)
    make_job(staff, "failed", error_code=TIMEOUT, created_at=old, failed_at=old)
    html = staff_client.get("/home").get_data(as_text=True)
    assert "Nothing failed in the last 7 days" in text(section(html, "failed-heading"))


def test_run_again_from_home_starts_a_new_job(staff_client, staff, stub_broker):
    """The failure's Run again button makes a new pending job and opens it."""
    job = make_job(staff, "failed", error_code=TIMEOUT, failed_at=utcnow())
    html = staff_client.get("/home").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = staff_client.post(f"/jobs/{job.id}/run-again", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] != f"/jobs/{job.id}"


def test_sections_are_bounded(staff_client, staff):
    """Each section lists five at most."""
    now = utcnow()
    for i in range(7):
        at = now - timedelta(minutes=i + 1)
        make_job(staff, "pending", created_at=at)
        make_job(staff, "completed", created_at=at)
        make_job(staff, "failed", error_code=TIMEOUT, created_at=at, failed_at=at)
    html = staff_client.get("/home").get_data(as_text=True)
    assert section(html, "running-heading").count('class="job-row"') == 5
    assert section(html, "ready-heading").count('class="home-item ready-item"') == 5
    assert section(html, "failed-heading").count('class="home-item failure-item"') == 5


def test_admins_see_their_own_jobs_and_links_to_everyones(client, admin, staff):
    """An admin's home lists their own jobs and links to everyone's failed and running jobs."""
    make_job(staff, "processing", progress=10)
    mine = make_job(admin, "processing", progress=20)
    sign_in(client, admin.email)
    html = client.get("/home").get_data(as_text=True)
    running = section(html, "running-heading")
    assert re.findall(r'<tr id="job-([^"]+)" class="job-row"', running) == [mine.id]
    assert f'href="/jobs?owner={admin.id}">All your jobs</a>' in running
    admin_part = text(section(html, "admin-heading"))
    assert "Everyone's failed jobs" in admin_part
    assert 'href="/jobs?status=failed">Everyone\'s failed jobs</a>' in html


def test_each_section_reads_an_index_in_order(app_ctx, staff):
    """SQLite reads each section as a range of idx_user_status in its order: no scan, no sort."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        """Keep each statement the sections run."""
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        for read in (start.running, start.ready_downloads, start.recent_failures):
            read(staff)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    sections = [(sql, args) for sql, args in statements if "FROM jobs" in sql]
    assert len(sections) == 4  # running reads pending and processing apart
    for statement, parameters in sections:
        plan = " ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        )
        assert "SEARCH jobs USING INDEX idx_user_status (user_id=? AND status=?)" in plan, plan
        assert "SCAN jobs" not in plan and "TEMP B-TREE" not in plan, plan
