"""Per-minute job figures: finished jobs rolled up once a minute, read by the charts and /metrics.

The scheduler rolls each finished minute up into `job_minutes` (one row per queue and type:
completed and failed counts, histograms of wait = started - created and runtime = end -
started) and adds the same figures to the ever-growing `job_totals`. A roll-up reads only that
minute's rows through the (status, completed_at) and (status, failed_at) indexes, so the charts
cost the same at a thousand job rows or a million: 60 or 1,440 small rows, never a scan.

Quantiles come from histograms with buckets 25 % apart, so a p95 is within about 12 % of the
exact figure (the page says so).
"""

from __future__ import annotations

import copy
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.engine.clock import database_now
from webapp.extensions import db
from webapp.models.job import COMPLETED, FAILED, Job
from webapp.models.ops import JobMinute, JobTotal, MonitorMark

log = logging.getLogger("tamam.stats")

FIRST_EDGE = 0.01  # seconds: bucket 0 holds everything up to this
RATIO = 1.25  # each bucket's upper edge is 25 % above the previous one
BUCKETS = 100  # 0.01 s * 1.25**99 is about 40 days: the last bucket holds the rest
# A finished minute is rolled up this long after it ends, so jobs committed in its last
# moments (their times are stamped before the commit) are in it.
SETTLE = timedelta(seconds=15)
KEEP_MINUTES = timedelta(days=2)
FIRST_ROLLUP_BACK = timedelta(hours=24)  # the first roll-up fills the day chart
MARK = "stats:rolled_until"


def bucket_of(seconds: float) -> int:
    """The histogram bucket that holds `seconds`."""
    if seconds <= FIRST_EDGE:
        return 0
    return min(BUCKETS - 1, math.ceil(math.log(seconds / FIRST_EDGE, RATIO)))


def upper_edge(bucket: int) -> float:
    """The largest value bucket `bucket` holds, in seconds."""
    return FIRST_EDGE * RATIO**bucket


def middle_of(bucket: int) -> float:
    """A bucket's representative value: the geometric middle of its edges."""
    if bucket == 0:
        return FIRST_EDGE / 2
    return FIRST_EDGE * RATIO ** (bucket - 0.5)


def merge(into: dict[str, int], other: Mapping[str, int]) -> dict[str, int]:
    """Add histogram `other` into `into` (keys are bucket numbers as strings, for JSON)."""
    for key, count in other.items():
        into[key] = into.get(key, 0) + int(count)
    return into


