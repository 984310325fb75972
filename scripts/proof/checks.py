"""The end checks of a proof run: nothing lost, nothing done twice (call in an app context).

- every job final; a completed job has exactly one `completed` event, no other job has one;
- every completed job that makes a file has its one result file (the row's `stored_as`), its
  attempt folder holds nothing else, and every folder under STORAGE_DIR is a job's;
  folders of attempts that were killed are counted (they go with the job at expiry);
- every outbox row is settled; each email sent arrived (per Message-ID), nothing else arrived,
  and a second copy is accepted only where a sender died mid-send (a claim without a recorded
  attempt), which carries the same Message-ID so that a receiver drops it;
- each completed report or export has its one "ready" email row.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from webapp.engine import registry
from webapp.engine.storage import INPUT_FOLDER
from webapp.extensions import db
from webapp.models.api import OutboxAttempt
from webapp.models.job import FINAL_STATUSES, Job, JobEvent
from webapp.models.ops import OutboxMessage
from webapp.notifications.mail import message_id_for

SETTLED_OUTBOX = ("sent", "failed", "skipped", "cancelled")


@dataclass
class Findings:
    """What the checks found: problems (each one fails the run) and figures."""

    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def problem(self, text: str) -> None:
        """Record one lost or doubled thing."""
        self.problems.append(text)


def outstanding() -> tuple[int, int]:
    """(jobs not final, outbox rows not settled) right now."""
    db.session.rollback()
    jobs = db.session.scalar(select(func.count()).where(Job.status.not_in(FINAL_STATUSES)))
    rows = db.session.scalar(
        select(func.count()).where(OutboxMessage.status.not_in(SETTLED_OUTBOX))
    )
    return int(jobs or 0), int(rows or 0)


def check_jobs(found: Findings) -> dict[str, Any]:
    """Every job final, completed exactly once; returns the jobs by id."""
    db.session.rollback()
    jobs = {row.id: row for row in db.session.execute(
        select(Job.id, Job.type, Job.status, Job.error_code, Job.attempts, Job.result_data,
               Job.user_id)
    )}  # fmt: skip
    completions = Counter(
        db.session.scalars(select(JobEvent.job_id).where(JobEvent.kind == "completed"))
    )
    for job_id, row in jobs.items():
        if row.status not in FINAL_STATUSES:
            found.problem(f"job {job_id} ({row.type}) is not final: {row.status}")
        times = completions.get(job_id, 0)
        if row.status == "completed" and times != 1:
            found.problem(f"job {job_id} ({row.type}) completed {times} times (events)")
        if row.status != "completed" and times:
            found.problem(f"job {job_id} ({row.type}) is {row.status} with a completed event")
    found.figures["jobs"] = len(jobs)
    found.figures["by_status"] = Counter(row.status for row in jobs.values())
    found.figures["failed_by_code"] = Counter(
        row.error_code or "?" for row in jobs.values() if row.status == "failed"
    )
    found.figures["attempts_over_one"] = sum(1 for row in jobs.values() if row.attempts > 1)
    return jobs


def check_files(found: Findings, storage: Path, jobs: dict[str, Any]) -> None:
    """One result file per completed file-making job; no folder that is not a job's."""
    leftovers = results = 0
    for job_id, row in jobs.items():
        kept = (row.result_data or {}).get("stored_as") if row.status == "completed" else None
        makes = registry.get(row.type).produces_file
        file_job = row.status == "completed" and makes and (row.result_data or {}).get("file_name")
        if file_job and (not kept or not (storage / job_id / kept).is_file()):
            found.problem(f"job {job_id} ({row.type}) completed but its file {kept} is missing")
    if not storage.is_dir():
        found.figures.update(result_files=0, leftover_attempt_folders=0, staged_uploads_left=0)
        return
    staged = 0
    for folder in sorted(storage.iterdir()):
        if folder.name.startswith("."):  # .uploads: files staged before their job exists
            staged += sum(1 for p in folder.rglob("*") if p.is_file())
            continue
        row = jobs.get(folder.name)
        if row is None:
            found.problem(f"{folder} belongs to no job")
            continue
        kept = (row.result_data or {}).get("stored_as") if row.status == "completed" else None
        kept_folder = kept.split("/", 1)[0] if kept and "/" in kept else None
        for attempt in sorted(folder.iterdir()):
            if attempt.name == INPUT_FOLDER:
                continue
            visible = [p for p in attempt.rglob("*") if p.is_file() and not p.name.startswith(".")]
            if attempt.name == kept_folder:
                names = [str(p.relative_to(folder)) for p in visible]
                if names != [kept]:
                    found.problem(
                        f"job {folder.name}: its kept attempt holds {names}, not [{kept}]"
                    )
                results += 1
            elif visible:
                leftovers += 1  # a killed attempt's partial file, removed with the job at expiry
    found.figures.update(
        result_files=results, leftover_attempt_folders=leftovers, staged_uploads_left=staged
    )


