"""A job's webhook: when it ends, its status body is POSTed to the `callback_url` it was
requested with, signed per Standard Webhooks with its owner's secret.

`job_finished()` runs inside the transaction of the job's final change (the engine calls it
through `webapp.notifications.job_ended`) and writes the outbox row there, so a crash between
the change and the delivery loses nothing; the row is sent once that transaction commits.
Each delivery attempt is recorded (status code, duration) for the job's page and the API.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Connection, select
from standardwebhooks.webhooks import Webhook

from webapp.engine.public import job_body
from webapp.extensions import db
from webapp.models.api import JobCallback, WebhookSecret
from webapp.models.job import Job
from webapp.models.ops import OutboxMessage
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.notifications import outbox, safe_http

CHANNEL = "job_webhook"
SECRET_PREFIX = "whsec_"
USER_AGENT = "Tamam-Webhooks/1"


def key_for(job_id: str, status: str, attempts: int) -> str:
    """The outbox key, also the `webhook-id` header: one per final state the job reaches (a
    failed job retried by hand ends again), the same on every retry of its delivery."""
    return f"job:{job_id}:{status}:{attempts}"


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_of(user_id: int) -> WebhookSecret | None:
    """The user's signing secret, if they made one."""
    return db.session.get(WebhookSecret, user_id)


def rotate_secret(user: User) -> str:
    """Make (or replace) the user's signing secret; returns it, the only time it is shown."""
    secret = new_secret()
    row = db.session.get(WebhookSecret, user.id)
    if row is None:
        db.session.add(WebhookSecret(user_id=user.id, secret=secret, created_at=utcnow()))
    else:
        row.secret, row.created_at = secret, utcnow()
    db.session.commit()
    return secret


def job_finished(conn: Connection, job_id: str) -> None:
    """In the final change's transaction: queue the job's webhook if it asked for one."""
    url = conn.scalar(select(JobCallback.url).where(JobCallback.job_id == job_id))
    if url is None:
        return
    row = conn.execute(select(*Job.__table__.c).where(Job.id == job_id)).one()
    key = key_for(job_id, row.status, row.attempts)
    if conn.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return  # already queued for this ending
    body = job_body(row, utcnow(), str(current_app.config["BASE_URL"]))
    outbox_id = outbox.add(conn, key, CHANNEL, url, f"Job {job_id} {row.status}", body)
    outbox.dispatch_after_commit(conn, [outbox_id])


def attempts_for(job_id: str) -> list[dict[str, Any]]:
    """Every webhook delivery attempt for the job, oldest first (the API and the job page)."""
    from webapp.models.api import OutboxAttempt

    rows = db.session.execute(
        select(OutboxMessage.key, OutboxMessage.recipient, OutboxMessage.status, OutboxAttempt)
        .join(OutboxAttempt, OutboxAttempt.outbox_id == OutboxMessage.id)
        .where(OutboxMessage.key.startswith(f"job:{job_id}:", autoescape=True))
        .where(OutboxMessage.channel == CHANNEL)
        .order_by(OutboxAttempt.id)
    ).all()
    return [
        {
            "webhook_id": key,
            "url": url,
            "delivery_status": status,
            "at": attempt.at,
            "status_code": attempt.status_code,
            "duration_ms": attempt.duration_ms,
            "error": attempt.error,
        }
        for key, url, status, attempt in rows
    ]


def fresh_body(row: OutboxMessage) -> dict[str, Any]:
    """The job's status now (a fresh download link); the stored body if the job is gone."""
    job_id = str(row.body.get("job_id", ""))
    job = db.session.get(Job, job_id, populate_existing=True) if job_id else None
    if job is None:
        return dict(row.body)
    return job_body(job, utcnow(), str(current_app.config["BASE_URL"]))


def send(row: OutboxMessage) -> safe_http.Answer:
    """Sign and POST one delivery; the Answer whatever its status, UnsafeUrl/OSError before."""
    body = fresh_body(row)
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True)
    owner = db.session.scalar(select(Job.user_id).where(Job.id == body.get("job_id")))
    secret = secret_of(int(owner)) if owner is not None else None
    now = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": row.key,
        "webhook-timestamp": str(int(now.timestamp())),
        "Idempotency-Key": row.key,
    }
    if secret is not None:
        headers["webhook-signature"] = Webhook(secret.secret).sign(row.key, now, payload)
    return safe_http.post(
        row.recipient,
        payload.encode(),
        headers,
        timeout=float(current_app.config.get("WEBHOOK_TIMEOUT", 10.0)),
        allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False)),
    )
