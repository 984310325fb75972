"""The soak's end checks (scripts/proof/checks.py) pass a clean run and name each fault."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import insert, update

from scripts.proof.checks import check_everything
from webapp.engine import runner, service
from webapp.extensions import db
from webapp.models.job import Job, JobEvent
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox
from webapp.notifications.mail import message_id_for


def completed_ping(staff) -> str:  # type: ignore[no-untyped-def]
    job = service.submit(staff, "ping", {})
    runner.run_job(job.id)
    return job.id


def email_row(key: str, status: str = "sent", attempts: int = 1) -> int:
    """An email outbox row in `status` after `attempts` claims, none recorded."""
    with db.engine.begin() as conn:
        row_id = outbox.add(conn, key, "email", "someone@example.com", "Hi", {})
        conn.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                     .values(status=status, attempts=attempts))  # fmt: skip
    return row_id


def test_a_clean_run_has_no_problem(stub_broker, staff, tmp_path: Path):
    """A completed job and an email that arrived once: nothing to report."""
    completed_ping(staff)
    email_row("hello:1", attempts=0)
    found = check_everything(tmp_path, Counter({message_id_for("hello:1"): 1}))
    assert found.problems == []
    assert found.figures["by_status"] == {"completed": 1}


def test_a_job_not_final_and_a_job_completed_twice_are_named(stub_broker, staff, tmp_path: Path):
    """A pending job, and a second completed event on a completed one."""
    done = completed_ping(staff)
    waiting = service.submit(staff, "ping", {}).id
    with db.engine.begin() as conn:
        conn.execute(insert(JobEvent).values(job_id=done, kind="completed", attempt=2, detail=""))
    problems = check_everything(tmp_path, Counter()).problems
    assert f"job {waiting} (ping) is not final: pending" in problems
    assert f"job {done} (ping) completed 2 times (events)" in problems


def test_a_stray_folder_and_a_missing_result_file_are_named(stub_broker, staff, tmp_path: Path):
    """A folder no job owns; a completed file job whose file is gone."""
    done = completed_ping(staff)
    result = {"file_name": "r.csv", "stored_as": "attempt-1/r.csv"}
    db.session.execute(
        update(Job).where(Job.id == done).values(type="sales_report", result_data=result)
    )
    db.session.commit()
    (tmp_path / "job-nobody").mkdir()
    problems = check_everything(tmp_path, Counter()).problems
    assert any(p.endswith("job-nobody belongs to no job") for p in problems)
    assert any("completed but its file attempt-1/r.csv is missing" in p for p in problems)


def test_emails_twice_unexpected_or_never_are_named(stub_broker, staff, tmp_path: Path):
    """Twice with every claim recorded; one nobody wrote; a sent row that never arrived."""
    twice = email_row("twice:1")
    with db.engine.begin() as conn:
        conn.execute(insert(outbox.OutboxAttempt).values(outbox_id=twice, duration_ms=1))
    email_row("never:1")
    received = Counter({message_id_for("twice:1"): 2, "<stray@example>": 1})
    problems = check_everything(tmp_path, received).problems
    assert f"outbox row {twice} (twice:1) arrived 2 times" in problems
    assert "an email no outbox row accounts for arrived 1x: <stray@example>" in problems
    assert any("(never:1) is sent but never arrived" in p for p in problems)


def test_a_repeat_after_a_sender_died_mid_send_is_absorbed(stub_broker, staff, tmp_path: Path):
    """Two claims, none recorded (the sender died after sending): same Message-ID, counted."""
    email_row("doubt:1", attempts=2)
    found = check_everything(tmp_path, Counter({message_id_for("doubt:1"): 2}))
    assert found.problems == []
    assert found.figures["email_repeats_same_message_id"] == 1
