"""My jobs, newest first, by keyset on (created_at, id): fast at any depth (idx_user_created).

Filters: status, type, owner (admins), a day range on the request time (UTC days, read through
the same (created_at, id) indexes) and a case-insensitive search in the jobs' names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, exists, literal, select, tuple_

from webapp.engine import registry
from webapp.engine.service import visible_jobs
from webapp.extensions import db
from webapp.models.job import STATUSES, Job
from webapp.models.types import UTCDateTime
from webapp.models.user import User
from webapp.query import BadQuery, choice_arg, date_arg, int_arg, parse_int, parsed_arg, search_arg

PAGE_SIZE = 25
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# The last microsecond a datetime can hold: cursors past it would overflow.
MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // MICROSECOND
# Job ids are `job-YYYYMMDD-` and URL-safe base64 (new_job_id).
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,50}")
CURSOR_SHAPE = "must look like <microseconds>.<job id>, as in the list's own links"
SEARCH_MAX = 120  # a name is at most 120 characters: a longer search can match nothing


@dataclass(frozen=True)
class Cursor:
    """A position in the list: the (created_at, id) of a row, written as '<microseconds>.<id>'."""

    created_at: datetime
    job_id: str

    @classmethod
    def of(cls, job: Job) -> Cursor:
        """The cursor just at `job`."""
        return cls(job.created_at, job.id)

    def encode(self) -> str:
        """The text form used in ?before= and ?after=."""
        return f"{(self.created_at - EPOCH) // MICROSECOND}.{self.job_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse encode()'s text; ValueError (saying the expected shape) for anything else."""
        micros, dot, job_id = text.partition(".")
        if not dot or not JOB_ID.fullmatch(job_id):
            raise ValueError(CURSOR_SHAPE)
        try:
            moment = parse_int(micros, minimum=0, maximum=MAX_MICROS)
        except ValueError:
            raise ValueError(CURSOR_SHAPE) from None
        return cls(EPOCH + moment * MICROSECOND, job_id)

    @classmethod
    def from_args(cls, args: Mapping[str, str], name: str) -> Cursor | None:
        """?before= or ?after= as a cursor; None when absent, BadQuery when malformed."""
        return parsed_arg(args, name, cls.decode)

    def key(self) -> Any:
        """The SQL row value (created_at, id) to compare the index key with."""
        return tuple_(literal(self.created_at, UTCDateTime()), literal(self.job_id, String()))


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