def quantile(histogram: Mapping[str, int], q: float) -> float | None:
    """The q-quantile (0..1) of a histogram, None when it is empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(histogram, key=int):
        seen += histogram[bucket]
        if seen >= rank:
            return middle_of(int(bucket))
    return middle_of(max(int(b) for b in histogram))


@dataclass
class Cell:
    """Finished jobs of one queue and type in one minute."""

    completed: int = 0
    failed: int = 0
    wait_hist: dict[str, int] = field(default_factory=dict)
    run_hist: dict[str, int] = field(default_factory=dict)
    wait_sum: float = 0.0
    run_sum: float = 0.0

    def add(self, status: str, wait: float | None, run: float | None) -> None:
        """Count one finished job."""
        if status == COMPLETED:
            self.completed += 1
        else:
            self.failed += 1
        if wait is not None:
            key = str(bucket_of(wait))
            self.wait_hist[key] = self.wait_hist.get(key, 0) + 1
            self.wait_sum += wait
        if run is not None:
            key = str(bucket_of(run))
            self.run_hist[key] = self.run_hist.get(key, 0) + 1
            self.run_sum += run


def _minute_floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _finished_in(conn: Connection, start: datetime, end: datetime) -> Iterable[Any]:
    """Rows that completed or failed in [start, end), through the two status/time indexes."""
    columns = (Job.queue, Job.type, Job.status, Job.created_at, Job.started_at)
    completed = conn.execute(
        select(*columns, Job.completed_at.label("ended_at")).where(
            Job.status == COMPLETED, Job.completed_at >= start, Job.completed_at < end
        )
    ).all()
    failed = conn.execute(
        select(*columns, Job.failed_at.label("ended_at")).where(
            Job.status == FAILED, Job.failed_at >= start, Job.failed_at < end
        )
    ).all()
    return [*completed, *failed]


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def roll_minute(conn: Connection, minute: datetime) -> int:
    """Roll one finished minute up into job_minutes and job_totals; returns the jobs counted."""
    cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
    rows = _finished_in(conn, minute, minute + timedelta(minutes=1))
    for row in rows:
        wait = _seconds(row.started_at, row.created_at)
        cells[(row.queue, row.type)].add(row.status, wait, _seconds(row.ended_at, row.started_at))
    for (queue, job_type), cell in cells.items():
        conn.execute(
            insert(JobMinute).values(
                minute=minute, queue=queue, type=job_type, completed=cell.completed,
                failed=cell.failed, wait_hist=cell.wait_hist, run_hist=cell.run_hist,
                wait_sum=cell.wait_sum, run_sum=cell.run_sum,
            )
        )  # fmt: skip
        for status, count in ((COMPLETED, cell.completed), (FAILED, cell.failed)):
            if count:
                _add_total(conn, job_type, status, count, cell if status == COMPLETED else None)
    return len(rows)


def _add_total(conn: Connection, job_type: str, status: str, count: int, cell: Cell | None) -> None:
    """Grow the type's counter; durations are kept for completed jobs."""
    row = conn.execute(
        select(JobTotal).where(JobTotal.type == job_type, JobTotal.status == status)
    ).one_or_none()
    run_hist = dict(cell.run_hist) if cell else {}
    wait_hist = dict(cell.wait_hist) if cell else {}
    run_sum, wait_sum = (cell.run_sum, cell.wait_sum) if cell else (0.0, 0.0)
    if row is None:
        conn.execute(
            insert(JobTotal).values(
                type=job_type, status=status, count=count, run_hist=run_hist, run_sum=run_sum,
                wait_hist=wait_hist, wait_sum=wait_sum,
            )
        )  # fmt: skip
        return
    conn.execute(
        update(JobTotal)
        .where(JobTotal.type == job_type, JobTotal.status == status)
        .values(
            count=JobTotal.count + count,
            run_hist=merge(dict(row.run_hist or {}), run_hist),
            run_sum=JobTotal.run_sum + run_sum,
            wait_hist=merge(dict(row.wait_hist or {}), wait_hist),
            wait_sum=JobTotal.wait_sum + wait_sum,
        )
    )


class _Overtaken(Exception):
    """Another roll-up moved the mark first: this one's minute is rolled back."""


def rollup(max_minutes: int = 24 * 60) -> int:
    """Roll up every finished minute not yet rolled (the scheduler, twice a minute).

    Each minute is one transaction with the mark that says it is done, moved only from the
    value this pass read: a crash never counts a minute twice, and of two passes racing (a
    scheduler handing over) one rolls each minute and the other stops. Returns how many
    minutes this pass rolled.
    """
    with db.engine.connect() as conn:
        now = database_now(conn)
        until = conn.scalar(select(MonitorMark.value).where(MonitorMark.name == MARK))
    last_complete = _minute_floor(now - SETTLE)  # minutes before this one have settled
    start = _minute_floor(now - FIRST_ROLLUP_BACK) if until is None else (
        datetime.fromtimestamp(until, UTC))  # fmt: skip
    rolled = 0
    minute = start
    while minute < last_complete and rolled < max_minutes:
        try:
            with db.engine.begin() as conn:
                counted = roll_minute(conn, minute)
                _move_mark(conn, until, minute + timedelta(minutes=1))
        except (_Overtaken, IntegrityError):
            log.info("Another roll-up is ahead of this one (at %s); this one stops", minute)
            break
        if counted:
            log.debug("Rolled up %s: %d finished jobs", minute, counted)
        until = (minute + timedelta(minutes=1)).timestamp()
        minute += timedelta(minutes=1)
        rolled += 1
    if rolled:
        with db.engine.begin() as conn:
            conn.execute(delete(JobMinute).where(JobMinute.minute < now - KEEP_MINUTES))
    return rolled


def _move_mark(conn: Connection, expected: float | None, until: datetime) -> None:
    """Move the mark from `expected` to `until`; _Overtaken if it is no longer `expected`."""
    values = {"value": until.timestamp(), "at": until}
    if expected is None:
        conn.execute(insert(MonitorMark).values(name=MARK, **values))  # IntegrityError if not
        return
    moved = conn.execute(
        update(MonitorMark)
        .where(MonitorMark.name == MARK, MonitorMark.value == expected)
        .values(**values)
    )
    if moved.rowcount != 1:
        raise _Overtaken


