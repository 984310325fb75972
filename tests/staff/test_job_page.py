"""A job's page: status, progress, ETA, timeline, parameters, failures, and its actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.staff.helpers import HX, make_job
from webapp.extensions import db
from webapp.jobs.present import eta_words
from webapp.models.job import Job, JobEvent
from webapp.models.types import utcnow

TRACE = "Traceback (most recent call last):\n  File secret.py\nRuntimeError: boom"


def post_action(client, job: Job, action: str, headers: dict | None = None):
    """Post one of the job page's buttons with the page's CSRF token."""
    token = csrf_from(client, f"/jobs/{job.id}")
    return client.post(
        f"/jobs/{job.id}/{action}", data={"csrf_token": token}, headers=headers or {}
    )


def add_events(job: Job, *events: tuple[str, int, str, str | None]) -> None:
    """Append timeline rows (kind, attempt, detail, error code) a minute apart."""
    at = job.created_at
    for kind, attempt, detail, code in events:
        at += timedelta(minutes=1)
        db.session.add(
            JobEvent(
                job_id=job.id, kind=kind, attempt=attempt, detail=detail, error_code=code, at=at
            )
        )
    db.session.commit()


def visible_text(html: str) -> str:
    """The text a reader sees: tags and attributes removed, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def live_text(html: str) -> str:
    """The visible text of the page's live part."""
    match = re.search(r'<section id="job-live".*?</section>', html, re.S)
    assert match, "no live part on the page"
    return visible_text(match.group(0))


def test_eta_words():
    """Remaining time in round, calm words."""
    now = utcnow()
    assert eta_words(now + timedelta(seconds=3), now) == "any moment now"
    assert eta_words(now + timedelta(seconds=40), now) == "less than a minute left"
    assert eta_words(now + timedelta(seconds=130), now) == "about 2 minutes left"
    assert eta_words(now + timedelta(seconds=61), now) == "about 1 minute left"
    assert eta_words(now + timedelta(hours=3), now) == "about 3 hours left"


def test_running_job_page(staff_client, staff):
    """Badge, bar with percentage and message, ETA with exact time, Cancel, and a polling part."""
    started = utcnow() - timedelta(minutes=2)
    job = make_job(
        staff, "processing", progress=50, message="Reading orders", started_at=started, attempts=1
    )
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<span class="badge badge-processing">Processing</span>' in html
    assert 'role="progressbar" aria-valuenow="50"' in html and "50&nbsp;%" in html
    assert "Reading orders" in html
    eta = re.search(
        r'<time class="eta" datetime="[^"]+">([^<]+) <small class="exact-time">([^<]+)</small>',
        html,
    )
    assert eta and eta.group(1) == "about 2 minutes left" and eta.group(2).endswith("UTC")
    live = re.search(r'<section id="job-live"[^>]*>', html)
    assert live and 'hx-trigger="every 1s"' in live.group(0)
    assert f'hx-get="/jobs/{job.id}/live"' in live.group(0)
    assert f'hx-post="/jobs/{job.id}/cancel" hx-target="#job-live"' in html
    assert "Download" not in html
    assert "<dt>From</dt><dd>1 Mar 2025</dd>" in html and "<dt>Format</dt><dd>CSV</dd>" in html
    assert f'action="/jobs/{job.id}/run-again"' in html


