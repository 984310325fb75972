"""Alerts open, stay quiet while open, remind, resolve, and notify once each way.

Email goes to a real SMTP server (aiosmtpd) and the webhook to a real local HTTP server; the
deliveries are outbox rows sent by the outbox's own delivery function (the actor's body).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from tests.conftest import make_user
from tests.http_receiver import Received, http_receiver
from tests.jobs.helpers import add_heartbeat
from tests.mail_server import Inbox, free_port
from tests.staff.helpers import make_job
from webapp.engine import service
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.models.ops import Alert, OutboxMessage
from webapp.models.types import utcnow
from webapp.monitoring import stats
from webapp.monitoring.alerts import check_alerts
from webapp.notifications import outbox


@pytest.fixture
def inbox(app, monkeypatch) -> Iterator[Inbox]:
    """A real SMTP server the app's mail goes to."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
                "MAIL_USE_SSL": False, "MAIL_TIMEOUT": 5}  # fmt: skip
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    yield box
    controller.stop()


@pytest.fixture
def hook(app, monkeypatch) -> Iterator[Received]:
    """A real HTTP server as ALERT_WEBHOOK_URL."""
    with http_receiver() as (url, received):
        monkeypatch.setitem(app.config, "ALERT_WEBHOOK_URL", url)
        yield received


def deliver_all() -> list[str | None]:
    """Send every pending delivery once, as the outbox actor would."""
    db.session.rollback()
    ids = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending")
    ).all()
    return [outbox.deliver(i) for i in ids]


def every_queue_served() -> None:
    add_heartbeat("h:1:a", ",".join(QUEUES), 4)


def test_an_alert_opens_stays_quiet_reminds_and_resolves(
    app, redis_broker, admin, inbox, hook, monkeypatch, caplog
):
    """Backlog over the threshold: one email and one POST each for opened, reminder, resolved."""
    monkeypatch.setitem(app.config, "ALERT_BACKLOG_THRESHOLDS", "default=1")
    every_queue_served()
    make_user("ops@example.com", role="admin")
    jobs = [service.submit(admin, "ping", {}) for _ in range(2)]

    with caplog.at_level(logging.WARNING, logger="tamam.monitor"):
        report = check_alerts()
    assert report.opened == ["backlog:default"]
    assert "Queue backlog detected: 2 messages waiting in default (threshold 1)" in caplog.text
    assert deliver_all() == ["sent", "sent", "sent"]  # two admins' emails and the webhook
    assert sorted(m["To"] for m in inbox.messages) == ["admin@example.com", "ops@example.com"]
    assert inbox.messages[0]["Subject"] == "[Tamam] Queue backlog detected"
    assert "2 messages waiting in default" in inbox.messages[0].get_payload()
    [body] = hook.bodies()
    assert (body["event"], body["figures"]) == ("opened", {"size": 2, "threshold": 1})

    assert check_alerts().opened == [] and check_alerts().reminded == []  # quiet while open
    assert deliver_all() == []

    monkeypatch.setitem(app.config, "ALERT_RENOTIFY_SECONDS", 0)
    assert check_alerts().reminded == ["backlog:default"]
    monkeypatch.setitem(app.config, "ALERT_RENOTIFY_SECONDS", 3600)
    assert deliver_all() == ["sent", "sent", "sent"]
    assert hook.bodies()[-1]["event"] == "reminder"

    for job in jobs:  # the backlog clears
        service.cancel_job(job)
    redis_broker.flush("default")
    report = check_alerts()
    assert report.resolved == ["backlog:default"]
    assert deliver_all() == ["sent", "sent", "sent"]
    assert inbox.messages[-1]["Subject"] == "[Tamam] Resolved: Queue backlog detected"
    assert hook.bodies()[-1]["event"] == "resolved"
    assert len(inbox.messages) == 6 and len(hook.bodies()) == 3
    assert check_alerts().resolved == []  # resolved once
    alert = db.session.scalars(select(Alert)).one()
    assert alert.resolved_at is not None and alert.opened_at <= alert.resolved_at


def test_a_failing_webhook_is_retried_and_delivered_once(app, redis_broker, admin, hook):
    """The receiver answers 503, then 200: the row records each attempt and sends once."""
    every_queue_served()
    with db.engine.begin() as conn:
        outbox_id = outbox.add(conn, "k-1", "webhook", app.config["ALERT_WEBHOOK_URL"], "s",
                               {"event": "test"})  # fmt: skip
    hook.answer = 503
    assert outbox.deliver(outbox_id) == "pending"
    row = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    assert (row.attempts, row.last_error) == (1, "HTTP 503 from " + row.recipient)
    assert outbox.deliver(outbox_id) is None  # not due again yet: the backoff holds it
    with db.engine.begin() as conn:
        conn.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    hook.answer = 200
    assert outbox.deliver(outbox_id) == "sent"
    assert outbox.deliver(outbox_id) is None  # a duplicate message sends nothing
    assert hook.bodies() == [{"event": "test"}]
    assert hook.posts[0][0]["Idempotency-Key"] == "k-1"


