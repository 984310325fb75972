"""'Your report is ready': an outbox row written with the completion, mailed by SMTP (a real
aiosmtpd) or into the outbox folder."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import dramatiq
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import sign_in
from tests.mail_server import Inbox, free_port
from tests.staff.helpers import CSV_BODY, make_job
from webapp.engine import registry, runner, service
from webapp.engine.registry import JobType
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox
from webapp.notifications.ready import duration_words, send_job_ready


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, and the app's MAIL_* settings pointing at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_FROM": "Tamam <tamam@example.com>",
        "BASE_URL": "https://tamam.example.com",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield inbox
    controller.stop()


def body_of(message: Message) -> str:
    """The plain-text body (the text/plain part beside the HTML one)."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_ready_email_goes_to_the_owner_with_a_working_signed_link(smtp, client, staff):
    """The owner gets one email with an absolute signed link that downloads the file."""
    job = make_job(staff, "completed", job_type="orders_export")
    assert send_job_ready(job.id) is True
    assert len(smtp.messages) == 1 and smtp.recipients == [[staff.email]]
    message = smtp.messages[0]
    assert message["Subject"] == "Your orders export is ready"
    assert message["From"] == "Tamam <tamam@example.com>" and message["To"] == staff.email
    text = body_of(message)
    link = re.search(r"https://tamam\.example\.com(/download/\S+)", text)
    assert link, text
    assert f"https://tamam.example.com/jobs/{job.id}" in text
    assert "This link works for 1 hour." in text and "Hello Sara Staff" in text
    assert "https://tamam.example.com/profile" in text
    sign_in(client, staff.email)
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.get_data() == CSV_BODY
    response.close()


def test_no_email_when_the_owner_turned_them_off(smtp, staff):
    """email_notifications off (the profile's switch): nothing is sent."""
    staff.email_notifications = False
    job = make_job(staff, "completed")
    assert send_job_ready(job.id) is False
    assert smtp.messages == []


def test_the_profile_switch_turns_the_emails_off(smtp, staff_client, staff):
    """Unticking the box on /profile is what stops the email."""
    from tests.conftest import csrf_from

    token = csrf_from(staff_client, "/profile")
    staff_client.post("/profile", data={"csrf_token": token})  # the box left unticked
    job = make_job(staff, "completed")
    assert send_job_ready(job.id) is False and smtp.messages == []


@pytest.mark.parametrize("state", ["pending", "failed", "purged", "missing"])
def test_no_email_without_a_file_to_download(smtp, staff, state):
    """Only a completed job whose file is still there is announced."""
    if state == "missing":
        assert send_job_ready("job-20250101-missing") is False
    else:
        status = "completed" if state == "purged" else state
        job = make_job(staff, status, purged_at=None)
        if state == "purged":
            from webapp.extensions import db
            from webapp.models.types import utcnow

            job.purged_at = utcnow()
            db.session.commit()
        assert send_job_ready(job.id) is False
    assert smtp.messages == []