def test_the_live_part_alone_polls_until_final(staff_client, staff):
    """With HX-Request the live part comes alone; once final it has no trigger."""
    job = make_job(staff, "pending", message="Waiting for a worker")  # as the engine writes it
    body = staff_client.get(f"/jobs/{job.id}/live", headers=HX).get_data(as_text=True).strip()
    assert body.startswith('<section id="job-live"') and body.endswith("</section>")
    assert 'hx-trigger="every 1s"' in body and 'data-job-state="active"' in body
    assert body.count("Waiting for a worker") == 2  # under the bar, and the bar's aria-valuetext
    assert visible_text(body).count("Waiting for a worker") == 1
    job.status, job.progress, job.message = "failed", 20, "Failed"
    job.error_code = "E7002"
    db.session.commit()
    body = staff_client.get(f"/jobs/{job.id}/live", headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in body and "hx-get" not in body
    assert 'data-job-state="final"' in body
    assert 'data-ended="Sales report failed: Took too long."' in body


def test_completed_job_offers_a_signed_download(staff_client, staff):
    """A completed job shows a Download button with a signed link, the size, no Cancel."""
    job = make_job(staff, "completed", message="sales-report is ready")
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert re.search(r'<a id="job-download" class="button primary" href="/download/[\w.-]+"', html)
    assert "bytes" in html and "/cancel" not in html and "hx-trigger" not in html
    assert 'class="progress done"' in html and "pct-100" in html


def test_timeline_lists_each_attempt_with_its_error(staff_client, staff):
    """Created, each attempt started and failed with its code and title, then finished."""
    job = make_job(staff, "completed", attempts=2)
    add_events(
        job,
        ("started", 1, "Attempt 1 started", None),
        ("attempt_failed", 1, "The attempt ran past the 900 s time limit.", "E7002"),
        ("started", 2, "Attempt 2 started", None),
        ("completed", 2, "sales-report.csv is ready", None),
    )
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    titles = re.findall(r'<span class="what"><strong>([^<]+)</strong>', html)
    assert titles == [
        "Requested",
        "Attempt 1 started",
        "Attempt 1 failed",
        "Attempt 2 started",
        "Finished",
    ]
    assert "E7002 · Took too long" in html and "900 s time limit" in html
    assert html.count("<time datetime=") >= 6  # every moment via time_tag


def test_failure_in_plain_words_and_traceback_for_admins_only(client, staff, admin):
    """Staff see code, title and message; admins also see details and the traceback."""
    from tests.conftest import sign_in

    job = make_job(
        staff,
        "failed",
        progress=30,
        error_code="E7005",
        error_message="Report generation failed",
        error_details="KeyError: 'region'",
        traceback=TRACE,
        failed_at=utcnow(),
    )
    sign_in(client, staff.email)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<strong>Report generation failed</strong>" in html and "(E7005)" in html
    assert "RuntimeError" not in html and "KeyError" not in html and "<details" not in html
    client.post("/logout", data={"csrf_token": csrf_from(client, "/home")})
    sign_in(client, admin.email)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<summary>Traceback (admins only)</summary>" in html
    assert "RuntimeError: boom" in html and "KeyError: &#39;region&#39;" in html
    assert f"<dt>Owner</dt><dd>{staff.email}</dd>" in html


def test_known_failure_details_are_shown_to_staff(staff_client, staff):
    """A failure the job understood (no data) explains itself to its owner."""
    job = make_job(
        staff,
        "failed",
        error_code="E7006",
        error_message="Not enough data",
        error_details="No orders in the period",
    )
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<strong>Not enough data</strong>" in html and "No orders in the period" in html


def test_cancel_a_pending_job_without_htmx(staff_client, staff):
    """A plain POST cancels, redirects to the page and says so."""
    job = make_job(staff, "pending")
    response = post_action(staff_client, job, "cancel")
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{job.id}"
    db.session.refresh(job)
    assert job.status == "cancelled"
    page = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "The job is cancelled." in page and "/cancel" not in page


def test_cancel_a_running_job_with_htmx_swaps_the_live_part(staff_client, staff):
    """HTMX gets the live part back: still running, stopping at its next step, no Cancel."""
    job = make_job(staff, "processing", progress=10, started_at=utcnow())
    response = post_action(staff_client, job, "cancel", {**HX, "HX-Target": "job-live"})
    body = response.get_data(as_text=True).strip()
    assert response.status_code == 200 and body.startswith('<section id="job-live"')
    assert "Stopping at its next step" in body and "/cancel" not in body
    assert 'hx-trigger="every 1s"' in body  # keeps polling until the worker stops
    db.session.refresh(job)
    assert job.cancel_requested and job.status == "processing"


def test_cancel_a_finished_job_says_there_is_nothing_to_cancel(staff_client, staff):
    """Cancelling a final job changes nothing and explains why."""
    job = make_job(staff, "completed")
    response = post_action(staff_client, job, "cancel")
    assert response.status_code == 303
    page = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "already completed; there was nothing to cancel" in page


def test_run_again_queues_the_same_parameters(staff_client, staff, stub_broker):
    """Run again makes a new pending job of the same type and parameters and opens it."""
    job = make_job(staff, "failed", error_code="E7005")
    response = post_action(staff_client, job, "run-again")
    assert response.status_code == 303
    fresh = db.session.scalars(select(Job).where(Job.id != job.id)).one()
    assert response.headers["Location"] == f"/jobs/{fresh.id}"
    assert fresh.type == job.type and fresh.input_data == job.input_data
    assert fresh.user_id == staff.id and fresh.status == "pending"
    assert stub_broker.queues["reports"].qsize() == 1


def test_run_again_with_params_no_longer_valid_explains(staff_client, staff, stub_broker):
    """Parameters the validator now refuses are explained on the job's page."""
    job = make_job(staff, "completed", params={"date_from": "2025-03-05", "date_to": "2025-03-01"})
    response = post_action(staff_client, job, "run-again")
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{job.id}"
    page = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "can&#39;t run again as it was: The end date can&#39;t be before the start date." in page


def test_fresh_link_redirects_to_a_new_download(staff_client, staff):
    """POST /jobs/<id>/link answers with a new signed link that serves the file."""
    job = make_job(staff, "completed")
    response = post_action(staff_client, job, "link")
    assert response.status_code == 303 and response.headers["Location"].startswith("/download/")
    download = staff_client.get(response.headers["Location"])
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body.startswith(b"section,name,value")


def test_fresh_link_for_a_job_without_a_file(staff_client, staff):
    """No file yet: back to the job's page with a word why; a purged file: 410."""
    pending = make_job(staff, "pending")
    response = post_action(staff_client, pending, "link")
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{pending.id}"
    purged = make_job(staff, "completed", purged_at=utcnow())
    response = post_action(staff_client, purged, "link")
    assert response.status_code == 410
    assert "This result has expired" in response.get_data(as_text=True)


def test_unknown_job_is_404(staff_client):
    """A job id that does not exist is a 404 page."""
    response = staff_client.get("/jobs/job-20250101-nope")
    assert response.status_code == 404 and "We couldn" in response.get_data(as_text=True)


def test_timeline_says_each_thing_once(staff_client, staff):
    """'Requested', not 'Requested Queued'; 'Finished', not 'Finished Done'; one line per event."""
    job = make_job(staff, "completed", attempts=1)  # its 'created' event says "Queued"
    add_events(
        job,
        ("started", 1, "Attempt 1 started", None),
        ("completed", 1, "Done", None),
        ("retried", 0, "Queued again by hand", None),
        ("cancelled", 0, "Cancelled before it started", None),
    )
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    lines = [
        visible_text(line)
        for line in re.findall(r'<span class="what">(.*?)</span>\s*</li>', html, re.S)
    ]
    assert lines == [
        "Requested",
        "Attempt 1 started",
        "Finished",
        "Queued again by hand",
        "Cancelled before it started",
    ]


@pytest.mark.parametrize(
    ("status", "message"),
    [("completed", "Done"), ("failed", "Failed"), ("cancelled", "Cancelled")],
)
def test_a_final_job_does_not_repeat_its_badge_under_the_bar(staff_client, staff, status, message):
    """The engine's last word ('Done', 'Failed', 'Cancelled') is not shown beside the badge."""
    job = make_job(
        staff, status, message=message, error_code="E7006" if status == "failed" else None
    )
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "progress-message" not in html
    assert f'aria-valuetext="{job.progress}%"' in html
    assert "This page follows it" not in html


def test_a_cancel_request_is_said_once(staff_client, staff):
    """A running job asked to stop: 'Stopping at its next step…' on its page, 'Cancelling…' in
    its row, not both and not twice."""
    job = make_job(staff, "processing", progress=30, message="Cancelling…", cancel_requested=True)
    page = live_text(staff_client.get(f"/jobs/{job.id}").get_data(as_text=True))
    assert "Stopping at its next step…" in page and "Cancelling…" not in page
    row = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True)
    assert visible_text(row).count("Cancelling…") == 1


