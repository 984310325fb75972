"""My jobs: search by name, a day range, both kept by the pager; owners rename their jobs."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_from
from tests.staff.helpers import make_job, rows_of
from webapp.extensions import db
from webapp.models.job import Job


def at(day: int, hour: int = 12) -> datetime:
    """A moment in March 2026 (UTC)."""
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_search_finds_names_case_insensitively(staff_client, staff):
    """?q= matches a part of the name in any case; % and _ are plain characters."""
    board = make_job(staff, name="Board meeting Q1")
    make_job(staff, name="Weekly sales")
    odd = make_job(staff, name="100% done_ok")
    make_job(staff)  # unnamed
    assert rows_of(staff_client.get("/jobs?q=BOARD").get_data(as_text=True)) == [board.id]
    assert rows_of(staff_client.get("/jobs?q=%25").get_data(as_text=True)) == [odd.id]
    assert rows_of(staff_client.get("/jobs?q=e_o").get_data(as_text=True)) == [odd.id]
    page = staff_client.get("/jobs?q=nothing").get_data(as_text=True)
    assert "No jobs match these filters." in page
    assert 'name="q" value="nothing"' in page


def test_a_day_range_keeps_the_jobs_requested_on_those_days(staff_client, staff):
    """?from= and ?to= are UTC days, both included."""
    jobs = {
        day: make_job(staff, created_at=at(day, hour)) for day, hour in ((1, 0), (2, 23), (3, 12))
    }
    page = staff_client.get("/jobs?from=2026-03-02&to=2026-03-02").get_data(as_text=True)
    assert rows_of(page) == [jobs[2].id]
    assert rows_of(staff_client.get("/jobs?from=2026-03-02").get_data(as_text=True)) == [
        jobs[3].id, jobs[2].id,
    ]  # fmt: skip
    assert rows_of(staff_client.get("/jobs?to=2026-03-01").get_data(as_text=True)) == [jobs[1].id]
    assert rows_of(staff_client.get("/jobs?to=9999-12-31").get_data(as_text=True)) != []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=yesterday", "The ?from= parameter must be a date written YYYY-MM-DD"),
        ("from=2026-02-30", "The ?from= parameter must be a real date written YYYY-MM-DD"),
        ("to=٢٠٢٦-03-01", "The ?to= parameter must be a date written YYYY-MM-DD"),
        ("to=20260301", "The ?to= parameter must be a date written YYYY-MM-DD"),
        ("from=2026-03-05&to=2026-03-01", "The ?to= parameter must not be before ?from="),
        ("q=" + "x" * 121, "The ?q= parameter is too long (at most 120 characters)"),
        ("q=a%00b", "The ?q= parameter must not contain control characters"),
    ],
)
def test_bad_filters_are_a_400_saying_why(staff_client, staff, query, says):
    """Every filter is parsed strictly: a message naming the parameter, never a 500."""
    response = staff_client.get(f"/jobs?{query}")
    assert response.status_code == 400
    assert says in html.unescape(response.get_data(as_text=True))


def test_the_pager_keeps_the_search_and_days(staff_client, staff):
    """30 matching jobs among others: two pages, every link keeping q, from and to."""
    for n in range(30):
        make_job(staff, name=f"Audit {n}", created_at=at(10) + timedelta(minutes=n), commit=False)
        make_job(staff, name=f"Other {n}", created_at=at(10) + timedelta(minutes=n), commit=False)
    make_job(staff, name="Audit late", created_at=at(20))
    seen, url = [], "/jobs?q=audit&from=2026-03-10&to=2026-03-10"
    while url:
        page = staff_client.get(url).get_data(as_text=True)
        seen += rows_of(page)
        match = re.search(r'rel="next" href="([^"]+)"', page)
        url = html.unescape(match.group(1)) if match else ""
        if url:
            assert "q=audit" in url and "from=2026-03-10" in url and "to=2026-03-10" in url
    names = {job.id: job.name for job in db.session.query(Job)}
    assert len(seen) == len(set(seen)) == 30
    assert all(names[i].startswith("Audit ") and names[i] != "Audit late" for i in seen)


def test_the_owner_renames_a_job_from_its_page(staff_client, staff):
    """A small POST form on the job page: the new name is shown there and in the list."""
    job = make_job(staff)
    page = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'action="/jobs/{job.id}/name"' in page and 'name="csrf_token"' in page
    token = csrf_from(staff_client, f"/jobs/{job.id}")
    response = staff_client.post(
        f"/jobs/{job.id}/name", data={"csrf_token": token, "name": " March  close "}
    )
    assert response.status_code == 303
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>March close" in page and "Named “March close”." in html.unescape(page)
    assert ">March close</a>" in staff_client.get("/jobs").get_data(as_text=True)
    staff_client.post(f"/jobs/{job.id}/name", data={"csrf_token": token, "name": "x" * 121})
    db.session.expire_all()
    assert db.session.get(Job, job.id).name == "March close"  # too long: refused, kept


def test_renaming_needs_csrf_and_ownership(staff_client, staff, other_staff):
    """No token: refused. Another user's job: 404, as if it did not exist."""
    mine = make_job(staff)
    theirs = make_job(other_staff)
    assert staff_client.post(f"/jobs/{mine.id}/name", data={"name": "x"}).status_code == 400
    token = csrf_from(staff_client, f"/jobs/{mine.id}")
    response = staff_client.post(f"/jobs/{theirs.id}/name", data={"csrf_token": token, "name": "x"})
    assert response.status_code == 404


def test_an_admin_may_not_rename_someone_elses_job(admin_client, staff):
    """The name is the owner's: an admin sees no form on another's job, and a POST is 403."""
    job = make_job(staff)
    page = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'action="/jobs/{job.id}/name"' not in page
    token = csrf_from(admin_client, f"/jobs/{job.id}")
    response = admin_client.post(f"/jobs/{job.id}/name", data={"csrf_token": token, "name": "x"})
    assert response.status_code == 403
