"""My jobs, newest first, by keyset on (created_at, id): fast at any depth (idx_user_created).

Filters: status, type, owner (admins), a day range on the request time (UTC days, read through
the same (created_at, id) indexes) and a case-insensitive search in the jobs' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, select, tuple_

from webapp.engine import registry
from webapp.engine.service import visible_jobs
from webapp.extensions import db
from webapp.models.job import STATUSES, Job
from webapp.models.user import User
from webapp.monitoring.keyset import Cursor as KeysetCursor
from webapp.query import BadQuery, choice_arg, date_arg, int_arg, search_arg

PAGE_SIZE = 25
SEARCH_MAX = 120  # a name is at most 120 characters: a longer search can match nothing


class Cursor(KeysetCursor):
    """A position in My jobs: the (created_at, id) of a row, written as '<microseconds>.<id>'."""

    @classmethod
    def of(cls, job: Job) -> Cursor:
        """The cursor just at `job`."""
        return cls(job.created_at, job.id)


@dataclass(frozen=True)
class JobFilters:
    """The list's filters, read from the query string; unknown values are refused (BadQuery)."""

    status: str = ""
    type: str = ""
    owner: int | None = None
    q: str = ""
    day_from: date | None = None
    day_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> JobFilters:
        """Read ?status=&type=&owner=&q=&from=&to= (owner for admins only)."""
        day_from, day_to = date_arg(args, "from"), date_arg(args, "to")
        if day_from and day_to and day_to < day_from:
            raise BadQuery("to", "must not be before ?from=")
        return cls(
            status=choice_arg(args, "status", STATUSES),
            type=choice_arg(args, "type", [jt.name for jt in registry.all_types()]),
            owner=int_arg(args, "owner", minimum=1) if user.is_admin else None,
            q=search_arg(args, "q", max_length=SEARCH_MAX),
            day_from=day_from,
            day_to=day_to,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query parameters, for links that keep them."""
        args = {
            "status": self.status,
            "type": self.type,
            "owner": str(self.owner or ""),
            "q": self.q,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        """True when any filter narrows the list."""
        return bool(self.query_args())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass
class JobPage:
    """One page of jobs with cursors to the pages around it (None where there are none)."""

    jobs: list[Job] = field(default_factory=list)
    older: Cursor | None = None
    newer: Cursor | None = None


def _filtered(user: User, filters: JobFilters) -> Any:
    query = visible_jobs(user)
    if filters.status:
        query = query.where(Job.status == filters.status)
    if filters.type:
        query = query.where(Job.type == filters.type)
    if filters.owner is not None:
        query = query.where(Job.user_id == filters.owner)
    if filters.day_from is not None:
        query = query.where(Job.created_at >= _midnight(filters.day_from))
    if filters.day_to is not None and filters.day_to < date.max:
        query = query.where(Job.created_at < _midnight(filters.day_to + timedelta(days=1)))
    if filters.q:
        query = query.where(Job.name.icontains(filters.q, autoescape=True))
    return query


def _any(query: Any) -> bool:
    return bool(db.session.scalar(select(exists(query.with_only_columns(Job.id)))))


def list_jobs(
    user: User,
    filters: JobFilters,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> JobPage:
    """The page of jobs older than `before`, newer than `after`, or the newest ones."""
    query = _filtered(user, filters)
    key = tuple_(Job.created_at, Job.id)
    if after is not None:
        ascending = query.where(key > after.key()).order_by(Job.created_at, Job.id)
        rows = list(db.session.scalars(ascending.limit(size + 1)))
        if len(rows) <= size:  # this reaches the top: show the newest page, full
            return list_jobs(user, filters, size=size)
        rows = rows[:size][::-1]
    else:
        page = query if before is None else query.where(key < before.key())
        rows = list(
            db.session.scalars(page.order_by(Job.created_at.desc(), Job.id.desc()).limit(size))
        )
    if not rows:
        return JobPage()
    older, newer = Cursor.of(rows[-1]), Cursor.of(rows[0])
    has_older = _any(query.where(key < older.key()))
    has_newer = after is not None or (before is not None and _any(query.where(key > newer.key())))
    return JobPage(rows, older if has_older else None, newer if has_newer else None)