def test_without_mail_server_the_mail_lands_in_the_outbox(app, app_ctx, staff, monkeypatch, caplog):
    """Development: an .eml file under MAIL_OUTBOX_DIR, and one log line naming it (no link)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    job = make_job(staff, "completed")
    caplog.set_level("INFO", logger="tamam.mail")
    assert send_job_ready(job.id) is True
    written = set(outbox.glob("*.eml")) - before
    assert len(written) == 1
    path = written.pop()
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == staff.email and message["Subject"] == "Your sales report is ready"
    assert f"{app.config['BASE_URL']}/download/" in body_of(message)
    [line] = [r.getMessage() for r in caplog.records if r.name == "tamam.mail"]
    assert line == (
        f"Mail to {staff.email}, 'Your sales report is ready', written to {path} "
        "(no MAIL_SERVER set)"
    )
    assert "/download/" not in caplog.text  # the signed link stays in the file


def _file_type(monkeypatch, name: str, notify: bool) -> JobType:
    """A quick test type that writes a small file, emailing its owner when `notify`."""

    def run(ctx):
        (ctx.out_dir / "result.csv").write_bytes(CSV_BODY)
        return {"file_name": "result.csv", "content_type": "text/csv", "size_bytes": 9}

    jt = JobType(name=name, label="Quick file", run=run, validate=dict, produces_file=True,
                 notify_owner=notify)  # fmt: skip
    monkeypatch.setitem(registry._TYPES, jt.name, jt)  # gone again after the test
    return jt


def ready_rows() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("ready:%"))))


def test_a_completed_report_queues_the_email_on_the_notifications_queue(
    stub_broker, staff, monkeypatch
):
    """Completing a type that notifies its owner writes one outbox row and, after the commit,
    sends deliver_outbox(row id) on the notifications queue; other types write nothing."""
    _file_type(monkeypatch, "t_ready_yes", notify=True)
    _file_type(monkeypatch, "t_ready_no", notify=False)
    yes = service.submit(staff, "t_ready_yes", {})
    no = service.submit(staff, "t_ready_no", {})
    for queue in stub_broker.queues.values():
        queue.queue.clear()  # the jobs' own messages
    runner.run_job(yes.id)
    runner.run_job(no.id)
    [row] = ready_rows()
    assert (row.key, row.channel, row.recipient) == (f"ready:{yes.id}", "email", staff.email)
    assert (row.subject, row.status) == ("Your quick file is ready", "pending")
    messages = [dramatiq.Message.decode(m) for m in stub_broker.queues["notifications"].queue]
    assert [(m.actor_name, m.args) for m in messages] == [("deliver_outbox", (row.id,))]


def test_the_email_row_is_written_in_the_completion_transaction(staff, monkeypatch, smtp):
    """A process that dies between the commit and the send loses nothing: the row is there,
    and the outbox's recovery delivers it."""
    _file_type(monkeypatch, "t_ready_crash", notify=True)
    job = service.submit(staff, "t_ready_crash", {})
    with monkeypatch.context() as crash:
        crash.setattr(outbox, "dispatch", lambda ids, delay=None: None)  # dies after COMMIT
        runner.run_job(job.id)
    [row] = ready_rows()
    assert row.status == "pending" and smtp.messages == []
    assert outbox.deliver(row.id) == "sent"  # what recovery's deliver_outbox message runs
    assert [m["To"] for m in smtp.messages] == [staff.email]


def test_no_row_when_the_owner_turned_job_emails_off(stub_broker, staff, monkeypatch):
    """email_notifications off at completion: no row at all."""
    _file_type(monkeypatch, "t_ready_off", notify=True)
    staff.email_notifications = False
    db.session.commit()
    job = service.submit(staff, "t_ready_off", {})
    runner.run_job(job.id)
    assert ready_rows() == []


def test_a_broker_failure_never_reaches_the_runner(stub_broker, staff, monkeypatch, caplog):
    """If the delivery cannot be queued the job stays completed and the row waits for the
    scheduler's resend; the failure is logged."""
    _file_type(monkeypatch, "t_ready_down", notify=True)
    job = service.submit(staff, "t_ready_down", {})

    def broken():
        """A broker that cannot be reached."""
        raise ConnectionError("redis down")

    monkeypatch.setattr(dramatiq, "get_broker", broken)
    runner.run_job(job.id)
    assert db.session.get(Job, job.id, populate_existing=True).status == "completed"
    assert [r.status for r in ready_rows()] == ["pending"]
    assert "not queued after commit" in caplog.text


def test_duration_words():
    """Link lifetimes in words."""
    assert duration_words(3600) == "1 hour"
    assert duration_words(7200) == "2 hours"
    assert duration_words(900) == "15 minutes"
    assert duration_words(30) == "1 minute"
