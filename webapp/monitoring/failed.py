"""The failed jobs an admin has not discarded, newest failure first, and the filter over them.

Read through idx_failed_list (status, discarded_at, failed_at, id) in keyset order, so
discarded jobs are never read; the other filters are checked on each window of that index
(webapp.monitoring.keyset). The views, the bulk job (webapp.monitoring.bulk) and tests call
these; nothing here imports a view package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select

from webapp.engine import registry
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.models.job import FAILED, Job
from webapp.models.user import User
from webapp.monitoring.keyset import Cursor, Page, Walk, page_of, walk
from webapp.query import BadQuery, choice_arg, date_arg, parse_int, parsed_arg

PAGE_SIZE = 50
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,20}")
FILTER_MAX = 1000  # a filter written as a query string (the bulk job's parameter)
NO_ONE = -1  # an owner no user has: the filter matches nothing
BULK_TYPE = "ops_bulk"  # the admins' own bulk retries and discards


def owner_arg(args: Mapping[str, str], name: str) -> str:
    """?name= as an owner: a user id (digits) or an email address; "" when absent."""

    def parse(text: str) -> str:
        text = text.strip()
        if text.isascii() and text.isdigit():
            return str(parse_int(text, minimum=1, maximum=2**31 - 1))
        if "@" not in text or any(ch.isspace() or ord(ch) < 32 for ch in text):
            raise ValueError("must be a user's email address or id")
        return text.lower()

    return parsed_arg(args, name, parse, max_length=254) or ""


def owner_id(owner: str) -> int | None:
    """The user id an owner filter names: None for no filter, NO_ONE for an unknown email."""
    if not owner:
        return None
    if owner.isdigit():
        return int(owner)
    found = db.session.scalar(select(User.id).where(User.email == owner))
    return NO_ONE if found is None else found


def midnight(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_range(column: Any, day_from: date | None, day_to: date | None) -> list[Any]:
    """Conditions for `column` within the UTC days from and to, both included."""
    conditions = []
    if day_from is not None:
        conditions.append(column >= midnight(day_from))
    if day_to is not None and day_to < date.max:
        conditions.append(column < midnight(day_to + timedelta(days=1)))
    return conditions


def days(args: Mapping[str, str]) -> tuple[date | None, date | None]:
    """?from= and ?to= as days; BadQuery when malformed or when to is before from."""
    day_from, day_to = date_arg(args, "from"), date_arg(args, "to")
    if day_from and day_to and day_to < day_from:
        raise BadQuery("to", "must not be before ?from=")
    return day_from, day_to


@dataclass(frozen=True)
class FailedFilter:
    """What the failed list is narrowed to; read strictly from a query string or a form."""

    type: str = ""
    error_code: str = ""
    queue: str = ""
    owner: str = ""  # a user id or an email address, as given
    day_from: date | None = None  # failed on or after this UTC day
    day_to: date | None = None  # failed on or before this UTC day

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> FailedFilter:
        """Read ?type=&error_code=&queue=&owner=&from=&to=; BadQuery names a bad one."""
        code = parsed_arg(args, "error_code", _error_code, max_length=20) or ""
        day_from, day_to = days(args)
        return cls(
            type=choice_arg(args, "type", [jt.name for jt in registry.all_types()]),
            error_code=code,
            queue=choice_arg(args, "queue", QUEUES),
            owner=owner_arg(args, "owner"),
            day_from=day_from,
            day_to=day_to,
        )

    @classmethod
    def from_query(cls, text: str) -> FailedFilter:
        """The filter written by query_string(); BadQuery for anything else."""
        if len(text) > FILTER_MAX:
            raise BadQuery("filter", f"is too long (at most {FILTER_MAX} characters)")
        pairs = parse_qsl(text, keep_blank_values=True)
        names = [name for name, _ in pairs]
        unknown = sorted(set(names) - set(FIELDS)) or sorted(n for n in names if names.count(n) > 1)
        if unknown:
            raise BadQuery(unknown[0], "is not a filter of the failed list, or is given twice")
        return cls.from_args(dict(pairs))

    def query_args(self) -> dict[str, str]:
        """The filter as query parameters (empty ones left out), for links and forms."""
        args = {
            "type": self.type,
            "error_code": self.error_code,
            "queue": self.queue,
            "owner": self.owner,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {name: value for name, value in args.items() if value}

    def query_string(self) -> str:
        """The filter as one query string: the bulk job's parameter, readable on its page."""
        return urlencode(self.query_args())

    def words(self) -> str:
        """The filter in words for messages and the audit log: 'type t_flaky, queue default'."""
        return ", ".join(f"{FIELDS[name]} {value}" for name, value in self.query_args().items())

    def scope(self) -> str:
        """What 'everything matching' covers: 'every failed job' or 'everything matching …'."""
        return f"everything matching {self.words()}" if self.active else "every failed job"

    @property
    def active(self) -> bool:
        """True when any filter narrows the list."""
        return bool(self.query_args())


