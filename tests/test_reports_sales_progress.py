"""Sales report progress: it follows the rows read, a cancel leaves no file, no orders fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from tests.reports_fixtures import (
    Cancelled,
    Recorder,
    assert_honest_progress,
    ensure_sales_data,
    last_period,
)
from webapp.engine.errors import NO_DATA, JobError
from webapp.generators import streaming
from webapp.generators.dates import short_date
from webapp.generators.order_dates import order_date_range
from webapp.generators.sales_report import build_sales_report

DAYS = 120


def test_progress_follows_rows_read(
    app_ctx: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With small chunks the bar moves once per chunk, in step with the rows read."""
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 200)
    ensure_sales_data()
    date_from, date_to = last_period(DAYS)
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "format": "csv"}
    recorder = Recorder()
    build_sales_report(params, tmp_path, recorder)
    assert_honest_progress(recorder)
    reads = [
        (percent, int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
        for percent, message in recorder.calls
        if (m := re.fullmatch(r"Read ([\d,]+) of ([\d,]+) orders", message))
    ]
    total = reads[-1][2]
    assert [done for _p, done, _t in reads] == [min(total, n) for n in range(200, total + 200, 200)]
    percents = [p for p, _d, _t in reads]
    assert len(set(percents)) >= min(10, len(reads)) and percents[-1] < 85
    assert any(
        message.startswith("Read ") and "order lines" in message for _p, message in recorder.calls
    )


@pytest.mark.parametrize("fmt", ["pdf", "excel", "csv"])
@pytest.mark.parametrize("fail_at", [40, 88, 99])
def test_failure_leaves_no_file(
    app_ctx: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str, fail_at: int
) -> None:
    """A progress call that raises (a cancel) stops the build and leaves nothing in out_dir."""
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 500)
    ensure_sales_data()
    date_from, date_to = last_period(DAYS)
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "format": fmt}
    with pytest.raises(Cancelled):
        build_sales_report(params, tmp_path, Recorder(fail_at=fail_at))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["pdf", "excel", "csv"])
def test_a_period_without_orders_fails_with_no_data(
    app_ctx: Flask, tmp_path: Path, fmt: str
) -> None:
    """A period with no orders fails with NO_DATA naming the period, not a file of zeros."""
    ensure_sales_data()
    first, last = order_date_range()
    params = {"date_from": "1990-01-01", "date_to": "1990-01-31", "format": fmt}
    recorder = Recorder()
    with pytest.raises(JobError) as caught:
        build_sales_report(params, tmp_path, recorder)
    error = caught.value
    assert (error.code, error.retry) == (NO_DATA, False)
    assert error.message == "No orders between 1 Jan 1990 and 31 Jan 1990"
    assert error.details.startswith(f"Orders exist from {short_date(first)} to {short_date(last)}.")
    assert list(tmp_path.iterdir()) == []
    assert 100 not in recorder.percents
