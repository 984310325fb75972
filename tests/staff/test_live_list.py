"""My jobs' one poll (/jobs/live) and the job page's cheap poll: only what changed, else 204."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import update

from tests.staff.helpers import CSV_BODY, HX, make_job
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow

ROW = re.compile(r'<tr id="job-([^"]+)" class="job-row"[^>]*data-version="([^"]+)"')


def versions(text: str) -> dict[str, str]:
    """job id -> data-version of each row on a page or in a poll's answer."""
    return dict(ROW.findall(text))


def rows_param(shown: dict[str, str]) -> str:
    """?rows= as the list's script writes it."""
    return ",".join(f"{job_id}.{version}" for job_id, version in shown.items())


def set_progress(job: Job, progress: int, message: str) -> None:
    """Move a job on the way the runner does: one UPDATE of the row."""
    db.session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(progress=progress, message=message, updated_at=utcnow())
    )
    db.session.commit()


def test_nothing_changed_is_an_empty_204(staff_client, staff):
    """The rows the page shows are still what the database holds: 204, no body."""
    jobs = [make_job(staff, "processing", progress=10 * n) for n in range(1, 4)]
    shown = versions(staff_client.get("/jobs").get_data(as_text=True))
    assert set(shown) == {job.id for job in jobs}
    response = staff_client.get(f"/jobs/live?rows={rows_param(shown)}", headers=HX)
    assert response.status_code == 204 and response.get_data() == b""
    assert "HX-Request" in response.headers["Vary"]


def test_only_the_changed_rows_come_back_out_of_band(staff_client, staff):
    """Of three running rows one moves on: the answer is that row alone, with hx-swap-oob, and
    it is the row the full page now shows."""
    a, b, c = (make_job(staff, "processing", progress=10) for _ in range(3))
    shown = versions(staff_client.get("/jobs").get_data(as_text=True))
    set_progress(b, 60, "Writing the file")
    body = staff_client.get(f"/jobs/live?rows={rows_param(shown)}", headers=HX).get_data(
        as_text=True
    )
    assert list(versions(body)) == [b.id]
    assert 'hx-swap-oob="true"' in body and 'aria-valuenow="60"' in body
    assert "Writing the file" in body and a.id not in body and c.id not in body
    page = staff_client.get("/jobs").get_data(as_text=True)
    assert body.strip().replace(' hx-swap-oob="true"', "") in page  # one partial, two uses
    assert versions(page)[b.id] == versions(body)[b.id] != shown[b.id]


def test_a_job_that_ends_comes_back_final(staff_client, staff):
    """A row that completed returns once, final, with its download and the words app.js
    announces; the list then has no active row left to poll."""
    job = make_job(staff, "processing", progress=90)
    shown = versions(staff_client.get("/jobs").get_data(as_text=True))
    (job_dir(job.id, create=True) / "r.csv").write_bytes(CSV_BODY)
    db.session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(
            status="completed", progress=100, message="Done", completed_at=utcnow(),
            updated_at=utcnow(),
            result_data={"file_name": "r.csv", "content_type": "text/csv", "size_bytes": 3},
        )
    )  # fmt: skip
    db.session.commit()
    body = staff_client.get(f"/jobs/live?rows={rows_param(shown)}", headers=HX).get_data(
        as_text=True
    )
    assert 'data-job-state="final"' in body and "Download" in body and "Took " in body
    assert 'data-ended="Sales report completed: the file is ready to download."' in body
    page = staff_client.get("/jobs").get_data(as_text=True)
    assert 'data-job-state="active"' not in page


def test_other_users_and_unknown_ids_are_skipped_without_a_word(staff_client, staff, other_staff):
    """Ids the user may not see, or that do not exist, are never rendered nor refused."""
    mine = make_job(staff, "processing")
    theirs = make_job(other_staff, "processing")
    rows = f"{mine.id}.000000000000,{theirs.id}.000000000000,job-20250101-nothere.000000000000"
    body = staff_client.get(f"/jobs/live?rows={rows}", headers=HX).get_data(as_text=True)
    assert list(versions(body)) == [mine.id] and theirs.id not in body
    only_theirs = staff_client.get(f"/jobs/live?rows={theirs.id}.000000000000", headers=HX)
    assert only_theirs.status_code == 204


def test_admins_get_everyones_rows_with_the_owner(admin_client, staff):
    """An admin's list shows every owner; its poll returns their rows with the owner column."""
    job = make_job(staff, "processing")
    body = admin_client.get(f"/jobs/live?rows={job.id}.000000000000", headers=HX).get_data(
        as_text=True
    )
    assert list(versions(body)) == [job.id] and staff.email in body


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ("job-1", "must list <job id>.<version> items"),
        ("job 1.000000000000", "must list <job id>.<version> items"),
        ("job-1.00000000000g", "must list <job id>.<version> items"),
        (",".join(["job-1.000000000000"] * 51), "may list at most 50 items"),
        ("x" * 4000, "is too long"),
    ],
)
def test_malformed_rows_are_a_400_saying_why(staff_client, staff, rows, says):
    """Bad ?rows= is refused with a message naming the parameter, never a 500."""
    response = staff_client.get(f"/jobs/live?rows={rows}", headers=HX)
    assert response.status_code == 400
    assert f"The ?rows= parameter {says}" in html.unescape(response.get_data(as_text=True))


def test_the_poll_url_without_htmx_goes_to_the_list(staff_client, staff):
    """Opened directly, /jobs/live lands on My jobs."""
    response = staff_client.get("/jobs/live?rows=")
    assert response.status_code == 302 and response.headers["Location"] == "/jobs"


def test_the_job_page_poll_is_an_empty_204_while_nothing_changed(staff_client, staff):
    """The page's poll sends back the version it got; unchanged → 204, changed → the part."""
    job = make_job(staff, "processing", progress=30, started_at=utcnow(), attempts=1)
    first = staff_client.get(f"/jobs/{job.id}/live", headers=HX)
    assert first.status_code == 200 and 'aria-valuenow="30"' in first.get_data(as_text=True)
    version = first.headers["X-Job-Version"]
    again = staff_client.get(f"/jobs/{job.id}/live", headers={**HX, "X-Job-Version": version})
    assert again.status_code == 204 and again.get_data() == b""
    assert again.headers["X-Job-Version"] == version
    set_progress(job, 31, "Reading orders")
    moved = staff_client.get(f"/jobs/{job.id}/live", headers={**HX, "X-Job-Version": version})
    assert moved.status_code == 200 and 'aria-valuenow="31"' in moved.get_data(as_text=True)
    assert moved.headers["X-Job-Version"] != version
    stale = staff_client.get(f"/jobs/{job.id}/live", headers={**HX, "X-Job-Version": "junk"})
    assert stale.status_code == 200