FIELDS = {"type": "type", "error_code": "error code", "queue": "queue", "owner": "owner",
          "from": "failed from", "to": "failed to"}  # fmt: skip


def _error_code(text: str) -> str:
    if not ERROR_CODE.fullmatch(text):
        raise ValueError("must be an error code such as E7000")
    return text


def plan(failed: FailedFilter) -> Walk | None:
    """How to read the filter: idx_failed_list in order, the rest row by row (None: no one)."""
    user = owner_id(failed.owner)
    if user == NO_ONE:
        return None
    residual: dict[str, Any] = {}
    for name, value in (("type", failed.type), ("error_code", failed.error_code),
                        ("queue", failed.queue), ("user_id", user)):  # fmt: skip
        if value:
            residual[name] = value
    where = [
        Job.status == FAILED,
        Job.discarded_at.is_(None),
        Job.failed_at.is_not(None),  # always set on failure; a row without one has no place
        *day_range(Job.failed_at, failed.day_from, failed.day_to),
    ]
    return Walk(moment=Job.failed_at, where=where, residual=residual)


def failed_page(
    failed: FailedFilter,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of failed, not discarded jobs, newest failure first."""
    walk_plan = plan(failed)
    if walk_plan is None:
        return Page()
    return page_of([walk_plan], before=before, after=after, size=size)


def matching_ids(failed: FailedFilter, after: Cursor | None, limit: int) -> list[Cursor]:
    """Up to `limit` matching jobs failed before `after` (None: the newest), newest first.

    Each position's job_id is a job's id; the last position is the next call's `after`, so bulk
    work goes through every match in batches even as the jobs it handled leave the list.
    """
    walk_plan = plan(failed)
    if walk_plan is None:
        return []
    # "Everything matching" leaves the admins' own bulk jobs out: retrying an old one would
    # do its work again. One at a time, from the list, they can still be retried.
    where = [*walk_plan.where, Job.type != BULK_TYPE]
    walk_plan = Walk(walk_plan.moment, where, walk_plan.residual)
    return walk(walk_plan, after, limit, budget=None).positions


def count_matching(failed: FailedFilter, before: Cursor | None = None) -> int:
    """How many failed, not discarded jobs a bulk action would take (failed before `before`)."""
    user = owner_id(failed.owner)
    if user == NO_ONE:
        return 0
    query = (
        select(func.count())
        .select_from(Job)
        .where(
            Job.status == FAILED,
            Job.discarded_at.is_(None),
            Job.type != BULK_TYPE,
            *day_range(Job.failed_at, failed.day_from, failed.day_to),
        )
    )
    for column, value in ((Job.type, failed.type), (Job.error_code, failed.error_code),
                          (Job.queue, failed.queue), (Job.user_id, user)):  # fmt: skip
        if value:
            query = query.where(column == value)
    if before is not None:
        query = query.where(Walk(moment=Job.failed_at).key() < before.key())
    return int(db.session.scalar(query) or 0)
