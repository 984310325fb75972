"""/ops/jobs: search every job by id, owner, type, status, queue and request day; exact rows,
keyset pages, each combination read through its own index, bad input a 400."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.ops.failed_helpers import found_rows, newer_link, older_link
from tests.staff.helpers import make_job
from tests.staff.test_query_plans import plans as captured_plans
from webapp.extensions import db
from webapp.models.job import STATUSES, Job
from webapp.models.user import User
from webapp.monitoring import keyset
from webapp.monitoring.job_search import JobSearch, search_page

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
KINDS = [("sales_report", "reports"), ("orders_export", "exports"), ("ping", "default")]


@pytest.fixture
def corpus(staff: User, other_staff: User) -> list[Job]:
    """60 jobs over two owners, three types and queues, five statuses and three days."""
    jobs = []
    combos = itertools.product([staff, other_staff], KINDS, STATUSES)
    for i, (owner, (kind, queue), status) in enumerate(combos):
        for day in (0, 1):
            moment = T0 + timedelta(days=day * (1 + i % 2), minutes=i)
            jobs.append(make_job(owner, status, job_type=kind, queue=queue, created_at=moment))
    return jobs


def expected(jobs: list[Job], search: JobSearch, owners: dict[str, int]) -> list[str]:
    """The ids a search must find, newest first, worked out in Python."""

    def keep(job: Job) -> bool:
        day = job.created_at.date()
        return all([
            not search.owner or job.user_id == owners.get(search.owner),
            not search.type or job.type == search.type,
            not search.status or job.status == search.status,
            not search.queue or job.queue == search.queue,
            search.day_from is None or day >= search.day_from,
            search.day_to is None or day <= search.day_to,
        ])  # fmt: skip

    matching = sorted((j for j in jobs if keep(j)), key=lambda j: (j.created_at, j.id))
    return [job.id for job in reversed(matching)]


SEARCHES = [
    JobSearch(),
    JobSearch(owner="omar@example.com"),
    JobSearch(owner="omar@example.com", status="failed"),
    JobSearch(owner="sara@example.com", type="ping", queue="default"),
    JobSearch(queue="exports"),
    JobSearch(queue="exports", status="cancelled"),
    JobSearch(queue="reports", type="orders_export"),
    JobSearch(type="ping"),
    JobSearch(type="ping", status="pending"),
    JobSearch(type="ping", status="completed"),
    JobSearch(status="processing"),
    JobSearch(day_from=date(2025, 6, 11)),
    JobSearch(day_to=date(2025, 6, 10), status="failed"),
    JobSearch(day_from=date(2025, 6, 11), day_to=date(2025, 6, 11), queue="default"),
    JobSearch(owner="nobody@example.com"),
]


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: str(s.query_args()) or "all")
@pytest.mark.parametrize("size", [4, 50])
def test_every_search_pages_through_exactly_its_jobs(app_ctx, corpus, staff, other_staff,
                                                     search, size):  # fmt: skip
    """Going Older page by page gives every matching job once, newest first; Newer goes back."""
    owners = {staff.email: staff.id, other_staff.email: other_staff.id}
    pages, page = [], search_page(search, size=size)
    while True:
        pages.append([job.id for job in page.jobs])
        if page.older is None:
            break
        page = search_page(search, before=page.older, size=size)
    assert [job_id for page in pages for job_id in page] == expected(corpus, search, owners)
    assert all(len(p) == size for p in pages[:-1])
    newer, back = page.newer, [pages[-1]]
    while newer is not None:  # and Newer from the last page back to the first
        page = search_page(search, after=newer, size=size)
        back.append([job.id for job in page.jobs])
        newer = page.newer
    assert back[::-1] == pages


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: str(s.query_args()) or "all")
def test_pages_cut_short_by_the_read_budget_still_reach_every_job_once(
    app_ctx, corpus, staff, other_staff, monkeypatch, search
):
    """Read 2 rows at a time with a budget of 10 (2 per status when a queue is searched alone):
    pages stop early, yet going Older reaches every matching job exactly once, in order."""
    monkeypatch.setattr(keyset, "WINDOW", 2)
    monkeypatch.setattr(keyset, "BUDGET", 10)
    owners = {staff.email: staff.id, other_staff.email: other_staff.id}
    found, page, pages = [], search_page(search, size=4), 1
    while True:
        found += [job.id for job in page.jobs]
        if page.older is None:
            break
        page, pages = search_page(search, before=page.older, size=4), pages + 1
        assert pages < 100
    assert found == expected(corpus, search, owners)


def test_merged_walks_stop_where_the_first_of_them_stopped(app_ctx, staff, monkeypatch):
    """A queue alone is read once per status. When the busy status runs out of budget, the
    page ends there: an older failure found by the quiet status waits for its own page, so no
    job between them is skipped or shown twice."""
    monkeypatch.setattr(keyset, "WINDOW", 2)
    monkeypatch.setattr(keyset, "BUDGET", 10)  # 2 rows per status
    done = [make_job(staff, "completed", job_type="orders_export", queue="exports",
                     created_at=T0 + timedelta(minutes=10 + i)) for i in range(6)]  # fmt: skip
    failed = make_job(staff, "failed", job_type="orders_export", queue="exports", created_at=T0)
    search = JobSearch(queue="exports", type="orders_export")  # the type is checked row by row
    page = search_page(search, size=4)
    assert [job.id for job in page.jobs] == [done[5].id, done[4].id] and page.cut_short
    found = [job.id for job in page.jobs]
    while page.older is not None:
        page = search_page(search, before=page.older, size=4)
        found += [job.id for job in page.jobs]
    assert found == [job.id for job in reversed(done)] + [failed.id]


def test_the_page_lists_links_and_pages_over_http(admin_client, corpus, staff):
    """60 jobs: 50 then 10, each row linking to its job page; the search is kept on the pager."""
    html = admin_client.get("/ops/jobs").get_data(as_text=True)
    first = found_rows(html)
    assert len(first) == 50 and f'href="/jobs/{first[0]}"' in html
    older = older_link(html)
    assert older is not None
    rest = found_rows(admin_client.get(older).get_data(as_text=True))
    assert len(rest) == 10 and not set(rest) & set(first)
    html = admin_client.get(f"/ops/jobs?owner={staff.email}&status=failed").get_data(as_text=True)
    assert len(found_rows(html)) == 6 and older_link(html) is None and newer_link(html) is None


def test_an_exact_id_is_found_alone_and_must_match_the_rest(admin_client, corpus):
    """id= finds that one job in any state; with a filter it does not match, nothing."""
    job = corpus[7]
    assert found_rows(admin_client.get(f"/ops/jobs?id={job.id}").get_data(as_text=True)) == [job.id]
    other = "completed" if job.status != "completed" else "failed"
    html = admin_client.get(f"/ops/jobs?id={job.id}&status={other}").get_data(as_text=True)
    assert found_rows(html) == [] and "No job matches this search." in html
    day = job.created_at.date()
    for query in (f"to={day - timedelta(days=1)}", f"from={day + timedelta(days=1)}",
                  "owner=nobody@example.com", "queue=notifications", "type=ops_bulk"):  # fmt: skip
        html = admin_client.get(f"/ops/jobs?id={job.id}&{query}").get_data(as_text=True)
        assert found_rows(html) == [], query
    html = admin_client.get(f"/ops/jobs?id={job.id}&from={day}&to={day}").get_data(as_text=True)
    assert found_rows(html) == [job.id]
    html = admin_client.get("/ops/jobs?id=job-20250101-nosuchjob").get_data(as_text=True)
    assert found_rows(html) == []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("status=exploded", "?status= parameter must be one of"),
        ("type=nope", "?type= parameter must be one of"),
        ("queue=nope", "?queue= parameter must be one of"),
        ("id=" + "9" * 61, "too long"),
        ("id=job%2F..%2Fetc", "must be a job id"),
        ("owner=no-at-sign", "must be a user&#39;s email address or id"),
        ("from=2025-6-1", "must be a date written YYYY-MM-DD"),
        ("from=2025-06-02&to=2025-06-01", "must not be before"),
        ("before=" + "1" * 30 + ".job-x", "must look like"),
        ("after=abc", "must look like"),
    ],
)
def test_bad_input_is_a_400_saying_why(admin_client, query, says):
    """Unknown status, type or queue, malformed ids, dates and cursors: 400 with the reason."""
    response = admin_client.get(f"/ops/jobs?{query}")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


def test_a_rare_match_stops_at_the_read_budget_and_older_goes_on(app_ctx, staff, monkeypatch):
    """Type ping among 20 reports, read 4 at a time with a budget of 8: the page stops and
    says so; Older reaches the ping without reading everything in one page."""
    monkeypatch.setattr(keyset, "WINDOW", 4)
    monkeypatch.setattr(keyset, "BUDGET", 8)
    ping = make_job(staff, "completed", job_type="ping", queue="default", created_at=T0)
    for i in range(1, 21):
        make_job(staff, "completed", created_at=T0 + timedelta(minutes=i))
    search = JobSearch(owner=staff.email, type="ping")
    page, pages = search_page(search), 1
    assert page.jobs == [] and page.cut_short
    while not page.jobs and page.older is not None:
        page, pages = search_page(search, before=page.older), pages + 1
    assert [job.id for job in page.jobs] == [ping.id] and pages == 3


@pytest.mark.parametrize(
    ("search", "index"),
    [
        (JobSearch(), "idx_created"),
        (JobSearch(owner="sara@example.com"), "idx_user_created"),
        (JobSearch(owner="sara@example.com", status="failed", type="ping"), "idx_user_status"),
        (JobSearch(queue="exports", status="failed"), "idx_queue_status_created"),
        (JobSearch(queue="exports"), "idx_queue_status_created"),
        (JobSearch(type="ping"), "idx_type_created"),
        (JobSearch(type="ping", status="completed"), "idx_type_created"),
        (JobSearch(type="ping", status="failed"), "idx_status_created"),
        (JobSearch(status="pending", day_from=date(2025, 6, 1)), "idx_status_created"),
    ],
)
def test_each_search_reads_its_index_in_order(app_ctx, staff, search, index):
    """No scan, no sort step: every query of a search walks an index already in its order."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on table statistics")
    make_job(staff, "pending")
    for plan in captured_plans(lambda: search_page(search), "ORDER BY jobs.created_at DESC"):
        assert f"INDEX {index} " in plan + " " and "TEMP B-TREE" not in plan, plan


def test_the_failed_list_reads_idx_failed_list_in_order(app_ctx, staff):
    """The failed list walks idx_failed_list newest failure first, never a discarded job."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on table statistics")
    from webapp.monitoring.failed import FailedFilter, failed_page

    plans = captured_plans(lambda: failed_page(FailedFilter(type="ping")), "jobs.failed_at DESC")
    for plan in plans:
        assert "INDEX idx_failed_list (status=? AND discarded_at=?" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
