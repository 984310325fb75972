"""My jobs: own jobs newest first, filters, keyset pages, and the row partial each poll gets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.staff.helpers import HX, make_job, rows_of
from webapp.engine.errors import GENERATION_FAILED, NO_DATA
from webapp.extensions import db
from webapp.jobs.listing import Cursor, JobFilters, list_jobs
from webapp.models.job import Job
from webapp.models.types import utcnow
from webapp.monitoring.keyset import MAX_MICROS


def next_link(html: str, rel: str) -> str | None:
    """The href of the Older (rel=next) or Newer (rel=prev) link, if the page has one."""
    match = re.search(rf'<a class="button" rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def sixty_jobs(staff, other_staff):
    """60 of the staff user's jobs (ten share one created_at) and 5 of another user's."""
    start = utcnow() - timedelta(hours=2)
    same = start + timedelta(minutes=30)
    ids = []
    for n in range(60):
        created = same if 30 <= n < 40 else start + timedelta(minutes=n)
        ids.append(make_job(staff, "completed", created_at=created, commit=False).id)
    for n in range(5):
        make_job(other_staff, created_at=start + timedelta(minutes=n), commit=False)
    db.session.commit()
    return ids


def test_empty_list_points_to_the_forms(staff_client):
    """With no jobs the page says so and links to both forms."""
    html = staff_client.get("/jobs").get_data(as_text=True)
    assert "<h1>My jobs</h1>" in html and "Nothing here yet" in html
    assert 'href="/reports/new"' in html and 'href="/exports/new"' in html


def test_keyset_pages_cover_every_job_once_in_order(staff_client, sixty_jobs):
    """Older links walk 25 + 25 + 10 rows with no duplicate or gap; Newer walks back the same."""
    seen, pages, url = [], [], "/jobs"
    while url:
        html = staff_client.get(url).get_data(as_text=True)
        ids = rows_of(html)
        pages.append(ids)
        seen += ids
        url = next_link(html, "next")
    assert [len(ids) for ids in pages] == [25, 25, 10]
    assert len(set(seen)) == 60 and set(seen) == set(sixty_jobs)
    jobs = {job.id: job for job in db.session.query(Job).all()}
    keys = [(jobs[i].created_at, i) for i in seen]
    assert keys == sorted(keys, reverse=True)  # newest first, ties broken by id

    html = staff_client.get(url or "/jobs").get_data(as_text=True)
    last_page = staff_client.get(
        next_link(staff_client.get(next_link(html, "next")).get_data(as_text=True), "next")
    ).get_data(as_text=True)
    assert next_link(last_page, "next") is None
    back = staff_client.get(next_link(last_page, "prev")).get_data(as_text=True)
    assert rows_of(back) == pages[1]
    first = staff_client.get(next_link(back, "prev")).get_data(as_text=True)
    assert rows_of(first) == pages[0] and next_link(first, "prev") is None


def test_newer_near_the_top_shows_the_full_first_page(app_ctx, staff, sixty_jobs):
    """A Newer page that would be short is the newest page, full."""
    first = list_jobs(staff, JobFilters())
    second = list_jobs(staff, JobFilters(), before=first.older)
    near_top = list_jobs(staff, JobFilters(), after=Cursor.of(first.jobs[10]))
    assert [j.id for j in near_top.jobs] == [j.id for j in first.jobs]
    assert near_top.newer is None and near_top.older == first.older
    shifted = list_jobs(staff, JobFilters(), after=Cursor.of(second.jobs[5]))
    expected = [j.id for j in first.jobs[5:] + second.jobs[:5]]
    assert [j.id for j in shifted.jobs] == expected
    assert shifted.newer is not None and shifted.older is not None


def test_cursor_round_trip_and_garbage():
    """Cursors are exact to the microsecond; malformed ones are refused, saying the shape."""
    now = utcnow()
    cursor = Cursor(now, "job-20250101-abc")
    assert Cursor.decode(cursor.encode()) == cursor
    last = Cursor(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "job-x")
    assert Cursor.decode(last.encode()) == last
    junk = ["", "abc", "12", "-5.job", "1.", "9" * 30 + ".x", "1e9.job", "²³.job", "٣.job"]
    junk += [f"{MAX_MICROS + 1}.job", "999999999999999999.x", "5.job id", "5.job\x00", ".job"]
    for text in junk:
        with pytest.raises(ValueError, match=r"must look like <microseconds>\.<job id>"):
            Cursor.decode(text)


def test_a_malformed_cursor_is_a_400_not_the_first_page(staff_client, staff):
    """?before= that is not a cursor says so (400) instead of silently showing the top."""
    make_job(staff)
    response = staff_client.get("/jobs?before=yesterday")
    assert response.status_code == 400
    assert "The ?before= parameter must look like" in response.get_data(as_text=True)


def test_staff_see_only_their_own_jobs(staff_client, staff, other_staff):
    """Another user's jobs never show up, not even with ?owner=."""
    mine = make_job(staff)
    theirs = make_job(other_staff)
    for url in ("/jobs", f"/jobs?owner={other_staff.id}"):
        html = staff_client.get(url).get_data(as_text=True)
        assert rows_of(html) == [mine.id]
        assert theirs.id not in html and 'name="owner"' not in html


