"""A finished row shows how the job ended, not a full bar."""

from __future__ import annotations

import re

import pytest

from tests.staff.helpers import HX, make_job
from webapp.engine.errors import NO_DATA
from webapp.models.types import utcnow


def result_cell(body: str) -> str:
    """The visible text of a row's result cell."""
    match = re.search(r'<td class="result-cell">(.*?)</td>', body, re.S)
    assert match, "no result cell"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize(
    ("status", "columns", "says"),
    [
        ("completed", {}, "Download"),
        ("completed", {"purged_at": "now"}, "Expired"),
        ("failed", {"error_code": NO_DATA}, "E7006 · Not enough data"),
        ("cancelled", {}, "Cancelled"),
    ],
)
def test_a_final_row_shows_its_result_instead_of_a_bar(staff_client, staff, status, columns, says):
    """Completed, expired, failed and cancelled rows: no progress bar, the outcome in words."""
    columns = {k: (utcnow() if v == "now" else v) for k, v in columns.items()}
    job = make_job(staff, status, progress=40 if status != "completed" else 0, **columns)
    body = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True)
    assert 'role="progressbar"' not in body and "pct-" not in body
    assert result_cell(body).startswith(says)


def test_a_running_row_keeps_its_bar(staff_client, staff):
    """While a job runs its row shows the bar and no result yet."""
    job = make_job(staff, "processing", progress=40)
    body = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True)
    assert 'role="progressbar" aria-valuenow="40"' in body
    assert result_cell(body) == "—"
