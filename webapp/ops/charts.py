"""The dashboard's charts as geometry for `ops/_charts.html`: bars of finished jobs, lines of
wait and runtime quantiles, axes and a title per step. No JavaScript draws anything.

Counts use a linear axis from 0; durations a logarithmic one (a 50 ms wait and a 20 minute
runtime share a chart), with ticks on a fixed ladder of round durations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from webapp.i18n import N_, text_direction
from webapp.i18n import gettext as _
from webapp.monitoring.stats import Point
from webapp.ops.present import seconds_words

RLM = "\u200f"
WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 68, 12, 12, 36
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
LADDER = (
    (0.001, "1 ms"), (0.01, "10 ms"), (0.1, "100 ms"), (1, "1 s"), (10, "10 s"),
    (60, "1 min"), (600, "10 min"), (3600, "1 h"), (6 * 3600, "6 h"), (86400, "1 d"),
    (10 * 86400, "10 d"), (100 * 86400, "100 d"),
)  # fmt: skip
# Each rung's label in the reader's language: (pattern, the figure it holds).
RUNG_WORDS = {
    "ms": N_("%(ms)s ms"), "s": N_("%(s)s s"), "min": N_("%(m)s min"), "h": N_("%(h)s h"),
    "d": N_("%(d)s d"),
}  # fmt: skip
# (attribute of Point, css class, legend): the four lines of the durations chart.
SERIES = (
    ("wait_p50", "line-wait", N_("Wait, median")),
    ("wait_p95", "line-wait p95", N_("Wait, 95th percentile")),
    ("run_p50", "line-run", N_("Runtime, median")),
    ("run_p95", "line-run p95", N_("Runtime, 95th percentile")),
)


@dataclass(frozen=True)
class Bar:
    """One rectangle: completed or failed jobs of a step."""

    y: float
    height: float
    css: str


@dataclass
class Column:
    """One step of a chart: where it is, what its title says, its bars and its dots."""

    x: float
    width: float
    at: str  # ISO start, for app.js to put the title's time in the reader's zone
    until: str  # ISO end of a step longer than a minute, else ""
    title: str
    bars: list[Bar] = field(default_factory=list)
    dots: list[tuple[float, str]] = field(default_factory=list)  # (y, css)


@dataclass
class Line:
    """One series of the durations chart: polylines broken where a step has no data."""

    css: str
    label: str
    segments: list[str]


@dataclass
class Chart:
    """Everything the macro draws, and the words for readers who cannot see it."""

    id: str
    heading: str
    summary: str
    y_label: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    columns: list[Column]
    lines: list[Line] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css, words)
    empty: str = ""  # said across the chart when there is nothing to draw
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = PLOT_W
    plot_h: int = PLOT_H

    @property
    def gap(self) -> float:
        """Space between two bars."""
        width = self.columns[0].width if self.columns else 0.0
        return min(2.0, width * 0.25)


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover (the loop always returns)


def iso(moment: datetime) -> str:
    """An ISO UTC time for an attribute: '2026-03-12T14:05:00Z'."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def step_words(point: Point, step: timedelta) -> str:
    """A step's time span in UTC: '14:05' for a minute, '14:00 to 14:15' for a quarter hour."""
    start = point.start.astimezone(UTC)
    if step <= timedelta(minutes=1):
        return _("%(time)s UTC", time=f"{start:%H:%M}")
    return _("%(start)s to %(end)s UTC", start=f"{start:%H:%M}", end=f"{start + step:%H:%M}")


def point_words(point: Point) -> str:
    """A step's figures in one line, as its title and the table say them."""
    if point.wait_p50 is None and point.run_p50 is None:
        return _(
            "%(completed)s completed, %(failed)s failed",
            completed=point.completed,
            failed=point.failed,
        )
    return _(
        "%(completed)s completed, %(failed)s failed; wait median %(wait50)s, 95th percentile"
        " %(wait95)s; runtime median %(run50)s, 95th percentile %(run95)s",
        completed=point.completed,
        failed=point.failed,
        wait50=seconds_words(point.wait_p50),
        wait95=seconds_words(point.wait_p95),
        run50=seconds_words(point.run_p50),
        run95=seconds_words(point.run_p95),
    )


def rung_words(label: str) -> str:
    """A rung of the ladder ('10 ms', '6 h') in the reader's language.

    The chart is drawn left to right in every language; a right-to-left mark first keeps an
    Arabic figure and its unit in Arabic order ('1 ث' reads number, then unit).
    """
    figure, unit = label.split(" ")
    name = {"ms": "ms", "s": "s", "min": "m", "h": "h", "d": "d"}[unit]
    words = _(RUNG_WORDS[unit], **{name: figure})
    return f"{RLM}{words}" if text_direction() == "rtl" else words


def _x_ticks(labels: Sequence[str]) -> list[tuple[float, str]]:
    """Evenly spaced labels under the plot, the last one at its right edge."""
    slots = len(labels) - 1
    return [(LEFT + PLOT_W * i / slots, label) for i, label in enumerate(labels)]


