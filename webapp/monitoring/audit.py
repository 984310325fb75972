"""The audit log: every admin action, who, what, when and from where."""

from __future__ import annotations

from collections.abc import Sequence

from flask import has_request_context, request
from sqlalchemy import select

from webapp.extensions import db
from webapp.models.ops import AuditEvent
from webapp.models.user import User


def client_address() -> str:
    """The address the request came from, as the WSGI server saw it."""
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(
    actor: User | None, action: str, target_kind: str, target_id: str = "", detail: str = ""
) -> AuditEvent:
    """Add one line to the audit log and commit it."""
    entry = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "system",
        action=action,
        target_kind=target_kind,
        target_id=target_id[:80],
        detail=detail[:2000],
        address=client_address(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def recent(limit: int = 50, before_id: int | None = None) -> Sequence[AuditEvent]:
    """The newest entries first (idx_audit_at); `before_id` pages back."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return db.session.scalars(query.limit(limit)).all()


def for_job(job_id: str) -> Sequence[AuditEvent]:
    """Every admin action on one job, oldest first (idx_audit_target)."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_kind == "job", AuditEvent.target_id == job_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
