"""Pause and Resume on /ops, through the page's own POST forms with their CSRF token: flashes,
the audit log, and a real worker leaving a paused queue's jobs pending until it resumes."""

from __future__ import annotations

import re

from tests.conftest import csrf_from
from tests.jobs.helpers import wait_for, wait_until
from tests.ops.dashboard_helpers import row, section, text
from tests.reports_fixtures import ensure_sales_data, last_period
from tests.staff.helpers import make_job
from webapp.engine import dispatch, service
from webapp.engine.pauses import paused_queues
from webapp.monitoring import audit


def form_token(html: str, action: str) -> str:
    """The CSRF token inside the form that posts to `action` (as the browser would send it)."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>\s*'
                      r'<input type="hidden" name="csrf_token" value="([^"]+)"', html)  # fmt: skip
    assert match, f"no form posting to {action}"
    return match.group(1)


def press(client, queue: str, verb: str):  # type: ignore[no-untyped-def]
    """Press the queue's Pause or Resume button on /ops and follow the redirect back."""
    url = f"/ops/queues/{queue}/{verb}"
    token = form_token(client.get("/ops/").get_data(as_text=True), url)
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/ops/#queues"
    return client.get(response.headers["Location"]).get_data(as_text=True)


def flashes(html: str) -> list[str]:
    """The flash messages on a page."""
    return [text(m) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', html, re.S)]


def test_pause_then_resume_with_flashes_and_audit(admin_client, admin, staff, redis_broker):
    """Pause: the row says since when and by whom, and offers Resume; pausing twice says so
    and changes nothing; Resume sends the waiting jobs and says how many."""
    page = press(admin_client, "exports", "pause")
    assert flashes(page) == ["Queue exports paused: its jobs wait until you resume it."]
    exports = row(page, "queue-exports")
    assert re.search(r"Paused since \d\d:\d\d .* by admin@example\.com", exports.cells[0])
    assert exports.cells[8] == "Resume queue exports"
    assert exports.cells[7] == "nothing waiting"
    assert list(paused_queues()) == ["exports"]

    admin_client.post(  # a second tab still showing Pause
        "/ops/queues/exports/pause", data={"csrf_token": csrf_from(admin_client, "/ops/")}
    )
    again = admin_client.get("/ops/").get_data(as_text=True)
    assert flashes(again) == ["Queue exports was already paused; nothing changed."]

    waiting = [
        make_job(staff, "pending", job_type="orders_export", queue="exports") for _ in range(2)
    ]  # fmt: skip  (rows whose messages the pause dropped)
    paused_row = row(admin_client.get("/ops/").get_data(as_text=True), "queue-exports")
    assert paused_row.cells[7] == "— paused"

    resumed = press(admin_client, "exports", "resume")
    assert flashes(resumed) == ["Queue exports resumed; 2 waiting jobs sent."]
    assert row(resumed, "queue-exports").cells[8] == "Pause queue exports"
    assert "Paused since" not in text(section(resumed, "queues"))
    sent = [(job.queue, wait_for(job.id, lambda j: j.message_id).message_id) for job in waiting]
    assert dispatch.messages_present(sent) == [True, True]

    admin_client.post(
        "/ops/queues/exports/resume", data={"csrf_token": csrf_from(admin_client, "/ops/")}
    )
    assert flashes(admin_client.get("/ops/").get_data(as_text=True)) == [
        "Queue exports was not paused; nothing changed."
    ]
    lines = [(e.actor_email, e.action, e.target_kind, e.target_id, e.detail, e.address)
             for e in audit.recent()]  # fmt: skip
    assert lines == [
        ("admin@example.com", "resume", "queue", "exports", "2 jobs sent", "127.0.0.1"),
        ("admin@example.com", "pause", "queue", "exports", "", "127.0.0.1"),
    ]


def test_unknown_queue_is_404_and_a_missing_token_is_refused(admin_client, redis_broker):
    """Only declared queues can be paused; a POST without the form's CSRF token changes nothing."""
    token = csrf_from(admin_client, "/ops/")
    for verb in ("pause", "resume"):
        response = admin_client.post(f"/ops/queues/nosuch/{verb}", data={"csrf_token": token})
        assert response.status_code == 404
    assert admin_client.post("/ops/queues/exports/pause").status_code == 400
    assert paused_queues() == {}
    assert list(audit.recent()) == []


def test_a_paused_queue_holds_its_jobs_until_resumed(admin_client, staff, worker):
    """A real worker: a report sent to the paused reports queue is delivered and left pending
    (its message is gone, its row untouched) while a ping sent after it on default completes;
    Resume on the page sends it again and it runs to completion."""
    ensure_sales_data()
    date_from, date_to = last_period(7)
    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    press(admin_client, "reports", "pause")
    held = service.submit(staff, "sales_report", {**period, "format": "csv"})
    other = service.submit(staff, "ping", {})

    wait_for(other.id, lambda job: job.status == "completed")
    wait_until(lambda: dispatch.message_present("reports", held.message_id) is False)
    still = wait_for(held.id, lambda job: True)
    assert (still.status, still.attempts, still.started_at) == ("pending", 0, None)
    reports = row(admin_client.get("/ops/").get_data(as_text=True), "queue-reports")
    assert reports.cells[5] == "1" and "Paused since" in reports.cells[0]

    page = press(admin_client, "reports", "resume")
    assert flashes(page) == ["Queue reports resumed; 1 waiting job sent."]
    done = wait_for(held.id, lambda job: job.status == "completed", timeout=60)
    assert done.attempts == 1