def test_a_lost_delivery_is_resent_and_a_worker_sends_it(app, redis_broker, worker, admin, inbox):
    """A row committed but never queued (the process died): the scheduler's pass sends it."""
    with db.engine.begin() as conn:
        outbox.add(conn, "lost-1", "email", "admin@example.com", "Hello", {"text": "Body"})
        conn.execute(  # committed long enough ago to count as lost
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(minutes=1))
        )
    assert outbox.resend_due() == 1
    from tests.jobs.helpers import wait_until

    wait_until(lambda: inbox.messages)
    row = wait_until(
        lambda: (
            db.session.rollback()
            or db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == "sent")
            ).first()
        )
    )
    assert row.attempts == 1 and len(inbox.messages) == 1
    assert outbox.resend_due() == 0


def test_no_worker_and_failure_rate_alerts(app, redis_broker, admin, monkeypatch):
    """Work with no live worker; and 3 of 4 reports failing in the window."""
    service.submit(admin, "ping", {})
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=2)
    for status in ("failed", "failed", "failed", "completed"):
        ended = {"failed_at" if status == "failed" else "completed_at": minute}
        make_job(admin, status, with_file=False, started_at=minute, **ended)
    stats.rollup()
    monkeypatch.setitem(app.config, "ALERT_FAILURE_MIN_JOBS", 4)
    report = check_alerts()
    assert set(report.opened) >= {"no_worker:default", "failure_rate:reports"}
    words = {c.key: c.words for c in report.conditions}
    assert "3 of 4 jobs in reports failed" in words["failure_rate:reports"]
    assert "(75%, threshold 25%)" in words["failure_rate:reports"]


def test_dead_letters_growing(app, redis_broker, admin):
    """The first check notes the count; a later one that sees more opens the alert."""
    every_queue_served()
    assert check_alerts().opened == []
    redis_broker.client.zadd("dramatiq:exports.XQ", {"dead-1": 1, "dead-2": 2})
    report = check_alerts()
    assert report.opened == ["dead_letters:exports"]
    assert "2 more dead-lettered messages in exports" in report.conditions[0].words
    assert check_alerts().resolved == ["dead_letters:exports"]  # no longer growing


def test_each_minute_is_rolled_up_once(app, admin, monkeypatch):
    """A second roll-up finds nothing left to count: the job is counted once."""
    now = utcnow()
    # The clock stands still: a first pass over a day of minutes may cross a minute boundary
    # (it did on PostgreSQL in CI), and the second pass would rightly roll that new minute.
    monkeypatch.setattr(stats, "database_now", lambda conn: now)
    minute = now.replace(second=0, microsecond=0) - timedelta(minutes=3)
    make_job(admin, "completed", with_file=False, started_at=minute, completed_at=minute)
    first, second = stats.rollup(), stats.rollup()
    assert first > 0 and second == 0
    [point] = [p for p in stats.last_hour() if p.start == minute]
    assert (point.completed, point.failed) == (1, 0)


def test_two_checks_racing_open_an_alert_once(app, redis_broker, admin, monkeypatch):
    """Both checks saw no open alert: the second one's insert is refused, nothing is sent twice."""
    from webapp.monitoring import alerts

    monkeypatch.setitem(app.config, "ALERT_BACKLOG_THRESHOLDS", "default=0")
    every_queue_served()
    service.submit(admin, "ping", {})
    seen_nothing_open = alerts.conditions(alerts.ops_status())
    first, second = alerts.CheckReport([], [], [], []), alerts.CheckReport([], [], [], [])
    condition = next(c for c in seen_nothing_open if c.kind == alerts.BACKLOG)
    now = utcnow()
    assert alerts._open(condition, "Queue backlog detected", now, first)
    assert alerts._open(condition, "Queue backlog detected", now, second) == []
    assert (first.opened, second.opened) == (["backlog:default"], [])
    assert len(db.session.scalars(select(Alert)).all()) == 1
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1  # the one admin's email


def test_a_rollup_overtaken_by_another_stops_and_counts_nothing_twice(app, admin, monkeypatch):
    """Another pass moved the mark after this one read it: this one's minute is rolled back."""
    from sqlalchemy import func

    from webapp.models.ops import JobMinute, MonitorMark

    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=3)
    make_job(admin, "completed", with_file=False, started_at=minute, completed_at=minute)
    stats.rollup(max_minutes=1)  # the mark now stands a day back, one minute rolled
    real_move = stats._move_mark

    def moved_meanwhile(conn, expected, until):  # the other pass committed first
        conn.execute(update(MonitorMark).values(value=until.timestamp()))
        real_move(conn, expected, until)

    monkeypatch.setattr(stats, "_move_mark", moved_meanwhile)
    assert stats.rollup() == 0
    monkeypatch.setattr(stats, "_move_mark", real_move)
    assert stats.rollup() > 0
    assert db.session.scalar(select(func.sum(JobMinute.completed))) == 1
