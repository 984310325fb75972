"""The outbox: what must reach the outside world, written in the transaction that caused it.

`add()` inserts a row inside the caller's transaction; once that commits, `dispatch()` sends
one `deliver_outbox` message per row. The actor claims the row with a conditional UPDATE
(so two copies of a message never send twice at once), sends, and records the attempt; a
failure is retried with backoff. The scheduler's `resend_due()` finds rows whose message was
lost (a crash after the commit, Redis restarted) and sends them again. A fan-out job writes
its rows `held` and sends them itself, in batches, with the same claim and the same record
(webapp.notifications.fanout); what it cannot finish it hands over here as `pending`.

Each row has a unique `key`: a webhook carries it as `Idempotency-Key` and `webhook-id`, an
SMS as `Idempotency-Key`, an email's Message-ID is made from it. A claim whose sender died
before recording the outcome leaves the row `in_doubt`: the next send of it carries the same
key, so a receiver can drop the repeat, and an SMS first asks the provider whether it went.

Channels (webapp.notifications.channels): "email", "sms", "whatsapp", "webhook" (an alert's
JSON POST) and "job_webhook" (a job's status, signed per Standard Webhooks). Every attempt is
a row of `outbox_attempts`; a job webhook's attempts are also lines on the job's timeline.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import dramatiq
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    event,
    insert,
    or_,
    select,
    true,
    update,
)

from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.models.api import OutboxAttempt
from webapp.models.job import Job, JobEvent
from webapp.models.ops import OutboxMessage
from webapp.notifications import pace
from webapp.notifications.channels import Delivery, Senders
from webapp.notifications.errors import (
    Permanent,
    RateLimited,
    Sent,
    Skip,
    Transient,
)

log = logging.getLogger("tamam.outbox")

ACTOR = "deliver_outbox"
PENDING, SENT, FAILED = "pending", "sent", "failed"
HELD, SKIPPED, CANCELLED = "held", "skipped", "cancelled"
LOST_AFTER = 30.0  # seconds a due row nobody picked up waits before it is re-sent
MAX_INLINE_WAIT = 5.0  # a delivery waits this long for its channel's slot; longer: re-queued

__all__ = ["Sent", "add", "deliver", "dispatch", "dispatch_after_commit", "resend_due"]


def lease_seconds() -> float:
    """How long a sender holds a row (OUTBOX_SEND_LEASE_SECONDS); then it may be sent again."""
    return float(current_app.config.get("OUTBOX_SEND_LEASE_SECONDS", 120))


def add(
    conn: Connection,
    key: str,
    channel: str,
    recipient: str,
    subject: str,
    body: dict[str, Any],
) -> int:
    """Write a delivery in the caller's transaction; returns its id."""
    return int(
        conn.execute(
            insert(OutboxMessage)
            .values(
                key=key[:120], channel=channel, recipient=recipient[:500],
                subject=subject[:255], body=body, status=PENDING,
                created_at=db_time(), next_attempt_at=db_time(),
            )
            .returning(OutboxMessage.id)
        ).scalar_one()
    )  # fmt: skip


def dispatch(ids: Iterable[int], delay: float | None = None) -> None:
    """After the commit: one message per delivery. Redis down: the scheduler sends them later."""
    broker = dramatiq.get_broker()
    try:
        actor = broker.get_actor(ACTOR)
        for outbox_id in ids:
            actor.send_with_options(args=(outbox_id,), delay=int(delay * 1000) if delay else None)
    except (RedisError, OSError) as exc:
        log.warning("Outbox deliveries not queued yet (%s); the scheduler will", exc)


_AFTER_COMMIT = "tamam_outbox_after_commit"
_listening: weakref.WeakSet[Engine] = weakref.WeakSet()


def dispatch_after_commit(conn: Connection, ids: Iterable[int]) -> None:
    """Send these deliveries once `conn`'s transaction has committed; forget them on rollback.

    The ids wait on the connection until it goes back to the pool (after the commit of
    `engine.begin()` or a session's commit). A message that went out anyway for a row that was
    rolled back finds nothing and does nothing; one that never went out is re-sent by
    `resend_due()`.
    """
    engine = conn.engine
    if engine not in _listening:
        event.listen(engine, "rollback", _forget_pending)
        event.listen(engine, "checkin", _send_pending)
        _listening.add(engine)
    conn.info.setdefault(_AFTER_COMMIT, []).extend(ids)


def _forget_pending(conn: Connection) -> None:
    conn.info.pop(_AFTER_COMMIT, None)


