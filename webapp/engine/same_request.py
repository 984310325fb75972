"""The same request twice: what the owner already has waiting or ready for these parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webapp.engine import registry
from webapp.engine.clock import db_time
from webapp.engine.links import result_file
from webapp.extensions import db
from webapp.models.job import ACTIVE_STATUSES, COMPLETED, Job
from webapp.models.user import User

LOOK_BACK = 50  # the owner's most recent jobs of the type compared, per state


@dataclass(frozen=True)
class SameRequest:
    """The owner's job with identical parameters still waiting or running, and one ready."""

    waiting: Job | None = None
    ready: Job | None = None

    @property
    def found(self) -> bool:
        """True when the owner already has this request waiting, running or ready."""
        return self.waiting is not None or self.ready is not None


def same_request(user: User, job_type: str, params: Mapping[str, Any]) -> SameRequest:
    """Find the owner's identical request: waiting or running, or completed with its file."""
    jt = registry.get(job_type)
    clean = jt.validate(params)
    mine = (Job.user_id == user.id) & (Job.type == jt.name)  # idx_user_status
    active = db.session.scalars(
        select(Job)
        .where(mine, Job.status.in_(ACTIVE_STATUSES))
        .order_by(Job.created_at.desc())
        .limit(LOOK_BACK)
        .execution_options(populate_existing=True)
    )
    waiting = next((job for job in active if job.input_data == clean), None)
    done = db.session.scalars(
        select(Job)
        .where(mine, Job.status == COMPLETED, Job.purged_at.is_(None))
        .where(Job.expires_at > db_time())
        .order_by(Job.created_at.desc())
        .limit(LOOK_BACK)
        .execution_options(populate_existing=True)
    )
    ready = next(
        (job for job in done if job.input_data == clean and result_file(job) is not None), None
    )
    return SameRequest(waiting, ready)