def check_outbox(found: Findings, received: Counter[str], jobs: dict[str, Any]) -> None:
    """Every email row settled and delivered once per Message-ID; ready emails present."""
    db.session.rollback()
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.key, OutboxMessage.channel, OutboxMessage.status,
               OutboxMessage.attempts)
    ).all()  # fmt: skip
    recorded = Counter(db.session.scalars(select(OutboxAttempt.outbox_id)))
    expected: dict[str, Any] = {}
    repeats_absorbed = 0
    for row in rows:
        if row.status not in SETTLED_OUTBOX:
            found.problem(f"outbox row {row.id} ({row.key}) is still {row.status}")
        if row.channel != "email":
            continue
        mid = message_id_for(row.key).strip()
        expected[mid] = row
        times = received.get(mid, 0)
        if row.status == "sent" and times == 0:
            found.problem(f"outbox row {row.id} ({row.key}) is sent but never arrived")
        if row.status != "sent" and times:
            found.problem(f"outbox row {row.id} ({row.key}) is {row.status} but arrived {times}x")
        if times > 1:
            died_mid_send = row.attempts > recorded.get(row.id, 0)
            if died_mid_send:
                repeats_absorbed += times - 1
            else:
                found.problem(f"outbox row {row.id} ({row.key}) arrived {times} times")
    for mid, times in received.items():
        if mid not in expected:
            found.problem(f"an email no outbox row accounts for arrived {times}x: {mid}")
    keys = {row.key for row in rows}
    for job_id, row in jobs.items():
        wants = row.status == "completed" and registry.get(row.type).notify_owner
        if wants and f"ready:{job_id}" not in keys:
            found.problem(f"job {job_id} ({row.type}) completed without its ready email")
    found.figures["emails_expected"] = sum(1 for r in expected.values() if r.status == "sent")
    found.figures["emails_received"] = sum(received.values())
    found.figures["email_repeats_same_message_id"] = repeats_absorbed
    found.figures["outbox_by_status"] = Counter(row.status for row in rows)


def check_everything(storage: Path, received: Counter[str]) -> Findings:
    """Run every end check."""
    found = Findings()
    jobs = check_jobs(found)
    check_files(found, storage, jobs)
    check_outbox(found, received, jobs)
    return found


def wait_until_final(timeout: float, app: Any, say: Callable[[str], None] = print) -> float | None:
    """Seconds waited until every job and outbox row is final; None on timeout."""
    started = time.monotonic()
    last = None
    while time.monotonic() - started < timeout:
        with app.app_context():
            try:
                jobs, rows = outstanding()
            except Exception:  # the database is still coming back: ask again
                jobs, rows = -1, -1
        if (jobs, rows) == (0, 0):
            return time.monotonic() - started
        if (jobs, rows) != last:
            say(f"waiting: {jobs} jobs not final, {rows} outbox rows not settled")
            last = (jobs, rows)
        time.sleep(1)  # polling the database for the last jobs
    return None