def test_the_tab_title_and_the_end_announcement_follow_the_status(staff_client, staff):
    """The title names the state ('45 % · Sales report'); a final part carries what to announce."""
    job = make_job(staff, "processing", progress=45, message="Reading orders")
    html = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<title>45 % · Sales report · Tamam</title>" in html
    assert 'data-title="45 % · Sales report · Tamam"' in html and "data-ended" not in html
    assert 'id="notify-toggle"' in html and 'id="announcer"' in html

    done = make_job(staff, "completed")
    html = staff_client.get(f"/jobs/{done.id}").get_data(as_text=True)
    assert "<title>Completed · Sales report · Tamam</title>" in html
    assert 'data-ended="Sales report completed: the file is ready to download."' in html
    assert 'id="notify-toggle"' not in html  # nothing left to wait for
    row = staff_client.get(f"/jobs/{done.id}/row", headers=HX).get_data(as_text=True)
    assert 'data-job-state="final"' in row and "data-ended=" in row


def status_line(html: str) -> str:
    """The visible text of the live part's status line."""
    match = re.search(r'<div class="status-line">(.*?)</div>', html, re.S)
    assert match, "no status line"
    return visible_text(match.group(0))


def test_a_waiting_job_says_its_place_in_line(staff_client, staff):
    """Alone it is next to start; behind older requests it says its place, page and poll alike."""
    now = utcnow()
    first = make_job(staff, "pending", created_at=now - timedelta(minutes=3))
    assert "Next to start" in status_line(staff_client.get(f"/jobs/{first.id}").get_data(True))
    make_job(staff, "pending", created_at=now - timedelta(minutes=2))
    third = make_job(staff, "pending", created_at=now - timedelta(minutes=1))
    page = status_line(staff_client.get(f"/jobs/{third.id}").get_data(as_text=True))
    poll = status_line(staff_client.get(f"/jobs/{third.id}/live", headers=HX).get_data(True))
    assert page.startswith("Pending 3rd in line") and poll == page
    assert "Next to start" not in page


