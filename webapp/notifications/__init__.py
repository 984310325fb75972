"""Notifications: what reaches people and systems outside, always through the outbox.

`job_ended()` is the engine's one hook: it runs inside the transaction of a job's final change
and writes that change's deliveries there (the job's webhook, the owner's "ready" email), so a
crash between the commit and the send loses nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection


def job_ended(conn: Connection, job_id: str, kind: str) -> None:
    """In the final change's transaction (`kind`: completed, failed or cancelled)."""
    from webapp.notifications.job_webhook import job_finished
    from webapp.notifications.ready import queue_ready

    job_finished(conn, job_id)
    if kind == "completed":
        queue_ready(conn, job_id)