def _send_pending(_dbapi_connection: Any, record: Any) -> None:
    ids = record.info.pop(_AFTER_COMMIT, None)
    if ids:
        try:
            dispatch(ids)
        except Exception:  # never break the pool; resend_due() sends them later
            log.exception("Outbox deliveries %s not queued after commit", ids)


def backoff_seconds(attempt: int) -> float:
    """30 s, 1 min, 2 min ... at most an hour, before attempt `attempt + 1`."""
    return float(min(3600, 30 * 2 ** max(0, attempt - 1)))


def claim_values() -> dict[str, Any]:
    """What a claim sets: the sender's lease, one more attempt, and `in_doubt` when the last
    claim never recorded its outcome (its sender died after perhaps sending)."""
    return {
        "sending_until": db_time(lease_seconds()),
        "attempts": OutboxMessage.attempts + 1,
        "in_doubt": case(
            (OutboxMessage.sending_until.is_not(None), true()), else_=OutboxMessage.in_doubt
        ),
    }


def claimable() -> Any:
    """No sender holds the row now (never claimed, or its lease ran out)."""
    return or_(OutboxMessage.sending_until.is_(None), OutboxMessage.sending_until < db_time())


def _claim(outbox_id: int) -> OutboxMessage | None:
    """Take the row for one send: due, pending, and no other sender holding it."""
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == outbox_id,
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= db_time(),
                claimable(),
            )
            .values(**claim_values())
        )
        if taken.rowcount != 1:
            return None
    return db.session.get(OutboxMessage, outbox_id, populate_existing=True)


def deliver(outbox_id: int) -> str | None:
    """Send one delivery now; returns its new status, None when there was nothing to do."""
    row = _claim(outbox_id)
    if row is None:
        return None
    wait = pace.current().reserve(row.channel, pace.rate_of(row.channel))
    if wait > MAX_INLINE_WAIT:  # the channel is busy for a while: come back in its slot
        _release(row.id, wait)
        dispatch([row.id], delay=wait)
        return PENDING
    if wait > 0:
        time.sleep(wait)
    with Senders() as senders:
        outcome = attempt(row, senders)
    if outcome.kind == "limited":
        pace.current().pause(row.channel, outcome.retry_after)
    with db.engine.begin() as conn:
        later = record(conn, [(row, outcome)])
    dispatch_later(later)
    return outcome.new_status(row)


def dispatch_later(later: Sequence[tuple[int, float]]) -> None:
    """After the commit: each (row id, delay) handed back for a later attempt."""
    for outbox_id, delay in later:
        dispatch([outbox_id], delay=delay)


def _release(outbox_id: int, wait: float) -> None:
    """Give a claimed row back unsent, due again in `wait` seconds (the attempt not counted)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.status == PENDING)
            .values(
                sending_until=None,
                attempts=OutboxMessage.attempts - 1,
                next_attempt_at=db_time(wait),
            )
        )


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: sent, skipped, failed (for good), retry (later) or limited (429).

    `maybe_sent`: the request may have reached the receiver (it stays in doubt).
    """

    kind: str
    duration_ms: int = 0
    status_code: int | None = None
    provider_id: str | None = None
    error: str | None = None
    maybe_sent: bool = False
    opted_out: bool = False
    retry_after: float = 0.0

    def new_status(self, row: Any) -> str:
        """The row's status once this outcome is recorded."""
        if self.kind == "sent":
            return SENT
        if self.kind == "skipped":
            return SKIPPED
        if self.kind == "failed" or (self.kind == "retry" and row.attempts >= row.max_attempts):
            return FAILED
        return PENDING


