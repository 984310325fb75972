"""Fan-out: one job sends a message to thousands, batch by batch, each delivery an outbox row.

For each batch of recipients the job writes its rows in one transaction (`held`: the job
sends them itself, the outbox's actor leaves them alone), then claims them a group at a time
(the outbox's conditional UPDATE with a lease), sends each over connections kept for the whole
job (one SMTP session, one HTTPS connection) at the channel's rate, and records outcomes every
FLUSH_EVERY sends. One Dramatiq message per row would cost a broker round trip, a claim, a
connection and a commit per message: this costs a few statements per batch, and a worker
killed mid-fan-out leaves at most FLUSH_EVERY sends unrecorded (in doubt, see outbox).

Keys make every delivery happen once: an announcement's are "<job>:<channel>:<customer>", an
order confirmation's "order:<number>:<channel>" (whichever job sends it first). A second
attempt of the job (the first one's worker died) writes the same batches again, which adds
nothing, and sends what is still held. A cancel stops at the next group: what was sent stays
sent, what was not is cancelled. Rows a dead sender still holds (its lease has not run out)
are handed over to the outbox, which sends them when the lease ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from webapp.engine.clock import database_now, db_time
from webapp.engine.errors import JobCancelled
from webapp.engine.registry import JobContext
from webapp.extensions import db
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox, pace
from webapp.notifications.channels import Senders
from webapp.notifications.outbox import CANCELLED, HELD, PENDING, SKIPPED, Outcome
from webapp.notifications.rows import insert_ignoring

log = logging.getLogger("tamam.fanout")

GROUP = 100  # rows claimed at a time
FLUSH_EVERY = 25  # sends between two records: at most this many in doubt after a crash
LONG_WAIT = 5.0  # a slot further away than this: the group is given back while waiting
BULK_MAX_ATTEMPTS = 5
COLUMNS = (
    OutboxMessage.id, OutboxMessage.key, OutboxMessage.channel, OutboxMessage.recipient,
    OutboxMessage.subject, OutboxMessage.body, OutboxMessage.in_doubt, OutboxMessage.created_at,
    OutboxMessage.attempts, OutboxMessage.max_attempts, OutboxMessage.customer_id,
)  # fmt: skip
sleep = time.sleep  # tests replace it to see the waits asked for
TAKEN = {"failed": "already tried, and failed,", "cancelled": "cancelled"}


@dataclass
class Draft:
    """One delivery to write: `held` to send, or `skipped` / `failed` with a reason now."""

    key: str
    channel: str
    recipient: str
    subject: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    status: str = HELD
    reason: str | None = None


@dataclass
class Batch:
    """The drafts for `units` recipients (customers, or orders)."""

    units: int
    drafts: list[Draft]


class FanOut:
    """One attempt of a fan-out job: writes, sends and records its rows."""

    def __init__(self, ctx: JobContext, total: int, unit: str, channels: Iterable[str]) -> None:
        self.ctx, self.job_id, self.total, self.unit = ctx, ctx.job_id, max(0, total), unit
        rates = [r for r in (pace.rate_of(c) for c in channels) if r > 0]
        lease = outbox.lease_seconds()
        # A group must be sent well within its lease, at the slowest channel's rate.
        self.group = min(GROUP, max(1, int(min(rates) * lease / 2))) if rates else GROUP
        self.done = 0.0  # recipients of the batches finished
        self.reached = 0.0  # and of the batch under way, as last reported
        self.senders = Senders()
        self.pace = pace.current()

    def run(self, batches: Iterable[Batch]) -> None:
        """Write and send every batch; on a cancel, stop after recording what went out."""
        try:
            with self.senders:
                for batch in batches:
                    self.write(batch.drafts)
                    self.send_held(batch)
                    self.done += batch.units
                    self.progress()
        except JobCancelled as stopped:
            cancelled = self.cancel_rest()
            raise JobCancelled(
                self.job_id,
                detail=f"stopped after {int(self.reached):,} of {self.total:,} {self.unit}; "
                f"{cancelled:,} messages not sent",
                result=stopped.result,
            ) from None
        self.hand_over()

    def progress(self, batch: Batch | None = None, share: float = 0.0) -> None:
        """Report how far it is (raises JobCancelled when its owner asked to stop)."""
        done = self.done + (batch.units * share if batch else 0)
        self.reached = done
        percent = min(99, int(done * 100 / self.total)) if self.total else 99
        self.ctx.progress(percent, f"{int(done):,} of {self.total:,} {self.unit} done")

    def write(self, drafts: list[Draft]) -> None:
        """Insert the batch's rows in one transaction; keys that exist add nothing.

        A key another job already holds (an order confirmed before) is noted with a skipped
        row of this job's own, so the job's report says why it sent nothing there.
        """
        if not drafts:
            return
        rows = [self._values(d) for d in drafts]
        with db.engine.begin() as conn:
            statement = insert_ignoring(conn, OutboxMessage, ["key"])
            conn.execute(statement.values(created_at=db_time(), next_attempt_at=db_time()), rows)
            taken = conn.execute(
                select(OutboxMessage.key, OutboxMessage.job_id, OutboxMessage.status).where(
                    OutboxMessage.key.in_([r["key"] for r in rows]),
                    (OutboxMessage.job_id != self.job_id) | OutboxMessage.job_id.is_(None),
                )
            ).all()
            if taken:
                by_key = {d.key[:120]: d for d in drafts}
                again = [
                    self._values(
                        by_key[key], key=f"{key}:again:{self.job_id}"[:120], status=SKIPPED,
                        reason=f"{TAKEN.get(status, 'already sent')} by an earlier job "
                               f"({other or 'not a job'})",
                    )
                    for key, other, status in taken
                ]  # fmt: skip
                conn.execute(
                    statement.values(created_at=db_time(), next_attempt_at=db_time()), again
                )

    def _values(self, draft: Draft, **over: Any) -> dict[str, Any]:
        """A row's columns. A draft skipped or failed at once keeps its key free (its own is
        the job's): a later job may send it when the customer has a phone, or opts in again."""
        key = draft.key if draft.status == HELD else f"{draft.key}:{draft.status}:{self.job_id}"
        values = {
            "key": key[:120], "channel": draft.channel, "recipient": draft.recipient[:500],
            "subject": draft.subject[:255], "body": draft.body, "status": draft.status,
            "job_id": self.job_id, "customer_id": draft.customer_id, "last_error": draft.reason,
            "attempts": 0, "max_attempts": BULK_MAX_ATTEMPTS, "in_doubt": False,
        }  # fmt: skip
        values.update(over)
        if "reason" in over:
            values["last_error"] = values.pop("reason")
        return values

    def claim(self) -> list[Any]:
        """Take the next group of this job's held rows that no live sender holds."""
        with db.engine.begin() as conn:
            ids = (
                select(OutboxMessage.id)
                .where(OutboxMessage.job_id == self.job_id, OutboxMessage.status == HELD)
                .where(outbox.claimable())
                .order_by(OutboxMessage.id)
                .limit(self.group)
            )
            rows = conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == HELD, outbox.claimable())
                .values(**outbox.claim_values())
                .returning(*COLUMNS)
            ).all()
        return sorted(rows, key=lambda row: row.id)

    def send_held(self, batch: Batch) -> None:
        """Send every held row of the job, a group at a time, reporting progress between."""
        rows_in_batch = max(1, sum(1 for d in batch.drafts if d.status == HELD))
        sent = 0
        while rows := self.claim():
            sent += self.send_group(rows)
            self.progress(batch, min(1.0, sent / rows_in_batch))

    def send_group(self, rows: list[Any]) -> int:
        """Send a claimed group, recording every FLUSH_EVERY sends; returns the rows handled.

        A row counts as handled from the moment its send starts: if the thread is stopped
        during the send, the row keeps its claim and is in doubt for whoever sends it next.
        """
        results: list[tuple[Any, Outcome]] = []
        limited: list[tuple[Any, Outcome]] = []
        handled, wait_after = 0, 0.0
        try:
            for index, row in enumerate(rows):
                wait = self.pace.reserve(row.channel, pace.rate_of(row.channel))
                if wait > LONG_WAIT:  # give the rest back and wait, still cancellable
                    self._release(rows[index:])
                    handled, wait_after = len(rows), wait
                    break
                if wait > 0:
                    sleep(wait)
                handled = index + 1
                outcome = outbox.attempt(row, self.senders)
                if outcome.kind == "limited":  # 429: nothing sent; every sender waits
                    self.pace.pause(row.channel, outcome.retry_after)
                    limited.append((row, outcome))
                    self._release(rows[index:])
                    handled, wait_after = len(rows), outcome.retry_after
                    break
                results.append((row, outcome))
                if len(results) >= FLUSH_EVERY:
                    self._flush(results)
        except BaseException:
            self._release(rows[handled:])
            raise
        finally:
            self._flush(results, limited)
        if wait_after:
            self.wait_out(wait_after)
        return handled

    def _flush(self, results: list[tuple[Any, Outcome]],
               limited: list[tuple[Any, Outcome]] | None = None) -> None:  # fmt: skip
        """Record outcomes (and a 429's attempt line) in one transaction; empties `results`."""
        if not results and not limited:
            return
        with db.engine.begin() as conn:
            later = outbox.record(conn, results)
            outbox.note_attempts(conn, limited or [])
        outbox.dispatch_later(later)
        results.clear()
        if limited:
            limited.clear()

    def _release(self, rows: list[Any]) -> None:
        """Give claimed rows back unsent (their claim not counted as an attempt)."""
        if not rows:
            return
        with db.engine.begin() as conn:
            conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows]), OutboxMessage.status == HELD)
                .values(sending_until=None, attempts=OutboxMessage.attempts - 1)
            )

    def wait_out(self, seconds: float) -> None:
        """Wait a second at a time, reporting progress between (a cancel stops the wait)."""
        left = seconds
        while left > 0:
            sleep(min(1.0, left))
            left -= 1.0
            self.progress()

    def cancel_rest(self) -> int:
        """Cancel every row not yet sent; hand over those a sender may have sent. How many."""
        with db.engine.begin() as conn:
            # The keys are freed too: a later job may still send an order's confirmation.
            cancelled = conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.job_id == self.job_id, OutboxMessage.status == HELD)
                .where(OutboxMessage.in_doubt.is_(False), OutboxMessage.sending_until.is_(None))
                .values(
                    status=CANCELLED,
                    last_error="cancelled before it was sent",
                    key=func.substr(OutboxMessage.key + f":cancelled:{self.job_id}", 1, 120),
                )
            ).rowcount
        self.hand_over()
        log.info("Fan-out %s cancelled: %d messages not sent", self.job_id, cancelled)
        return int(cancelled or 0)

    def hand_over(self) -> None:
        """Rows still held (a dead sender's, or in doubt) go to the outbox, due when free."""
        with db.engine.begin() as conn:
            now = database_now(conn)
            rows = conn.execute(
                select(OutboxMessage.id, OutboxMessage.sending_until).where(
                    OutboxMessage.job_id == self.job_id, OutboxMessage.status == HELD
                )
            ).all()
            for row in rows:
                free_at = max(now, row.sending_until or now)
                conn.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.status == HELD)
                    .values(status=PENDING, next_attempt_at=free_at)
                )
        for row in rows:
            delay = max(0.0, ((row.sending_until or now) - now).total_seconds()) + 0.5
            outbox.dispatch([row.id], delay=delay)
        if rows:
            log.info("Fan-out %s: %d deliveries handed to the outbox", self.job_id, len(rows))


def batch_size() -> int:
    """Recipients per batch (NOTIFY_BATCH_SIZE)."""
    return max(1, int(current_app.config.get("NOTIFY_BATCH_SIZE", 500)))
