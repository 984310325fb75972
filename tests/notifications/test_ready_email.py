"""The "ready" email through the outbox, on a real worker, to a real SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.jobs.helpers import wait_for, wait_until
from tests.notifications.helpers import outbox_rows
from tests.staff.helpers import CSV_BODY
from webapp.engine import registry, service
from webapp.engine.clock import db_time
from webapp.engine.registry import JobType
from webapp.extensions import db
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox
from webapp.notifications.mail import message_id_for


def _write_file(ctx):
    (ctx.out_dir / "result.csv").write_bytes(CSV_BODY)
    return {"file_name": "result.csv", "content_type": "text/csv", "size_bytes": len(CSV_BODY)}


@pytest.fixture
def file_type(worker, monkeypatch) -> JobType:
    """A quick job type that writes a file and emails its owner, with its actor declared."""
    from tasks.actors import declare_job_actor

    jt = JobType(name="t_ready_file", label="Test file", run=_write_file, validate=dict,
                 produces_file=True, notify_owner=True)  # fmt: skip
    monkeypatch.setitem(registry._TYPES, jt.name, jt)
    declare_job_actor(jt)
    return jt


def test_a_completed_job_emails_its_owner_text_and_html(file_type, inbox, staff):
    """One message: plain text and HTML alternatives, Message-ID made from the outbox key."""
    job = service.submit(staff, file_type.name, {})
    wait_for(job.id, lambda j: j.status == "completed")
    wait_until(lambda: inbox.messages)
    [message] = inbox.messages
    assert message["Subject"] == "Your test file is ready" and message["To"] == staff.email
    assert message["Message-ID"] == message_id_for(f"ready:{job.id}")
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds == ["multipart/alternative", "text/plain", "text/html"]
    html = message.get_payload()[1].get_payload(decode=True).decode()
    assert "https://tamam.example.com/download/" in html and "Hello Sara Staff" in html
    assert "List-Unsubscribe" not in message  # one person's own job: not bulk mail
    [row] = wait_until(
        lambda: [r for r in outbox_rows(key=f"ready:{job.id}") if r.status == "sent"]
    )
    assert [a.error for a in outbox.attempts_of(row.id)] == [None]


def test_a_crash_between_commit_and_send_loses_nothing(file_type, inbox, staff, monkeypatch):
    """The process dies after the completion's COMMIT, before queueing the email: the row is
    there, and the scheduler's resend finds it and the worker delivers it, once."""
    with monkeypatch.context() as crash:
        crash.setattr(outbox, "dispatch", lambda ids, delay=None: None)  # never queued
        job = service.submit(staff, file_type.name, {})
        wait_for(job.id, lambda j: j.status == "completed")
        [row] = outbox_rows(key=f"ready:{job.id}")
        assert row.status == "pending" and inbox.messages == []
    assert outbox.resend_due() == 0  # not lost yet: a message may still carry it
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id).values(next_attempt_at=db_time(-60))
    )
    db.session.commit()
    assert outbox.resend_due() == 1  # what the scheduler runs every 15 s
    wait_until(lambda: outbox_rows(id=row.id)[0].status == "sent")
    assert [m["To"] for m in inbox.messages] == [staff.email]
    assert outbox.resend_due() == 0