def test_filters_by_status_and_type_with_and_without_htmx(staff_client, staff):
    """?status= and ?type= narrow the list; HTMX gets the list alone, others the whole page."""
    done = make_job(staff, "completed")
    failed = make_job(staff, "failed", error_code=GENERATION_FAILED)
    export = make_job(staff, "completed", job_type="orders_export")
    assert rows_of(staff_client.get("/jobs?status=failed").get_data(as_text=True)) == [failed.id]
    html = staff_client.get("/jobs?status=completed&type=sales_report").get_data(as_text=True)
    assert rows_of(html) == [done.id]
    assert '<option value="completed" selected>' in html
    partial = staff_client.get("/jobs?type=orders_export", headers={**HX, "HX-Target": "job-list"})
    body = partial.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="job-list"') and "<html" not in body
    assert rows_of(body) == [export.id]
    assert "HX-Request" in partial.headers["Vary"]
    restore = {**HX, "HX-Target": "job-list", "HX-History-Restore-Request": "true"}
    page = staff_client.get("/jobs?type=orders_export", headers=restore).get_data(as_text=True)
    assert "<html" in page  # a history restore after a cache miss needs the whole page
    bogus = staff_client.get("/jobs?status=bogus&type=nope")
    assert bogus.status_code == 400  # unknown filter values are refused, naming the filter
    assert "The ?status= parameter must be one of: cancelled, completed" in bogus.get_data(
        as_text=True
    )
    empty = staff_client.get("/jobs?status=cancelled").get_data(as_text=True)
    assert "No jobs match these filters." in empty


def test_filters_and_pager_work_without_javascript(staff_client, staff):
    """Every hx-get sits beside a real href or form action to the same URL."""
    for n in range(27):
        make_job(staff, created_at=utcnow() - timedelta(minutes=n), commit=n == 26)
    html = staff_client.get("/jobs?status=pending").get_data(as_text=True)
    assert 'method="get" action="/jobs"' in html and 'hx-push-url="true"' in html
    older = re.search(r'rel="next" href="([^"]+)" hx-get="([^"]+)"', html)
    assert older and older.group(1) == older.group(2) and "status=pending" in older.group(1)


def test_admins_see_everyone_and_filter_by_owner(admin_client, staff, other_staff):
    """Admins list every job with its owner, and can narrow to one owner."""
    mine = make_job(staff)
    theirs = make_job(other_staff)
    html = admin_client.get("/jobs").get_data(as_text=True)
    assert "<h1>All jobs</h1>" in html
    assert set(rows_of(html)) == {mine.id, theirs.id}
    assert staff.email in html and other_staff.email in html and 'name="owner"' in html
    html = admin_client.get(f"/jobs?owner={other_staff.id}").get_data(as_text=True)
    assert rows_of(html) == [theirs.id]


