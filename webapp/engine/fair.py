"""Fair claims: a job message is a ticket to run the job that should run next in its queue.

Dramatiq hands messages out in batches (prefetch) to whichever worker asks, so messages alone
let later requests overtake earlier ones, and one user's burst of exports fills every thread.
Here a delivery claims, among the due jobs of its type, the oldest one of a user who has
nothing running yet; when every waiting user has something running, simply the oldest. So a
user's requests run in the order they were made, and each user with waiting work gets a
thread before anyone gets a second one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from webapp.engine.clock import database_now, db_time
from webapp.engine.transitions import claim_in, new_message_id
from webapp.extensions import db
from webapp.models.job import PENDING, PROCESSING, Job

# After a search found only busy users, skip the search for this long: a lone user's backlog
# then costs one index lookup per claim, and a newcomer waits at most this much longer.
SOLO_MEMO_SECONDS = 1.0

_memo_lock = threading.Lock()
_solo_until: dict[tuple[str, str], float] = {}


@dataclass(frozen=True)
class Delivery:
    """What a delivery claimed, and the job it was sent for when that one must be sent again."""

    row: dict[str, Any] | None
    resend: tuple[str, str, float] | None = None  # (job id, new message id, delay seconds)
    contended: bool = False  # due work remains but others kept taking it: deliver again


def _due(job_type: str, queue: str) -> Any:
    """Pending, due, not cancelled jobs of the type, oldest first (idx_queue_status_created)."""
    return (
        select(Job.id, Job.user_id)
        .where(
            Job.queue == queue,
            Job.status == PENDING,
            Job.type == job_type,
            Job.cancel_requested.is_(False),
            Job.available_at <= db_time(),
        )
        .order_by(Job.created_at, Job.id)
    )


def _pick(job_type: str, queue: str) -> Any:
    """A scalar subquery: the id of the job that should run next (NULL when nothing is due).

    Evaluated inside the claiming UPDATE. On SQLite (one writer at a time) two workers never
    pick the same job; on PostgreSQL `FOR UPDATE SKIP LOCKED` passes over a job another worker
    is claiming at that moment.
    """
    key = (queue, job_type)
    oldest = _due(job_type, queue).with_only_columns(Job.id).limit(1)
    oldest = oldest.with_for_update(skip_locked=True).scalar_subquery()
    with _memo_lock:
        if _solo_until.get(key, 0.0) > time.monotonic():
            return oldest
    busy = select(Job.user_id).where(
        Job.queue == queue, Job.type == job_type, Job.status == PROCESSING
    )
    idle_first = (
        _due(job_type, queue)
        .with_only_columns(Job.id)
        .where(Job.user_id.not_in(busy))
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return func.coalesce(idle_first, oldest)


def _remember_solo(conn: Connection, job_type: str, queue: str, user_id: int) -> None:
    """The claimed job's owner already had one running: no idle user was waiting, so skip
    the search for a while (a lone user's backlog then costs one index lookup per claim)."""
    running = conn.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.user_id == user_id, Job.status == PROCESSING, Job.queue == queue)
        .where(Job.type == job_type)
    )
    if (running or 0) > 1:
        with _memo_lock:
            _solo_until[(queue, job_type)] = time.monotonic() + SOLO_MEMO_SECONDS


def claim_fair(
    job_id: str, job_type: str, queue: str, token: str, ticket: str | None = None
) -> Delivery:
    """A delivery for `job_id` claims the job that should run next in its type's queue.

    A message is a ticket to run one job of its type: the fair pick may be another job than
    the one the message names (an older one, or another user's). Every pending job keeps
    exactly one live message: the job that held this delivery's `ticket` (its message id)
    takes over the claimed job's message; without a ticket, the named job gets a fresh one.
    """
    for _ in range(5):  # two workers may pick the same job: the loser picks again
        with db.engine.begin() as conn:
            row = claim_in(conn, _pick(job_type, queue), token)
            if row is None:
                if conn.scalar(_due(job_type, queue).with_only_columns(Job.id).limit(1)):
                    continue  # lost a race (PostgreSQL): there is more due work
                return Delivery(None)
            _remember_solo(conn, job_type, queue, row["user_id"])
            if row["message_id"] == ticket or (ticket is None and row["id"] == job_id):
                return Delivery(dict(row))
            if ticket is not None:
                _pass_on(conn, ticket, row["message_id"])
                return Delivery(dict(row))
            return Delivery(dict(row), _new_ticket(conn, job_id))
    return Delivery(None, contended=True)


def _pass_on(conn: Connection, ticket: str, claimed_ticket: str | None) -> None:
    """The job that held the spent `ticket` takes the claimed job's message (idx_message).

    A holder locked by another worker at this moment (it is being claimed) is passed over, so
    two claims never wait on each other's rows: such a holder is running, or recovery re-sends.
    """
    holder = (
        select(Job.id)
        .where(Job.message_id == ticket, Job.status == PENDING)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    conn.execute(
        update(Job).where(Job.id == holder, Job.status == PENDING).values(message_id=claimed_ticket)
    )


def _new_ticket(conn: Connection, job_id: str) -> tuple[str, str, float] | None:
    """The job a message named, run in another's place: a fresh message id if still pending."""
    message_id = new_message_id()
    row = conn.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == PENDING)
        .values(message_id=message_id)
        .returning(Job.available_at)
    ).one_or_none()
    if row is None:
        return None
    return job_id, message_id, (row.available_at - database_now(conn)).total_seconds()


def forget() -> None:
    """Drop the memo of lone users (tests)."""
    with _memo_lock:
        _solo_until.clear()
