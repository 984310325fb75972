"""The admins' machinery: paused queues, the audit log, alerts, per-minute job figures, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.user import User


class QueuePause(db.Model):
    """A paused queue: its jobs stay pending and workers leave them alone until resumed."""

    __tablename__ = "queue_pauses"

    queue: Mapped[str] = mapped_column(String(50), primary_key=True)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    paused_by: Mapped[User | None] = relationship(lazy="joined")


class AuditEvent(db.Model):
    """One admin action: who did what to which job or queue, when, and from which address."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("idx_audit_at", "at", "id"),
        Index("idx_audit_target", "target_kind", "target_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(255), default="")  # kept if the user goes
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(20))  # job | queue | jobs | alert
    target_id: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class Alert(db.Model):
    """An alert's lifecycle: opened, re-notified while open, resolved; history is kept."""

    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open alert per key: two checks racing cannot both open it.
        Index(
            "idx_alerts_open",
            "key",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("idx_alerts_opened", "opened_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))  # kind:queue, e.g. backlog:exports
    kind: Mapped[str] = mapped_column(String(30))
    queue: Mapped[str] = mapped_column(String(50), default="")
    summary: Mapped[str] = mapped_column(Text)  # the figures in words, as first seen
    latest: Mapped[str] = mapped_column(Text, default="")  # the figures at the last check
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonitorMark(db.Model):
    """A figure the monitor compares between checks (dead letters per queue)."""

    __tablename__ = "monitor_marks"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobMinute(db.Model):
    """Jobs that finished in one minute, per queue and type: counts and duration histograms."""

    __tablename__ = "job_minutes"

    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    queue: Mapped[str] = mapped_column(String(50), primary_key=True)
    type: Mapped[str] = mapped_column(String(50), primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    wait_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # bucket -> count
    run_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    run_sum: Mapped[float] = mapped_column(Float, default=0.0)


class JobTotal(db.Model):
    """Since the first roll-up: finished jobs per type and status, and duration histograms.

    Only ever grows, so /metrics can expose true Prometheus counters from every process alike.
    """

    __tablename__ = "job_totals"

    type: Mapped[str] = mapped_column(String(50), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    run_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    run_sum: Mapped[float] = mapped_column(Float, default=0.0)
    wait_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)


class OutboxMessage(db.Model):
    """Something that must reach the outside world, written in the transaction that caused it.

    Delivered afterwards by an actor with retries; `key` makes each delivery happen once.
    A fan-out job's rows carry its `job_id` and stay `held` (sent by the job itself, never by
    the outbox's actor) until the job sends them or hands them over as `pending`.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("idx_outbox_due", "status", "next_attempt_at"),
        Index("idx_outbox_job", "job_id", "status", "id"),
        Index("idx_outbox_provider", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # idempotency key
    channel: Mapped[str] = mapped_column(String(20))  # email|webhook|job_webhook|sms|whatsapp
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending | sent | failed | held (a fan-out job's) | skipped (opted out...) | cancelled
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a sender's claim
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    job_id: Mapped[str | None] = mapped_column(String(50))  # the fan-out job that wrote it
    customer_id: Mapped[int | None] = mapped_column(Integer)  # whom it is for, when a customer
    # The last claim ended without a recorded outcome (its sender died): it may have gone out.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the provider said later (a status callback): delivered, undelivered, failed...
    delivery_status: Mapped[str | None] = mapped_column(String(20))