def attempt(row: Delivery, senders: Senders) -> Outcome:
    """Send the row once through `senders`; never raises (the outcome says what happened)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        sent = senders.send(row)
    except Skip as exc:
        return Outcome("skipped", took(), error=str(exc))
    except RateLimited as exc:
        return Outcome("limited", took(), 429, error=str(exc), retry_after=exc.retry_after)
    except Permanent as exc:
        return Outcome("failed", took(), exc.http_status, error=str(exc), opted_out=exc.opted_out)
    except Transient as exc:
        return Outcome("retry", took(), exc.http_status, error=str(exc), maybe_sent=exc.maybe_sent)
    except Exception as exc:  # a bug or an unexpected answer: retried with backoff, recorded
        code = getattr(exc, "http_status", None)
        return Outcome("retry", took(), code, error=f"{type(exc).__name__}: {exc}"[:2000])
    return Outcome("sent", sent.duration_ms or took(), sent.status, sent.provider_id)


def record(conn: Connection, results: Sequence[tuple[Any, Outcome]]) -> list[tuple[int, float]]:
    """Write each attempt and the rows' new states in one transaction (a batch at a time).

    Returns (id, delay) of the rows handed back as pending for a later attempt: the caller
    dispatches them once this commits (`dispatch_later`).
    """
    if not results:
        return []
    now_values = {"sending_until": None}
    sent = [(r, o) for r, o in results if o.kind == "sent"]
    if sent:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("row_id"))
            .values(
                status=SENT,
                sent_at=db_time(),
                provider_id=bindparam("pid"),
                last_error=None,
                in_doubt=False,
                **now_values,
            ),
            [{"row_id": r.id, "pid": (o.provider_id or "")[:255] or None} for r, o in sent],
        )
    ended = [(r, o) for r, o in results if o.new_status(r) in (SKIPPED, FAILED)]
    if ended:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("row_id"))
            .values(status=bindparam("new_status"), last_error=bindparam("error"), **now_values),
            [{"row_id": r.id, "new_status": o.new_status(r), "error": o.error} for r, o in ended],
        )
        opted = [(r, o) for r, o in ended if o.opted_out]
        if opted:
            from webapp.notifications.optouts import opt_out_rows

            opt_out_rows(conn, [r.id for r, _ in opted], "provider")
    later = [(r, o) for r, o in results if o.new_status(r) == PENDING and o.kind != "sent"]
    delays = []
    for row, outcome in later:
        limited = outcome.kind == "limited"
        delay = outcome.retry_after if limited else backoff_seconds(row.attempts)
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                status=PENDING,
                last_error=outcome.error,
                next_attempt_at=db_time(delay),
                in_doubt=outcome.maybe_sent or (row.in_doubt and not limited),
                attempts=OutboxMessage.attempts - 1 if limited else OutboxMessage.attempts,
                **now_values,
            )
        )
        delays.append((int(row.id), delay))
        log.warning("Outbox %d to %s: attempt %d did not go through, again in %.0f s: %s",
                    row.id, row.recipient, row.attempts, delay, outcome.error)  # fmt: skip
    note_attempts(conn, results)
    for row, outcome in results:
        if row.channel == "job_webhook":
            _on_job_timeline(conn, row, outcome)
        if outcome.new_status(row) == FAILED:
            log.error("Outbox %d to %s failed after %d attempt(s): %s",
                      row.id, row.recipient, row.attempts, outcome.error)  # fmt: skip
    return delays


def note_attempts(conn: Connection, results: Sequence[tuple[Any, Outcome]]) -> None:
    """Only the attempts' lines (a 429 the fan-out waits out and sends again itself)."""
    if results:
        conn.execute(
            insert(OutboxAttempt).values(at=db_time()),
            [
                {
                    "outbox_id": r.id,
                    "status_code": o.status_code,
                    "duration_ms": o.duration_ms,
                    "error": o.error,
                }
                for r, o in results
            ],
        )


def _on_job_timeline(conn: Connection, row: Any, outcome: Outcome) -> None:
    """A job webhook's attempt, as a line on the job's timeline."""
    job_id = row.body.get("job_id")
    if isinstance(job_id, str) and conn.scalar(select(Job.id).where(Job.id == job_id)):
        answer = (
            f"HTTP {outcome.status_code}" if outcome.status_code else (outcome.error or "no answer")
        )
        conn.execute(
            insert(JobEvent).values(
                job_id=job_id, kind="webhook", attempt=row.attempts, at=db_time(),
                detail=f"Webhook to {row.recipient}: {answer} in {outcome.duration_ms} ms"[:2000],
            )
        )  # fmt: skip


def attempts_of(outbox_id: int) -> list[OutboxAttempt]:
    """A delivery's attempts, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.outbox_id == outbox_id)
            .order_by(OutboxAttempt.id)
        )
    )


def resend_due() -> int:
    """Re-send deliveries that are due but that no message is carrying (the scheduler)."""
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at < db_time(-LOST_AFTER),
            claimable(),
        )
        .order_by(OutboxMessage.next_attempt_at)
        .limit(500)
    ).all()
    if ids:  # due again from now: the next pass leaves them to these messages for a while
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING)
            .values(next_attempt_at=db_time())
        )
    db.session.commit()
    if ids:
        dispatch(ids)
        log.warning("Outbox: %d deliveries re-sent (their messages were lost)", len(ids))
    return len(ids)