def test_a_running_row_is_kept_live_by_the_list_not_by_itself(staff_client, staff):
    """The row partial alone: no poll of its own (the list polls once for all), its bar and a
    version token the list's poll sends back."""
    job = make_job(staff, "processing", progress=45, message="Reading orders")
    response = staff_client.get(f"/jobs/{job.id}/row", headers=HX)
    body = response.get_data(as_text=True).strip()
    assert response.status_code == 200 and body.startswith(f'<tr id="job-{job.id}"')
    assert body.endswith("</tr>") and "<html" not in body
    assert "hx-get" not in body and "hx-trigger" not in body and "hx-swap-oob" not in body
    assert re.search(r'data-version="[0-9a-f]{12}"', body)
    assert 'role="progressbar" aria-valuenow="45"' in body
    assert 'aria-valuemin="0" aria-valuemax="100"' in body and "aria-label=" in body
    assert "45&nbsp;%" in body and "Reading orders" in body and "pct-45" in body
    page = staff_client.get("/jobs").get_data(as_text=True)
    assert 'id="job-list" class="job-list" data-live-url="/jobs/live"' in page


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_a_final_row_stops_polling(staff_client, staff, status):
    """A final job's row says so (data-job-state="final"): the list's poll leaves it out."""
    job = make_job(staff, status, error_code=NO_DATA if status == "failed" else None)
    body = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in body and "hx-get" not in body
    assert 'data-job-state="final"' in body
    if status == "completed":
        assert "/download/" in body and "Download" in body
    if status == "failed":
        assert "E7006 · Not enough data" in body


def test_the_page_and_the_poll_render_the_same_row(staff_client, staff):
    """One partial, two uses: the row in the page is the row the poll returns."""
    job = make_job(staff, "pending", created_at=utcnow() - timedelta(minutes=5))
    page = staff_client.get("/jobs").get_data(as_text=True)
    alone = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True).strip()
    assert alone in page


def test_the_row_url_without_htmx_goes_to_the_job_page(staff_client, staff):
    """Opening a partial's URL directly lands on the job's page."""
    job = make_job(staff)
    for part in ("row", "live"):
        response = staff_client.get(f"/jobs/{job.id}/{part}")
        assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{job.id}"


def test_a_completed_jobs_expired_result_says_so(staff_client, staff):
    """A purged result shows 'Expired' instead of a download link."""
    job = make_job(staff, "completed", purged_at=utcnow())
    body = staff_client.get(f"/jobs/{job.id}/row", headers=HX).get_data(as_text=True)
    assert "Expired" in body and "/download/" not in body


def test_nav_shows_my_jobs_and_the_forms(staff_client):
    """The navigation links appear now that the endpoints exist."""
    html = staff_client.get("/jobs").get_data(as_text=True)
    assert '<a href="/jobs" aria-current="page">My jobs</a>' in html
    assert '<a href="/reports/new">New report</a>' in html
    assert '<a href="/exports/new">New export</a>' in html


def test_nav_says_all_jobs_to_an_admin(admin_client):
    """An admin's /jobs lists everyone's jobs, and the navigation says so."""
    html = admin_client.get("/jobs").get_data(as_text=True)
    assert '<a href="/jobs" aria-current="page">All jobs</a>' in html
    assert "<h1>All jobs</h1>" in html and ">My jobs<" not in html


def test_pages_are_read_through_the_user_created_index(app_ctx, staff, sixty_jobs):
    """Deep pages cost the same as the first: SQLite searches idx_user_created, no sort step."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on table statistics")
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        """Keep the statements list_jobs runs."""
        captured.append((statement, parameters))

    first = list_jobs(staff, JobFilters())
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        list_jobs(staff, JobFilters(), before=first.older)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = next(c for c in captured if "ORDER BY jobs.created_at DESC" in c[0])
    plan = " | ".join(
        row[3]
        for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters
        )
    )
    assert "USING INDEX idx_user_created (user_id=? AND (created_at,id)<(?,?))" in plan
    assert "TEMP B-TREE" not in plan
