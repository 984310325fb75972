"""Search every job, in any state: by exact id, owner, type, status, queue and request day.

Newest first by keyset on (created_at, id). Each combination of filters is read through the
index that covers most of it in that order (see `plans`); what the index does not cover is
checked row by row in bounded windows (webapp.monitoring.keyset), so no page reads more than
a fixed number of index entries, at a million jobs or more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from webapp.engine import registry
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.models.job import COMPLETED, STATUSES, Job
from webapp.monitoring.failed import NO_ONE, day_range, days, owner_arg, owner_id
from webapp.monitoring.keyset import JOB_ID, Cursor, Page, Walk, page_of
from webapp.query import choice_arg, parsed_arg

PAGE_SIZE = 50


def _job_id(text: str) -> str:
    text = text.strip()
    if not JOB_ID.fullmatch(text):
        raise ValueError("must be a job id, as in job-20250301-AbC…")
    return text


@dataclass(frozen=True)
class JobSearch:
    """What to look for; read strictly from the query string (BadQuery names a bad field)."""

    job_id: str = ""
    owner: str = ""  # an email address (or a user id)
    type: str = ""
    status: str = ""
    queue: str = ""
    day_from: date | None = None  # requested on or after this UTC day
    day_to: date | None = None  # requested on or before this UTC day

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> JobSearch:
        """Read ?id=&owner=&type=&status=&queue=&from=&to=."""
        day_from, day_to = days(args)
        return cls(
            job_id=parsed_arg(args, "id", _job_id, max_length=60) or "",
            owner=owner_arg(args, "owner"),
            type=choice_arg(args, "type", [jt.name for jt in registry.all_types()]),
            status=choice_arg(args, "status", STATUSES),
            queue=choice_arg(args, "queue", QUEUES),
            day_from=day_from,
            day_to=day_to,
        )

    def query_args(self) -> dict[str, str]:
        """The search as query parameters (empty ones left out), for links that keep it."""
        args = {
            "id": self.job_id,
            "owner": self.owner,
            "type": self.type,
            "status": self.status,
            "queue": self.queue,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        """True when anything narrows the search."""
        return bool(self.query_args())


def plans(search: JobSearch) -> list[Walk] | None:
    """The walks that answer `search` (several are merged); None when it can match nothing.

    owner (+ status): idx_user_status or idx_user_created; queue + status:
    idx_queue_status_created; queue alone: that index once per status, merged; type + a status
    other than completed (the rarer ones): idx_status_created; type: idx_type_created;
    status: idx_status_created; nothing: idx_created. The rest is checked row by row.
    """
    user = owner_id(search.owner)
    if user == NO_ONE:
        return None
    days_of = day_range(Job.created_at, search.day_from, search.day_to)
    wanted: dict[str, Any] = {
        "user_id": user, "queue": search.queue, "status": search.status, "type": search.type,
    }  # fmt: skip
    wanted = {name: value for name, value in wanted.items() if value}
    if user is not None:
        covered = ["user_id", "status"] if search.status else ["user_id"]
    elif search.queue and not search.status:
        return [_walk(days_of, {**wanted, "status": status}, ["queue", "status"])
                for status in STATUSES]  # fmt: skip
    elif search.queue:
        covered = ["queue", "status"]
    elif search.type and search.status and search.status != COMPLETED:
        covered = ["status"]
    elif search.type:
        covered = ["type"]
    else:
        covered = ["status"] if search.status else []
    return [_walk(days_of, wanted, covered)]


def _walk(days_of: list[Any], wanted: dict[str, Any], covered: list[str]) -> Walk:
    where = [getattr(Job, name) == wanted[name] for name in covered] + days_of
    residual = {name: value for name, value in wanted.items() if name not in covered}
    return Walk(moment=Job.created_at, where=where, residual=residual)


def search_page(
    search: JobSearch,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of matching jobs, newest first; an exact id is one primary-key read."""
    if search.job_id:
        return Page(jobs=_by_id(search))
    walks = plans(search)
    if walks is None:
        return Page()
    return page_of(walks, before=before, after=after, size=size)


def _by_id(search: JobSearch) -> list[Job]:
    """The job with that id, if it also matches every other field given."""
    job = db.session.scalar(
        select(Job).where(Job.id == search.job_id).execution_options(populate_existing=True)
    )
    if job is None:
        return []
    user = owner_id(search.owner)
    checks = [
        user is None or job.user_id == user,
        not search.type or job.type == search.type,
        not search.status or job.status == search.status,
        not search.queue or job.queue == search.queue,
    ]
    created = job.created_at.date()
    checks += [
        search.day_from is None or created >= search.day_from,
        search.day_to is None or created <= search.day_to,
    ]
    return [job] if all(checks) else []