@dataclass
class Point:
    """One step of a chart: its start and the jobs that finished in it."""

    start: datetime
    completed: int = 0
    failed: int = 0
    wait_hist: dict[str, int] = field(default_factory=dict)
    run_hist: dict[str, int] = field(default_factory=dict)

    @property
    def wait_p50(self) -> float | None:
        """Median wait (started - created), seconds."""
        return quantile(self.wait_hist, 0.5)

    @property
    def wait_p95(self) -> float | None:
        """95th percentile wait, seconds."""
        return quantile(self.wait_hist, 0.95)

    @property
    def run_p50(self) -> float | None:
        """Median runtime, seconds."""
        return quantile(self.run_hist, 0.5)

    @property
    def run_p95(self) -> float | None:
        """95th percentile runtime, seconds."""
        return quantile(self.run_hist, 0.95)


_series_lock = threading.Lock()
_series_cache: dict[tuple[Any, ...], list[Point]] = {}


def forget() -> None:
    """Drop the cached series (tests)."""
    with _series_lock:
        _series_cache.clear()


def series(span: timedelta, step: timedelta, queue: str | None = None) -> list[Point]:
    """The last `span` in steps of `step` (oldest first), from the roll-ups, every step present.

    Reads at most span/1 minute rows per queue and type: 60 for the hour, 1,440 for the day.
    The figures change only when the roll-up adds a minute, so each process keeps the last
    answer until then (the day chart is then one primary-key read, not 4,000 rows).
    """
    with db.engine.connect() as conn:
        now = database_now(conn)
        rolled = conn.scalar(select(MonitorMark.value).where(MonitorMark.name == MARK))
    step_s = int(step.total_seconds())
    last_rolled = _minute_floor(now - SETTLE) - timedelta(minutes=1)
    last_step = last_rolled - timedelta(seconds=int(last_rolled.timestamp()) % step_s)
    start = last_step - span + step
    key = (span, step, queue, start, rolled)
    with _series_lock:
        cached = _series_cache.get(key)
    if cached is not None:
        return copy.deepcopy(cached)
    columns = (JobMinute.minute, JobMinute.completed, JobMinute.failed, JobMinute.wait_hist,
               JobMinute.run_hist)  # fmt: skip
    query = select(*columns).where(JobMinute.minute >= start)
    if queue:
        query = query.where(JobMinute.queue == queue)
    points = {start + step * i: Point(start + step * i) for i in range(int(span / step))}
    with db.engine.connect() as conn:
        for row in conn.execute(query):
            offset = int((row.minute - start).total_seconds()) // step_s
            point = points.get(start + step * offset)
            if point is None:
                continue
            point.completed += row.completed
            point.failed += row.failed
            merge(point.wait_hist, row.wait_hist or {})
            merge(point.run_hist, row.run_hist or {})
    answer = [points[k] for k in sorted(points)]
    with _series_lock:
        if len(_series_cache) > 32:
            _series_cache.clear()
        _series_cache[key] = copy.deepcopy(answer)
    return answer


def last_hour(queue: str | None = None) -> list[Point]:
    """The last hour, minute by minute, up to the last minute rolled up."""
    return series(timedelta(hours=1), timedelta(minutes=1), queue)


def last_day(queue: str | None = None) -> list[Point]:
    """The last day, quarter hour by quarter hour (the newest one may still be filling)."""
    return series(timedelta(days=1), timedelta(minutes=15), queue)


def mean_runtimes(window: timedelta = timedelta(hours=1)) -> dict[str, float]:
    """Mean runtime of the jobs completed in the last `window`, by queue (seconds)."""
    from sqlalchemy import func

    with db.engine.connect() as conn:
        since = database_now(conn) - window
        rows = conn.execute(
            select(JobMinute.queue, func.sum(JobMinute.run_sum), func.sum(JobMinute.completed))
            .where(JobMinute.minute >= since)
            .group_by(JobMinute.queue)
        ).all()
    return {queue: float(total) / int(count) for queue, total, count in rows if count}
