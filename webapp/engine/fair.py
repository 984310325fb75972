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

from sqlalchemy import Connection, bindparam, exists, func, select, update

from webapp.database import write_transaction
from webapp.engine.clock import database_now, db_time
from webapp.engine.transitions import claim_params, claim_with, claimable, new_message_id
from webapp.extensions import db
from webapp.models.job import PENDING, PROCESSING, Job
from webapp.models.ops import QueuePause

# After a claim found the owner already had one running (so no idle user was waiting), skip
# the search for this long: a lone user's backlog then costs one index lookup per claim, and a
# newcomer waits at most this much longer.
SOLO_MEMO_SECONDS = 1.0

_memo_lock = threading.Lock()
_solo_until: dict[tuple[str, str], float] = {}


@dataclass(frozen=True)
class Delivery:
    """What a delivery claimed, and the job it was sent for when that one must be sent again."""

    row: dict[str, Any] | None
    resend: tuple[str, str, float] | None = None  # (job id, new message id, delay seconds)
    contended: bool = False  # due work remains but others kept taking it: deliver again
    paused: bool = False  # the queue is paused: the job waits as it is


_jobs = Job.__table__


def _due() -> Any:
    """Pending, due, not cancelled jobs of :job_type in :queue, oldest first
    (idx_queue_status_created)."""
    return (
        select(_jobs.c.id)
        .where(
            _jobs.c.queue == bindparam("in_queue"),
            _jobs.c.status == PENDING,
            _jobs.c.type == bindparam("job_type"),
            _jobs.c.cancel_requested.is_(False),
            _jobs.c.available_at <= db_time(),
        )
        .order_by(_jobs.c.created_at, _jobs.c.id)
    )


def _fair_claim(search: bool) -> Any:
    """The claim of the job that should run next, built once (`search`: idle users first).

    The pick is a scalar subquery evaluated inside the claiming UPDATE (NULL when nothing is
    due). On SQLite (one writer at a time) two workers never pick the same job; on PostgreSQL
    `FOR UPDATE SKIP LOCKED` passes over a job another worker is claiming at that moment. A
    paused queue's jobs are not claimed.
    """
    oldest = _due().limit(1).with_for_update(skip_locked=True).scalar_subquery()
    pick: Any = oldest
    if search:
        busy = select(_jobs.c.user_id).where(
            _jobs.c.queue == bindparam("in_queue"),
            _jobs.c.type == bindparam("job_type"),
            _jobs.c.status == PROCESSING,
        )
        idle_first = (
            _due()
            .where(_jobs.c.user_id.not_in(busy))
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        pick = func.coalesce(idle_first, oldest)
    paused = exists().where(QueuePause.queue == _jobs.c.queue)
    return claimable(pick).where(~paused)


_CLAIM_SEARCH, _CLAIM_OLDEST = _fair_claim(True), _fair_claim(False)
_ANY_DUE = _due().limit(1)
_PAUSED = select(QueuePause.queue).where(QueuePause.queue == bindparam("in_queue"))


def _solo(key: tuple[str, str]) -> bool:
    with _memo_lock:
        return _solo_until.get(key, 0.0) > time.monotonic()


def _remember_solo(key: tuple[str, str]) -> None:
    """The claimed job's owner already had one running: no idle user was waiting, so skip
    the search for a while (a lone user's backlog then costs one index lookup per claim)."""
    with _memo_lock:
        _solo_until[key] = time.monotonic() + SOLO_MEMO_SECONDS


def claim_fair(
    job_id: str, job_type: str, queue: str, token: str, ticket: str | None = None
) -> Delivery:
    """A delivery for `job_id` claims the job that should run next in its type's queue.

    A message is a ticket to run one job of its type: the fair pick may be another job than
    the one the message names (an older one, or another user's). Every pending job keeps
    exactly one live message: the job that held this delivery's `ticket` (its message id)
    takes over the claimed job's message; without a ticket, the named job gets a fresh one.
    """
    key = (queue, job_type)
    params = claim_params(token, in_queue=queue, job_type=job_type)
    for _ in range(5):  # two workers may pick the same job: the loser picks again
        with write_transaction(db.engine) as conn:
            solo = _solo(key)
            row = claim_with(conn, _CLAIM_OLDEST if solo else _CLAIM_SEARCH, params)
            if row is None:
                if conn.scalar(_PAUSED, params) is not None:
                    return Delivery(None, paused=True)
                if conn.scalar(_ANY_DUE, params):
                    continue  # lost a race (PostgreSQL): there is more due work
                return Delivery(None)
            if row.pop("others_running") and not solo:
                _remember_solo(key)
            if row["message_id"] == ticket or (ticket is None and row["id"] == job_id):
                return Delivery(row)
            if ticket is not None:
                _pass_on(conn, ticket, row["message_id"])
                return Delivery(row)
            return Delivery(row, _new_ticket(conn, job_id))
    return Delivery(None, contended=True)


_PASS_ON = (
    update(_jobs)
    .where(
        _jobs.c.id
        == select(_jobs.c.id)
        .where(_jobs.c.message_id == bindparam("ticket"), _jobs.c.status == PENDING)
        .with_for_update(skip_locked=True)
        .scalar_subquery(),
        _jobs.c.status == PENDING,
    )
    .values(message_id=bindparam("claimed"))
)


def _pass_on(conn: Connection, ticket: str, claimed_ticket: str | None) -> None:
    """The job that held the spent `ticket` takes the claimed job's message (idx_message).

    A holder locked by another worker at this moment (it is being claimed) is passed over, so
    two claims never wait on each other's rows: such a holder is running, or recovery re-sends.
    """
    conn.execute(_PASS_ON, {"ticket": ticket, "claimed": claimed_ticket})


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
