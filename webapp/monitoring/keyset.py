"""Keyset pages over the jobs table in bounded windows, for the ops lists and their bulk work.

Every ops list walks one index newest first on (moment, id), where the moment is created_at or
failed_at. Filters the index does not cover are checked on each window of rows read from it, so
one page reads at most `budget` index entries however rare the match: a page that runs out of
budget says so and its "Older" link goes on from where it stopped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, literal, select, tuple_

from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import UTCDateTime
from webapp.query import parse_int, parsed_arg

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // MICROSECOND
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,50}")
CURSOR_SHAPE = "must look like <microseconds>.<job id>, as in the list's own links"
WINDOW = 500  # index entries read per query when some filter is checked row by row
BUDGET = 10_000  # index entries one page may read before it stops and says so


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in a list: the (moment, id) of a row, written '<microseconds>.<id>' in links."""

    at: datetime
    job_id: str

    def encode(self) -> str:
        """The text form used in ?before= and ?after=."""
        return f"{(self.at - EPOCH) // MICROSECOND}.{self.job_id}"

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
        return parsed_arg(args, name, cls.decode, max_length=80)

    def key(self) -> Any:
        """The SQL row value (moment, id) to compare an index key with."""
        return tuple_(literal(self.at, UTCDateTime()), literal(self.job_id, String()))


@dataclass(frozen=True)
class Walk:
    """One index walked newest first: equality conditions it covers, the moment column, the
    range on that moment, and the filters checked row by row (column name -> wanted value)."""

    moment: Any  # Job.created_at or Job.failed_at
    where: Sequence[Any] = ()
    residual: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> Any:
        """The index's (moment, id) key as a SQL row value."""
        return tuple_(self.moment, Job.id)


@dataclass
class Found:
    """Positions found by one walk, in walking order; `stopped` where the budget ran out."""

    positions: list[Cursor] = field(default_factory=list)
    stopped: Cursor | None = None


def walk(
    plan: Walk, start: Cursor | None, want: int, *, older: bool = True, budget: int | None = BUDGET
) -> Found:
    """Up to `want` matching positions past `start` (older, or newer when older=False).

    With no row-by-row filter this is one query of `want` rows. Otherwise rows are read in
    windows of WINDOW index entries; after `budget` entries (None: no limit, for bulk work)
    the walk stops and `stopped` says where.
    """
    names = list(plan.residual)
    columns = [plan.moment, Job.id, *(getattr(Job, name) for name in names)]
    query = select(*columns).where(*plan.where)
    order = (plan.moment.desc(), Job.id.desc()) if older else (plan.moment.asc(), Job.id.asc())
    size = WINDOW if names else want
    found = Found()
    position, read = start, 0
    while True:
        window = query
        if position is not None:
            key = plan.key()
            window = window.where(key < position.key() if older else key > position.key())
        rows = db.session.execute(window.order_by(*order).limit(size)).all()
        read += len(rows)
        for row in rows:
            if all(row[2 + i] == plan.residual[name] for i, name in enumerate(names)):
                found.positions.append(Cursor(row[0], row[1]))
                if len(found.positions) >= want:
                    return found
        if len(rows) < size:
            return found
        position = Cursor(rows[-1][0], rows[-1][1])
        if budget is not None and read >= budget:
            found.stopped = position
            return found


def load(ids: Sequence[str]) -> list[Job]:
    """The jobs with these ids (owner loaded), in the order given."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Job).where(Job.id.in_(list(ids))).execution_options(populate_existing=True)
    )
    by_id = {job.id: job for job in rows}
    return [by_id[job_id] for job_id in ids if job_id in by_id]


@dataclass
class Page:
    """One page of jobs with cursors to the pages around it (None where there are none).

    `cut_short` is True when the page stopped at its read budget before it was full.
    """

    jobs: list[Job] = field(default_factory=list)
    older: Cursor | None = None
    newer: Cursor | None = None
    cut_short: bool = False


def page_of(
    plans: Sequence[Walk],
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int,
) -> Page:
    """The page older than `before`, newer than `after`, or the newest, over one or more walks.

    Several walks (one per status, say) are merged: each reads its own index range, and a walk
    that ran out of budget bounds the merged page, so no row between pages is ever skipped.
    """
    older = after is None
    start = after if after is not None else before
    each = BUDGET // len(plans)
    walks = [walk(plan, start, size + 1, older=older, budget=each) for plan in plans]
    merged = sorted({p for found in walks for p in found.positions}, reverse=older)
    stops = [found.stopped for found in walks if found.stopped is not None]
    stop = (max(stops) if older else min(stops)) if stops else None
    if stop is not None:  # the stop row itself was read: it belongs to this page if it matched
        merged = [p for p in merged if (p >= stop if older else p <= stop)]
    more = len(merged) > size
    merged = merged[:size]
    cut_short = stop is not None and not more
    if not older:
        if stop is None and not more:  # this reaches the top: show the newest page, full
            return page_of(plans, size=size)
        merged.reverse()
    jobs = load([p.job_id for p in merged])
    if not merged:  # the budget ran out before anything matched
        if older:
            return Page(older=stop, newer=before, cut_short=True)
        return Page(older=after, newer=stop, cut_short=True)
    newest, oldest = merged[0], merged[-1]
    if older:
        newer = newest if before is not None else None
        return Page(jobs, older=oldest if more else stop, newer=newer, cut_short=cut_short)
    return Page(jobs, older=oldest, newer=newest if more else stop, cut_short=cut_short)