def test_places_read_as_ordinals(staff_client, staff):
    """2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd: English ordinals at every place."""
    start = utcnow() - timedelta(hours=1)
    jobs = [make_job(staff, "pending", created_at=start + timedelta(seconds=i)) for i in range(22)]
    expected = {2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st"}
    expected[22] = "22nd"
    for place, words in expected.items():
        html = staff_client.get(f"/jobs/{jobs[place - 1].id}/live", headers=HX).get_data(True)
        assert f"{words} in line" in status_line(html)


def test_running_and_final_jobs_have_no_place_in_line(staff_client, staff):
    """A running job shows its ETA, labelled an estimate, and no place; a final one neither."""
    running = make_job(
        staff, "processing", progress=50, started_at=utcnow() - timedelta(minutes=2), attempts=1
    )
    line = status_line(staff_client.get(f"/jobs/{running.id}").get_data(as_text=True))
    assert re.search(r"about 2 minutes left .*UTC \(estimate\)", line), line
    assert "in line" not in line and "Next to start" not in line
    done = make_job(staff, "completed")
    line = status_line(staff_client.get(f"/jobs/{done.id}").get_data(as_text=True))
    assert line == "Completed"


def test_a_waiting_jobs_estimate_is_labelled(staff_client, staff):
    """With a finished job of its type to go by, a waiting job's ETA says it is an estimate."""
    now = utcnow()
    make_job(
        staff,
        "completed",
        created_at=now - timedelta(hours=1),
        started_at=now - timedelta(hours=1),
    )  # its completed_at is its created_at: a job that took no time
    job = make_job(staff, "pending")
    line = status_line(staff_client.get(f"/jobs/{job.id}/live", headers=HX).get_data(True))
    assert line.startswith("Pending Next to start any moment now") and "(estimate)" in line