def _columns(points: Sequence[Point], step: timedelta) -> list[Column]:
    width = PLOT_W / max(1, len(points))
    return [
        Column(
            x=LEFT + i * width,
            width=width,
            at=iso(point.start),
            until=iso(point.start + step) if step > timedelta(minutes=1) else "",
            title=_(
                "%(when)s: %(figures)s", when=step_words(point, step), figures=point_words(point)
            ),
        )
        for i, point in enumerate(points)
    ]


def counts_chart(
    chart_id: str, heading: str, points: Sequence[Point], step: timedelta, x_labels: Sequence[str]
) -> Chart:
    """Completed and failed jobs per step, as stacked bars on a linear axis from 0."""
    completed = sum(p.completed for p in points)
    failed = sum(p.failed for p in points)
    top = nice_ceiling(max((p.completed + p.failed for p in points), default=0))
    columns = _columns(points, step)
    for point, column in zip(points, columns, strict=True):
        base = TOP + PLOT_H
        for count, css in ((point.completed, "bar-completed"), (point.failed, "bar-failed")):
            if count:
                height = PLOT_H * count / top
                base -= height
                column.bars.append(Bar(base, height, css))
    busiest = max((p.completed + p.failed for p in points), default=0)
    by_minute = step <= timedelta(minutes=1)
    if not completed + failed:
        summary = _("No job finished in this time.")
    elif by_minute:
        summary = _(
            "%(completed)s completed and %(failed)s failed in all; the busiest minute had"
            " %(busiest)s.",
            completed=completed, failed=failed, busiest=busiest,
        )  # fmt: skip
    else:
        summary = _(
            "%(completed)s completed and %(failed)s failed in all; the busiest quarter hour"
            " had %(busiest)s.",
            completed=completed, failed=failed, busiest=busiest,
        )  # fmt: skip
    half = top / 2
    y_ticks = [(TOP + PLOT_H, "0"), (TOP, str(top))]
    if top >= 2 and half == int(half):
        y_ticks.insert(1, (TOP + PLOT_H / 2, str(int(half))))
    return Chart(
        id=chart_id,
        heading=heading,
        summary=summary,
        y_label=_("jobs per minute") if by_minute else _("jobs per quarter hour"),
        x_ticks=_x_ticks(x_labels),
        y_ticks=y_ticks,
        columns=columns,
        legend=[("bar-completed", _("Completed")), ("bar-failed", _("Failed"))],
        empty="" if completed + failed else _("No job finished in this time"),
    )


def _log_range(values: Sequence[float]) -> list[tuple[float, str]]:
    """The ladder's rungs that frame `values`: from one at or below the least to one at or
    above the most."""
    low, high = min(values), max(values)
    first = max((i for i, (v, _label) in enumerate(LADDER) if v <= low), default=0)
    last = min((i for i, (v, _label) in enumerate(LADDER) if v >= high), default=len(LADDER) - 1)
    if last == first:
        last = min(len(LADDER) - 1, first + 1) if first < len(LADDER) - 1 else first
        first = last - 1
    return list(LADDER[first : last + 1])


def durations_chart(
    chart_id: str, heading: str, points: Sequence[Point], step: timedelta, x_labels: Sequence[str]
) -> Chart:
    """Median and 95th percentile wait and runtime per step, on a logarithmic axis."""
    values = [
        v
        for p in points
        for name, _css, _label in SERIES
        if (v := getattr(p, name)) is not None and v > 0
    ]
    columns = _columns(points, step)
    rungs = _log_range(values) if values else [(0.1, "100 ms"), (1, "1 s"), (10, "10 s")]
    low, high = math.log10(rungs[0][0]), math.log10(rungs[-1][0])

    def y_of(seconds: float) -> float:
        """Height on the plot of a duration, clamped to the axis."""
        share = (math.log10(max(seconds, rungs[0][0])) - low) / (high - low)
        return TOP + PLOT_H * (1 - min(1.0, share))

    lines = []
    for name, css, label in SERIES:
        segments: list[str] = []
        run: list[str] = []
        for point, column in zip(points, columns, strict=True):
            value = getattr(point, name)
            if value is None:
                if run:
                    segments.append(" ".join(run))
                run = []
                continue
            y = y_of(value)
            run.append(f"{column.x + column.width / 2:.1f},{y:.1f}")
            column.dots.append((y, css))
        if run:
            segments.append(" ".join(run))
        lines.append(Line(css, _(label), [s for s in segments if " " in s]))
    for column in columns:  # medians drawn last, over a 95th percentile at the same height
        column.dots.sort(key=lambda dot: "p95" not in dot[1])
    longest = max((p.run_p95 for p in points if p.run_p95 is not None), default=None)
    summary = (
        _("The slowest runtime 95th percentile was %(time)s.", time=seconds_words(longest))
        if values
        else _("No job finished in this time, so there are no durations.")
    )
    return Chart(
        id=chart_id,
        heading=heading,
        summary=summary,
        y_label=_("seconds, log scale"),
        x_ticks=_x_ticks(x_labels),
        y_ticks=[(y_of(value), rung_words(words)) for value, words in rungs],
        columns=columns,
        lines=lines,
        legend=[(css, _(label)) for _name, css, label in SERIES],
        empty="" if values else _("No durations: no job finished in this time"),
    )
