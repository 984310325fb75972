"""Sales over time at a grain picked from the period: days, weeks or months, every day counted."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from webapp.generators.sales_grain import Bucket, grain_for, group_days, partial_note, row_label

START = date(2025, 3, 1)  # a Saturday


@pytest.mark.parametrize(
    ("days", "grain"),
    [(1, "day"), (31, "day"), (62, "day"), (63, "week"), (120, "week"), (366, "week"),
     (367, "month"), (730, "month"), (1098, "month")],
)  # fmt: skip
def test_grain_from_the_period_length(days: int, grain: str) -> None:
    """Days up to two months (62 days), weeks up to a year (366), months beyond."""
    assert grain_for(START, START + timedelta(days=days - 1)) == grain


def test_every_day_lands_in_exactly_one_row() -> None:
    """Rows cover the period without gap or overlap, and their sums are the days' sums."""
    date_to = START + timedelta(days=199)
    days = {START + timedelta(days=n): Bucket(1, 100 * n, 10 * n) for n in range(0, 200, 3)}
    for grain in ("day", "week", "month"):
        rows = group_days(days, START, date_to, grain)
        assert rows[0].start == START and rows[-1].end == date_to
        assert all(b.start == a.end + timedelta(days=1) for a, b in itertools.pairwise(rows))
        assert sum(row.bucket.orders for row in rows) == len(days)
        assert sum(row.bucket.revenue_cents for row in rows) == sum(
            b.revenue_cents for b in days.values()
        )


def test_weeks_run_monday_to_sunday_cut_to_the_period() -> None:
    """Saturday 1 March starts a two-day first week; the next ones are whole."""
    rows = group_days({}, START, date(2025, 3, 20), "week")
    assert [(r.start, r.end) for r in rows] == [
        (date(2025, 3, 1), date(2025, 3, 2)),
        (date(2025, 3, 3), date(2025, 3, 9)),
        (date(2025, 3, 10), date(2025, 3, 16)),
        (date(2025, 3, 17), date(2025, 3, 20)),
    ]
    assert [row_label(r, "week") for r in rows] == [
        "1\u20132 Mar 2025",
        "3\u20139 Mar 2025",
        "10\u201316 Mar 2025",
        "17\u201320 Mar 2025",
    ]
    assert partial_note(rows, "week") == (
        "The first and last weeks are partial, cut by the period: "
        "1\u20132 Mar 2025 (2 days) and 17\u201320 Mar 2025 (4 days)."
    )


def test_months_are_named_when_whole_and_spanned_when_cut() -> None:
    """Whole months read 'Mar 2025'; a cut one shows its days; weeks across months and years too."""
    rows = group_days({}, date(2024, 11, 24), date(2025, 2, 28), "month")
    assert [row_label(r, "month") for r in rows] == [
        "24\u201330 Nov 2024",
        "Dec 2024",
        "Jan 2025",
        "Feb 2025",
    ]
    assert partial_note(rows, "month") == (
        "The first month is partial, cut by the period: 24\u201330 Nov 2024 (7 days)."
    )
    week = group_days({}, date(2025, 12, 29), date(2026, 1, 4), "week")
    assert [row_label(r, "week") for r in week] == ["29 Dec 2025 \u2013 4 Jan 2026"]
    assert partial_note(week, "week") == ""
    across = group_days({}, date(2025, 2, 24), date(2025, 3, 2), "week")
    assert row_label(across[0], "week") == "24 Feb \u2013 2 Mar 2025"
    assert row_label(group_days({}, START, START, "day")[0], "day") == "1 Mar 2025"
