"""A fan-out's delivery report, read from its outbox rows: the rows are the truth, so the
report is right while the job runs, after it ends, and after the outbox retries a delivery.

Figures per channel (sent, failed, opted out, skipped for another reason, waiting, cancelled),
the failures grouped by reason, and every delivery as CSV behind a signed, expiring link.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from webapp.engine.links import absolute_url, link_ttl, path_for
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.ops import OutboxMessage
from webapp.models.sales import Customer
from webapp.notifications.announcements import OPTED_OUT
from webapp.notifications.outbox import CANCELLED, FAILED, HELD, PENDING, SENT, SKIPPED

FANOUT_TYPES = ("announcement", "order_confirmations")
CHANNEL_WORDS = {"email": N_("Email"), "sms": "SMS", "whatsapp": "WhatsApp"}  # shown through _()
NO_REASON = N_("no reason given")
COLUMNS = ("sent", "failed", "opted_out", "skipped", "waiting", "cancelled")
SALT = "delivery-report"


@dataclass
class Line:
    """One channel's figures."""

    channel: str
    label: str
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    @property
    def total(self) -> int:
        """Every delivery of the channel."""
        return sum(self.figures.values())


@dataclass
class Report:
    """Figures per channel and in total, and the failures by reason (most common first)."""

    lines: list[Line]
    totals: dict[str, int]
    reasons: list[tuple[str, int]]
    skipped_reasons: list[tuple[str, int]]

    @property
    def empty(self) -> bool:
        """No delivery written yet."""
        return not self.lines


def _column(status: str, reason: str | None) -> str:
    if status == SKIPPED:
        return "opted_out" if reason == OPTED_OUT else "skipped"
    if status in (PENDING, HELD):
        return "waiting"
    return {SENT: "sent", FAILED: "failed", CANCELLED: "cancelled"}.get(status, "waiting")


def report(job_id: str) -> Report:
    """The job's report now (two grouped reads over its rows, by idx_outbox_job)."""
    reason = func.coalesce(OutboxMessage.last_error, "")
    rows = db.session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.job_id == job_id)
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    lines: dict[str, Line] = {}
    for channel, status, number in rows:
        line = lines.setdefault(channel, Line(channel, CHANNEL_WORDS.get(channel, channel)))
        if status != SKIPPED:
            line.figures[_column(status, None)] += int(number)
    why = db.session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, reason, func.count())
        .where(OutboxMessage.job_id == job_id)
        .where(OutboxMessage.status.in_((FAILED, SKIPPED)))
        .group_by(OutboxMessage.channel, OutboxMessage.status, reason)
    ).all()
    failures: dict[str, int] = {}
    skips: dict[str, int] = {}
    for channel, status, words, number in why:
        if status == SKIPPED:
            lines[channel].figures[_column(status, words)] += int(number)
            skips[words or NO_REASON] = skips.get(words or NO_REASON, 0) + number
        else:
            key = words or NO_REASON
            failures[key] = failures.get(key, 0) + number
    ordered = [lines[c] for c in sorted(lines, key=lambda c: list(CHANNEL_WORDS).index(c)
                                        if c in CHANNEL_WORDS else 99)]  # fmt: skip
    totals = {column: sum(line.figures[column] for line in ordered) for column in COLUMNS}
    return Report(
        ordered,
        totals,
        sorted(failures.items(), key=lambda item: (-item[1], item[0]))[:20],
        sorted(skips.items(), key=lambda item: (-item[1], item[0]))[:20],
    )


def counts(job_id: str) -> dict[str, int]:
    """The report's totals, for the job's result."""
    return report(job_id).totals


def csv_rows(job_id: str) -> Iterator[str]:
    """Every delivery of the job as CSV lines, oldest first, read in pages."""
    header = ["customer_id", "customer", "channel", "recipient", "status", "reason",
              "attempts", "sent_at", "provider_id", "delivery_status"]  # fmt: skip
    yield _line(header)
    after = 0
    while True:
        rows = db.session.execute(
            select(OutboxMessage, Customer.name)
            .outerjoin(Customer, Customer.id == OutboxMessage.customer_id)
            .where(OutboxMessage.job_id == job_id, OutboxMessage.id > after)
            .order_by(OutboxMessage.id)
            .limit(2000)
        ).all()
        if not rows:
            return
        for row, name in rows:
            status = "opted out" if row.last_error == OPTED_OUT else row.status
            reason = "" if row.status == SENT else (row.last_error or "")
            yield _line([
                row.customer_id or "", _safe(name or ""), row.channel, _safe(row.recipient),
                status, _safe(reason), row.attempts,
                row.sent_at.isoformat() if row.sent_at else "", row.provider_id or "",
                row.delivery_status or "",
            ])  # fmt: skip
        after = rows[-1][0].id


def _line(values: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def _safe(text: str) -> str:
    """Text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def signed_csv_url(job_id: str, external: bool = False) -> str:
    """A link to the job's report as CSV, valid DOWNLOAD_LINK_TTL seconds."""
    token = str(_serializer().dumps([job_id, link_ttl()]))
    if external:
        return absolute_url("notify.report_csv", token=token)
    return path_for("notify.report_csv", token=token)


def read_csv_token(token: str) -> tuple[str, bool] | None:
    """(job id, expired) from a genuine token, else None."""
    try:
        payload, made_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], str)):
        return None
    ttl = payload[1] if isinstance(payload[1], int) and not isinstance(payload[1], bool) else 0
    return payload[0], made_at.timestamp() + ttl < time.time()
