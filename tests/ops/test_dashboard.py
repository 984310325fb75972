"""/ops as an admin reads it: queue figures from a real Redis and known rows, workers, alerts,
the audit log, the charts after a roll-up, the ping, and 404 for everyone else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, update

from tests.conftest import csrf_from
from tests.jobs.helpers import add_heartbeat, wait_until
from tests.ops.dashboard_helpers import finish, roll_up_from, row, rows, section, text
from tests.staff.helpers import HX, make_job
from webapp.engine import dispatch, pauses, transitions
from webapp.engine.attempts import process_key
from webapp.extensions import db
from webapp.models.job import WorkerHeartbeat
from webapp.models.ops import Alert, JobMinute
from webapp.models.types import utcnow
from webapp.monitoring import audit, stats
from webapp.monitoring.status import QueueStatus
from webapp.ops.present import clear_estimate, seconds_words

EXPORT = {"job_type": "orders_export", "queue": "exports"}


def enqueue(broker, queue_type: str, count: int, delay_ms: int | None = None) -> None:
    """`count` job messages for jobs of `queue_type` straight on the broker, as submit sends."""
    for i in range(count):
        message = dispatch.build_message(f"x{i}", queue_type, transitions.new_message_id())
        broker.enqueue(message, delay=delay_ms)


def minute_of_runtimes(queue: str, job_type: str, completed: int, run_sum: float) -> None:
    """A rolled-up minute five minutes ago: `completed` jobs that ran `run_sum` seconds in all."""
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    with db.engine.begin() as conn:
        conn.execute(
            insert(JobMinute).values(
                minute=minute, queue=queue, type=job_type, completed=completed, failed=0,
                wait_hist={}, run_hist={}, wait_sum=0.0, run_sum=run_sum,
            )
        )  # fmt: skip


def test_queue_figures_are_the_ones_redis_and_the_rows_hold(admin_client, redis_broker, staff):
    """exports: 4 ready, 1 delayed, 2 in progress, 2 dead, 3 pending (the oldest 5 min old), one
    worker with 4 threads and a mean runtime of 120 s: about 2 min to clear 4 jobs."""
    add_heartbeat("w1:101:aa", "exports", 4)
    now = utcnow()
    make_job(staff, "pending", created_at=now - timedelta(minutes=5), **EXPORT)
    make_job(staff, "pending", **EXPORT)
    make_job(staff, "pending", **EXPORT)
    for thread in (1, 2):
        make_job(staff, "processing", worker_id=f"w1:101:aa:{thread}", started_at=now, **EXPORT)
    enqueue(redis_broker, "orders_export", 4)
    enqueue(redis_broker, "orders_export", 1, delay_ms=60_000)
    redis_broker.client.zadd("dramatiq:exports.XQ", {"dead-1": 1, "dead-2": 2})
    minute_of_runtimes("exports", "orders_export", completed=4, run_sum=480.0)

    html = admin_client.get("/ops/").get_data(as_text=True)

    exports = row(html, "queue-exports")
    assert exports.cells[:6] == ["exports", "4", "1", "2", "2", "3"]
    assert re.fullmatch(r"5 min( \d s)?", exports.cells[6]), exports.cells[6]
    assert exports.cells[7] == "about 2 min"
    assert exports.cells[8] == "Pause queue exports"
    assert "has-problems" not in exports.classes
    default = row(html, "queue-default")
    assert default.cells[1:8] == ["0", "0", "0", "0", "0", "—", "nothing waiting"]
    assert "Time to clear (estimate)" in text(section(html, "queues"))


def test_a_queue_with_problems_stands_out_and_says_them(admin_client, redis_broker, staff):
    """Work waiting and no live worker: the row is marked and the problem is said in words."""
    make_job(staff, "pending", created_at=utcnow() - timedelta(hours=1))
    reports = row(admin_client.get("/ops/").get_data(as_text=True), "queue-reports")
    assert "has-problems" in reports.classes
    assert "Needs attention" in reports.cells[0]
    assert "Work is waiting and no live worker serves this queue" in reports.cells[0]
    assert re.search(r"The oldest job has waited \d+ s", reports.cells[0])
    assert reports.cells[7] == "— no live worker thread serves it"


def test_no_runtime_history_is_said_instead_of_an_estimate(admin_client, redis_broker, staff):
    """A served queue with jobs waiting but nothing finished in the last hour: no estimate."""
    add_heartbeat("w1:101:aa", "reports", 2)
    make_job(staff, "pending")
    reports = row(admin_client.get("/ops/").get_data(as_text=True), "queue-reports")
    assert reports.cells[7] == "— no runtime history in the last hour"


@pytest.mark.parametrize(
    ("figures", "runtime", "paused", "words"),
    [
        (QueueStatus("q", ready=0, pending=0, threads=4), 10.0, False, "nothing waiting"),
        (QueueStatus("q", ready=30, pending=20, threads=4), 10.0, False, "about 1 min 15 s"),
        (QueueStatus("q", ready=2, pending=2, threads=4), 10.0, False, "under a minute"),
        (QueueStatus("q", ready=5, pending=5, threads=0), 10.0, False, "— no live worker"),
        (QueueStatus("q", ready=5, pending=5, threads=2), None, False, "— no runtime history"),
        (QueueStatus("q", ready=5, pending=5, threads=2), 10.0, True, "— paused"),
    ],
)
def test_the_estimate_or_why_there_is_none(figures, runtime, paused, words):
    """Backlog (the larger of rows and messages) times mean runtime over threads, or a reason."""
    assert clear_estimate(figures, runtime, paused).words.startswith(words)


def test_workers_live_and_stale_with_the_jobs_each_holds(admin_client, redis_broker, staff):
    """A live worker lists its jobs (linked, at most one per thread) and its memory in MiB;
    a silent one is listed apart with how long it has been silent."""
    add_heartbeat("w1:101:aa", "reports,exports", 2)
    add_heartbeat("w2:202:bb", "reports", 4, silent_for=600)
    with db.engine.begin() as conn:
        conn.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.id == "w1:101:aa")
            .values(memory_bytes=150 * 1024 * 1024, processed=17, failed=2)
        )
    held = [
        make_job(staff, "processing", worker_id=f"w1:101:aa:{n}", started_at=utcnow())
        for n in range(3)
    ]  # fmt: skip  (3 rows, 2 threads: the list stops at 2)
    make_job(staff, "processing", worker_id="w1:101:aaa:1", started_at=utcnow())  # not its own

    html = admin_client.get("/ops/").get_data(as_text=True)
    workers = section(html, "workers")
    live = [r for r in rows(workers) if "worker-row" in r.classes]
    assert len(live) == 1
    cells = live[0].cells
    assert cells[:4] == ["w1", "101", "reports, exports", "2"]
    assert cells[5] in {"0 s ago", "1 s ago"}
    assert cells[6] == "Sales report Sales report"
    assert live[0].links == [f"/jobs/{held[0].id}", f"/jobs/{held[1].id}"]
    assert cells[7:] == ["17", "2", "150 MiB"]
    stale = [r for r in rows(workers) if "stale-row" in r.classes]
    assert [r.cells[:3] for r in stale] == [["w2", "202", "reports"]]
    assert re.fullmatch(r"no heartbeat for 10 min( \d s)?", stale[0].cells[3])
    assert "1 live process, 2 threads; 1 stale" in text(workers)


def test_open_alerts_in_the_banner_and_the_history(admin_client, redis_broker):
    """The open alert says what, where, since when and the latest figures; history lists both."""
    opened = utcnow() - timedelta(minutes=30)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Alert),
            [
                dict(key="backlog:exports", kind="backlog", queue="exports",
                     summary="exports has 1500 messages waiting (threshold 1000)",
                     latest="exports has 1700 messages waiting (threshold 1000)",
                     opened_at=opened, notified_at=opened, resolved_at=None),
                dict(key="no_worker:reports", kind="no_worker", queue="reports",
                     summary="reports has work and no live worker", latest="",
                     opened_at=opened - timedelta(hours=2), notified_at=opened,
                     resolved_at=opened - timedelta(hours=1)),
            ],
        )  # fmt: skip
    html = admin_client.get("/ops/").get_data(as_text=True)
    banner = text(section(html, "alerts"))
    assert "Queue backlog detected · queue exports" in banner
    assert "exports has 1500 messages waiting (threshold 1000)" in banner
    assert "Now: exports has 1700 messages waiting" in banner
    assert f"Open since {opened:%H:%M}" in banner
    assert "reports has work" not in banner  # resolved: not in the banner
    history = rows(section(html, "alert-history"))[1:]
    assert [r.cells[0] for r in history] == [
        "Queue backlog detected · exports",
        "No worker serves a queue with work · reports",
    ]
    assert history[0].cells[2] == "Open"
    assert history[1].cells[2].startswith(f"{opened - timedelta(hours=1):%H:%M}")


def test_the_audit_log_names_who_did_what_to_which_job(admin_client, admin, staff, redis_broker):
    """Newest first; a job's id links to its page; the address is the request's."""
    job = make_job(staff, "failed")
    audit.record(admin, "retry", "job", job.id, "Retried from the failed list")
    token = csrf_from(admin_client, "/ops/")
    admin_client.post("/ops/queues/exports/pause", data={"csrf_token": token})
    lines = rows(section(admin_client.get("/ops/").get_data(as_text=True), "audit"))[1:]
    assert [r.cells[1:] for r in lines] == [
        ["admin@example.com", "pause", "queue exports", "127.0.0.1"],
        ["admin@example.com", "retry Retried from the failed list", f"job {job.id}", "—"],
    ]
    assert lines[1].links == [f"/jobs/{job.id}"]


def test_charts_show_the_rolled_up_counts_and_quantiles(admin_client, redis_broker, staff):
    """3 completed and 1 failed in one past minute: its bar's title and its table row say so,
    with the median wait and runtime of the histogram (an estimate)."""
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=3)
    for _ in range(3):
        finish(staff, "completed", minute + timedelta(seconds=20), wait=2.0, run=10.0)
    finish(staff, "failed", minute + timedelta(seconds=40), wait=2.0, run=10.0)
    assert roll_up_from(minute - timedelta(minutes=7)) >= 8

    html = admin_client.get("/ops/").get_data(as_text=True)
    wait = seconds_words(stats.middle_of(stats.bucket_of(2.0)))
    run = seconds_words(stats.middle_of(stats.bucket_of(10.0)))
    figures = (
        f"3 completed, 1 failed; wait median {wait}, 95th percentile {wait}; "
        f"runtime median {run}, 95th percentile {run}"
    )
    charts = section(html, "charts")
    titles = re.findall(r"<title data-at=\"[^\"]+\"[^>]*>([^<]+)</title>", charts)
    assert len(titles) == 2 * 60 + 2 * 96  # every step of both charts of both periods
    assert titles.count(f"{minute:%H:%M} UTC: {figures}") == 2  # counts and durations, hour
    quarter = minute.replace(minute=minute.minute - minute.minute % 15)
    span = f"{quarter:%H:%M} to {quarter + timedelta(minutes=15):%H:%M} UTC"
    assert titles.count(f"{span}: {figures}") == 2  # the day's quarter hour
    hour_table = rows(re.search(r'id="table-hour".*?</details>', charts, re.S).group(0))
    assert [r.cells[1:] for r in hour_table if r.cells[0].startswith(f"{minute:%H:%M}")] == [
        ["3", "1", wait, wait, run, run]
    ]
    assert "3 completed and 1 failed in all" in text(charts)
    assert "estimates from histograms" in text(charts)


def test_charts_with_nothing_finished_say_so(admin_client, redis_broker):
    """No roll-ups: every bar says 0 and each chart says there is nothing to draw."""
    charts = section(admin_client.get("/ops/charts", headers=HX).get_data(as_text=True), "charts")
    assert charts.count("No job finished in this time</text>") == 2
    assert charts.count("No durations: no job finished in this time</text>") == 2
    assert "<polyline" not in charts
    assert ": 0 completed, 0 failed</title>" in charts


def test_the_live_part_alone_for_the_refresh(admin_client, redis_broker):
    """/ops/live returns the part the page refreshes, nothing around it; a browser going
    there without HTMX lands on the page."""
    response = admin_client.get("/ops/live", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="ops-live"')
    assert "<html" not in body and 'id="queue-exports"' in body and 'id="workers"' in body
    assert "HX-Request" in response.headers["Vary"]
    away = admin_client.get("/ops/live")
    assert away.status_code == 302 and away.headers["Location"].endswith("/ops/")
    assert admin_client.get("/ops/charts").headers["Location"].endswith("/ops/#charts")


def test_the_page_reads_the_same_statements_at_any_number_of_jobs(
    admin_client, redis_broker, staff
):
    """No figure loops over job rows: 3 or 30 waiting jobs cost the same statements."""

    def statements() -> int:
        seen: list[str] = []

        def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            assert admin_client.get("/ops/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        return len(seen)

    add_heartbeat("w1:101:aa", "reports", 2)
    for _ in range(3):
        make_job(staff, "pending")
    statements()  # the charts' series are kept from here until the roll-up adds a minute
    few = statements()
    for _ in range(27):
        make_job(staff, "pending")
    assert statements() == few


def test_ping_with_a_real_worker_names_who_answered(admin_client, worker):
    """Every queue answers; the partial stops polling once none is waiting."""
    token = csrf_from(admin_client, "/ops/")
    first = admin_client.post("/ops/ping", data={"csrf_token": token}, headers=HX)
    assert first.status_code == 200
    answers = first.get_data(as_text=True)
    url = re.search(r'hx-get="(/ops/ping/[^"]+)"', answers)

    def all_in() -> str | None:
        """The partial once no queue is waiting (what its own poll waits for)."""
        body = admin_client.get(url.group(1), headers=HX).get_data(as_text=True)
        return None if "waiting…" in body else body

    if url:  # still waiting for some queue: poll as the partial does
        answers = wait_until(all_in)
    assert "hx-trigger" not in answers
    said = re.findall(r"<strong>(\w+)</strong>: answered in (?:under 1|\d+) ms by ([^<]+)</li>",
                      answers)  # fmt: skip
    assert [queue for queue, _ in said] == ["default", "reports", "exports", "notifications"]
    assert {who for _, who in said} == {process_key()}


def test_ping_without_an_answer_says_so_after_30_s(admin_client, redis_broker):
    """No worker: 'waiting…' and the partial polls; past 30 s, 'no answer' and it stops."""
    token = csrf_from(admin_client, "/ops/")
    body = admin_client.post("/ops/ping", data={"csrf_token": token}, headers=HX)
    page = body.get_data(as_text=True)
    url = re.search(r'hx-get="(/ops/ping/([^"]+))" hx-trigger="every 1s"', page)
    assert url and page.count("waiting…") == 4
    key = f"tamam:ping:{url.group(2)}"
    for field_name in list(redis_broker.client.hkeys(key)):
        redis_broker.client.hincrbyfloat(key, field_name, -31.0)  # sent 31 s ago
    late = admin_client.get(url.group(1), headers=HX).get_data(as_text=True)
    assert late.count("no answer after 30 s") == 4 and "hx-trigger" not in late
    assert 'data-announce="Ping: 0 of 4 queues answered; 4 gave no answer."' in late
    assert "data-announce" not in page  # said once, when the last answer is in


def test_ping_without_redis_says_why(admin_client, stub_broker):
    """A StubBroker has no Redis: the partial says so; without HTMX a flash says it."""
    token = csrf_from(admin_client, "/ops/")
    body = admin_client.post("/ops/ping", data={"csrf_token": token}, headers=HX)
    assert "No Redis" in body.get_data(as_text=True)
    page = admin_client.post("/ops/ping", data={"csrf_token": token}, follow_redirects=True)
    assert "No Redis: there are no workers to ping" in page.get_data(as_text=True)


def test_an_unknown_or_expired_ping_says_so(admin_client, redis_broker):
    """A token Redis no longer knows: ping again; a malformed one: 404."""
    body = admin_client.get("/ops/ping/abcdefghijkl", headers=HX).get_data(as_text=True)
    assert "unknown or older than ten minutes" in body
    assert admin_client.get("/ops/ping/not!a!token").status_code == 404


GETS = ["/ops", "/ops/", "/ops/live", "/ops/charts", "/ops/ping/abcdefghijkl"]
POSTS = ["/ops/queues/exports/pause", "/ops/queues/exports/resume", "/ops/ping"]


def test_staff_get_404_on_every_ops_url_and_action(staff_client, redis_broker):
    """GET and POST (with a valid CSRF token), with and without HTMX: 404, as for no page."""
    token = csrf_from(staff_client, "/jobs")
    for url in GETS:
        for headers in ({}, HX):
            response = staff_client.get(url, headers=headers, follow_redirects=True)
            assert response.status_code == 404, url
    for url in POSTS:
        response = staff_client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, url
    assert pauses.paused_queues() == {}
    assert list(audit.recent()) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, redis_broker):
    """Signed out: every ops URL and action leads to the sign-in page, as everywhere else."""
    token = csrf_from(client, "/login")
    for url in GETS:
        response = client.get(url, follow_redirects=False)
        if response.status_code == 308:  # /ops -> /ops/
            response = client.get(response.headers["Location"])
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in POSTS:
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.get("/ops/live", headers=HX).status_code == 401


def test_admins_reach_every_ops_url(admin_client, redis_broker):
    """The same URLs answer admins: pages 200, actions redirect back to the page or answer."""
    token = csrf_from(admin_client, "/ops/")
    for url in GETS:
        assert admin_client.get(url, headers=HX, follow_redirects=True).status_code == 200, url
    for url in POSTS:
        response = admin_client.post(url, data={"csrf_token": token}, follow_redirects=True)
        assert response.status_code == 200, url
