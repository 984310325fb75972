"""Alert emails in each admin's language (the webhook stays English), and the bulk retry job's
progress and timeline lines in Arabic on its page; English unchanged."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import make_user
from tests.i18n.leftovers import english_leftovers
from tests.i18n.test_ops_ar import add_heartbeat  # not tests.jobs.helpers': see there
from tests.staff.helpers import make_job
from webapp.engine import service
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.models.job import JobEvent
from webapp.models.ops import OutboxMessage
from webapp.monitoring.alerts import check_alerts

AR = {"Accept-Language": "ar"}
EN = {"Accept-Language": "en"}


def outbox_rows() -> dict[str, OutboxMessage]:
    """The outbox's pending rows by recipient (the webhook under 'webhook'), newest kept."""
    db.session.rollback()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return {("webhook" if r.channel == "webhook" else r.recipient): r for r in rows}


def test_alert_emails_speak_each_admins_language(app, redis_broker, admin, monkeypatch):
    """An Arabic admin's email is Arabic, the English admin's and ALERT_EMAIL's are today's
    English, and the webhook's body is English, when the alert opens and when it resolves."""
    monkeypatch.setitem(app.config, "ALERT_BACKLOG_THRESHOLDS", "default=1")
    monkeypatch.setitem(app.config, "ALERT_EMAIL", "oncall@example.com")
    monkeypatch.setitem(app.config, "ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    add_heartbeat("h:1:a", ",".join(QUEUES), 4)
    make_user("ops-ar@example.com", role="admin", language="ar")
    make_user("ops-odd@example.com", role="admin", language="xx")
    jobs = [service.submit(admin, "ping", {}) for _ in range(2)]
    base = app.config["BASE_URL"].rstrip("/")

    assert check_alerts().opened == ["backlog:default"]
    rows = outbox_rows()
    assert sorted(rows) == ["admin@example.com", "oncall@example.com", "ops-ar@example.com",
                            "ops-odd@example.com", "webhook"]  # fmt: skip
    english = ("[Tamam] Queue backlog detected",
               f"Queue backlog detected: 2 messages waiting in default (threshold 1).\n\n\n"
               f"See {base}/ops\n")  # fmt: skip
    for to in ("admin@example.com", "oncall@example.com", "ops-odd@example.com"):
        assert (rows[to].subject, rows[to].body["text"]) == english
    arabic = rows["ops-ar@example.com"]
    assert arabic.subject == "[Tamam] رُصد تراكم في طابور"
    assert arabic.body["text"] == (
        "رُصد تراكم في طابور: 2 رسالة في الانتظار في default (الحد 1).\n\n\n"
        f"التفاصيل في {base}/ops\n"
    )
    assert arabic.key.endswith(":opened:" + arabic.key.split(":")[3] + ":ops-ar@example.com")
    hook = rows["webhook"]
    assert hook.subject == english[0]
    assert (hook.body["title"], hook.body["summary"]) == (
        "Queue backlog detected",
        "2 messages waiting in default (threshold 1)",
    )

    for job in jobs:  # the backlog clears
        service.cancel_job(job)
    redis_broker.flush("default")
    assert check_alerts().resolved == ["backlog:default"]
    rows = outbox_rows()
    english_text = rows["admin@example.com"].body["text"]
    assert rows["admin@example.com"].subject == "[Tamam] Resolved: Queue backlog detected"
    assert re.fullmatch(
        r"Queue backlog detected: 2 messages waiting in default \(threshold 1\); cleared after"
        rf" \d+ s\.\n\nThis alert is resolved\.\n\nSee {re.escape(base)}/ops\n",
        english_text,
    ), english_text
    arabic = rows["ops-ar@example.com"]
    assert arabic.subject == "[Tamam] حُلّ: رُصد تراكم في طابور"
    assert re.fullmatch(
        r"رُصد تراكم في طابور: 2 رسالة في الانتظار في default \(الحد 1\)؛ زال بعد \d+ ث\.\n\n"
        r"حُلّ هذا التنبيه\.\n\n"
        rf"التفاصيل في {re.escape(base)}/ops\n",
        arabic.body["text"],
    ), arabic.body["text"]
    assert re.fullmatch(
        r"2 messages waiting in default \(threshold 1\); cleared after \d+ s",
        rows["webhook"].body["summary"],
    )
    assert rows["webhook"].subject == "[Tamam] Resolved: Queue backlog detected"


def bulk_page(client, admin, headers) -> str:  # type: ignore[no-untyped-def]
    """A running bulk retry's page: its progress line and a stop line on its timeline."""
    job = make_job(admin, "processing", job_type="ops_bulk", progress=41,
                   message="Retried 50 of 1,200",
                   params={"action": "retry", "filter": "queue=default"})  # fmt: skip
    db.session.add(JobEvent(job_id=job.id, kind="outcome", attempt=0,
                            detail="Stopped when asked: Retried 50 of 1200; 1 was no longer"
                                   " failed; 2 were not found"))  # fmt: skip
    db.session.commit()
    response = client.get(f"/jobs/{job.id}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def main_part(html: str) -> str:
    """The page's <main> without the sign-in's flash (the core area's, in English here)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match is not None
    return re.sub(r'<div class="flashes".*?</div>', "", match.group(0), flags=re.S)


def test_the_bulk_jobs_lines_in_arabic_on_its_page(admin_client, admin):
    """Progress and outcome lines of an ops_bulk job in Arabic; no English left in <main>."""
    html = main_part(bulk_page(admin_client, admin, AR))
    assert english_leftovers(html) == []
    assert 'aria-valuetext="41%: أُعيدت محاولة 50 من 1,200"' in html
    assert "توقفت بناءً على الطلب: أُعيدت محاولة 50 من 1,200؛ لم تعد 1 فاشلة؛ لم يُعثر على 2" in html


def test_the_bulk_jobs_lines_in_english_are_unchanged(admin_client, admin):
    """The English page shows the lines' words as stored (counts with thousands separators,
    as for every job's lines)."""
    html = main_part(bulk_page(admin_client, admin, EN))
    assert 'aria-valuetext="41%: Retried 50 of 1,200"' in html
    assert (
        "Stopped when asked: Retried 50 of 1,200; 1 was no longer failed; 2 were not found" in html
    )
