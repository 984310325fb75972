"""Sales report progress: it follows the rows read, a cancel leaves no file, empty periods work."""

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
    read_sales_csv,
)
from webapp.generators import streaming
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
def test_a_period_without_orders_still_makes_a_report(
    app_ctx: Flask, tmp_path: Path, fmt: str
) -> None:
    """A period with no orders gives a complete file of zeros, not an error."""
    params = {"date_from": "1990-01-01", "date_to": "1990-01-31", "format": fmt}
    recorder = Recorder()
    result = build_sales_report(params, tmp_path, recorder)
    assert result.path.exists() and result.size_bytes > 0
    extension = {"pdf": "pdf", "excel": "xlsx", "csv": "csv"}[fmt]
    assert result.file_name == f"sales-report-1990-01-01-to-1990-01-31.{extension}"
    assert [p.name for p in tmp_path.iterdir()] == [result.file_name]
    assert_honest_progress(recorder)
    if fmt == "csv":
        total = read_sales_csv(result.path)[0]
        assert (total["orders"], total["revenue"]) == ("0", "0.00")
