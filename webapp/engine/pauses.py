"""Paused queues: their jobs stay pending, deliveries leave them alone, resume sends them again.

A delivery for a paused queue claims nothing and is dropped; the row keeps waiting, and
recovery does not re-send a paused queue's jobs. Resuming hands every waiting job a fresh
message (the first batch at once, the rest by recovery's scan, which resumes where it stopped).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models.ops import QueuePause
from webapp.models.user import User

log = logging.getLogger("tamam.pauses")


@dataclass(frozen=True)
class Pause:
    """A paused queue: since when, and by whom."""

    queue: str
    paused_at: datetime
    paused_by: str


def paused_queues() -> dict[str, Pause]:
    """Every paused queue, by name (one small table)."""
    rows = db.session.execute(
        select(QueuePause.queue, QueuePause.paused_at, User.email).outerjoin(
            User, User.id == QueuePause.paused_by_id
        )
    ).all()
    return {q: Pause(q, at, email or "someone since removed") for q, at, email in rows}


def is_paused(queue: str) -> bool:
    """Is `queue` paused right now? One primary-key lookup, in its own transaction."""
    with db.engine.connect() as conn:
        return conn.scalar(select(QueuePause.queue).where(QueuePause.queue == queue)) is not None


def pause(queue: str, user: User | None) -> bool:
    """Pause `queue`; False when it already was."""
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(QueuePause).values(
                    queue=queue, paused_by_id=user.id if user is not None else None
                )
            )
    except IntegrityError:
        return False
    log.warning("Queue %s paused by %s", queue, user.email if user is not None else "the system")
    return True


def resume(queue: str, user: User | None) -> int | None:
    """Resume `queue` and send its waiting jobs; None when it was not paused, else how many
    jobs were sent at once (the rest, beyond one batch, follow with recovery's next passes)."""
    with db.engine.begin() as conn:
        if conn.execute(delete(QueuePause).where(QueuePause.queue == queue)).rowcount != 1:
            return None
    log.warning("Queue %s resumed by %s", queue, user.email if user is not None else "the system")
    from webapp.engine.recovery import resend_queue

    return resend_queue(queue)
