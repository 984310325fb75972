"""The job row: the single source of truth about a piece of long-running work (seed 001, §4)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.user import User

PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED = (
    "pending",
    "processing",
    "completed",
    "failed",
    "cancelled",
)
STATUSES = (PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED)
ACTIVE_STATUSES = (PENDING, PROCESSING)
FINAL_STATUSES = (COMPLETED, FAILED, CANCELLED)


def new_job_id(now: datetime | None = None) -> str:
    """Return an unguessable id in the seed's shape: job-YYYYMMDD- and 128 random bits."""
    day = (now or utcnow()).strftime("%Y%m%d")
    return f"job-{day}-{secrets.token_urlsafe(16)}"


class Job(db.Model):
    """One unit of work, from pending to completed, failed or cancelled."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')",
            name="ck_jobs_status",
        ),
        CheckConstraint("progress BETWEEN 0 AND 100", name="ck_jobs_progress"),
        # Each list filter has an index in its sort order (created_at, id), so a page at a
        # million rows reads one page of index entries; ETA and recovery have theirs.
        Index("idx_user_status", "user_id", "status", "created_at", "id"),
        Index("idx_created", "created_at", "id"),
        Index("idx_expires", "expires_at"),
        Index("idx_user_created", "user_id", "created_at", "id"),
        Index("idx_status_available", "status", "available_at"),
        Index("idx_status_created", "status", "created_at", "id"),
        Index("idx_type_created", "type", "created_at", "id"),
        Index("idx_type_status_completed", "type", "status", "completed_at"),
        Index("idx_queue_status_created", "queue", "status", "created_at", "id"),
        Index("idx_queue_status_available", "queue", "status", "available_at"),  # oldest wait
        Index("idx_message", "message_id"),  # a spent ticket's holder (webapp.engine.fair)
        Index("idx_status_failed", "status", "failed_at", "id"),  # the per-minute roll-up
        Index("idx_failed_list", "status", "discarded_at", "failed_at", "id"),  # /ops/failed
        Index("idx_status_completed", "status", "completed_at"),  # the per-minute roll-up
    )

    id: Mapped[str] = mapped_column(String(50), primary_key=True, default=new_job_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(50))
    queue: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    message: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str | None] = mapped_column(String(120))  # the owner's own label for it

    input_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # off the failed list

    worker_id: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")
    events: Mapped[list[JobEvent]] = relationship(
        back_populates="job",
        order_by="JobEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_final(self) -> bool:
        """True once the job can no longer change state."""
        return self.status in FINAL_STATUSES

    @property
    def is_active(self) -> bool:
        """True while the job waits or runs."""
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.type} {self.status} {self.progress}%>"


class JobEvent(db.Model):
    """A line of a job's timeline: created, each attempt started or failed, finished."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str | None] = mapped_column(String(20))

    job: Mapped[Job] = relationship(back_populates="events")


class WorkerHeartbeat(db.Model):
    """A live worker process, refreshed every few seconds and removed on clean shutdown."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[str] = mapped_column(String(255), default="")
    threads: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    jobs_in_progress: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    memory_bytes: Mapped[int | None] = mapped_column(BigInteger)  # resident set size


class SchedulerLease(db.Model):
    """Which scheduler process runs the periodic maintenance, until when (one at a time)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
