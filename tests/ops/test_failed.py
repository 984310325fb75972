"""/ops/failed: the list, its filters and pages, retry and discard of one job or a selection,
the staff-404 matrix, and the audit entries on the job page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_from, make_user, sign_in
from tests.jobs import helpers as job_helpers
from tests.jobs.helpers import wait_for
from tests.ops.failed_helpers import failed_job, failed_rows, flashes, newer_link, older_link
from tests.staff.helpers import make_job
from webapp.engine import dispatch, service
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.ops import AuditEvent
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.monitoring import audit
from webapp.monitoring.failed import FailedFilter, failed_page

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def flaky(app) -> Iterator[dict]:
    """The test job types (t_flaky and friends) with their knobs reset."""
    job_helpers.SCRIPT.clear()
    with app.app_context():
        job_helpers.register_test_types()
    yield job_helpers.SCRIPT
    job_helpers.SCRIPT.clear()


def token(client: FlaskClient) -> str:
    return csrf_from(client, "/jobs")


def test_the_list_shows_failed_jobs_not_discarded_newest_failure_first(admin_client, staff):
    """Completed, pending and discarded jobs stay off; the newest failure is first."""
    old = failed_job(staff, at=T0)
    new = failed_job(staff, at=T0 + timedelta(hours=1))
    failed_job(staff, at=T0 + timedelta(hours=2), discarded_at=T0 + timedelta(hours=3))
    make_job(staff, "completed")
    make_job(staff, "pending")
    html = admin_client.get("/ops/failed").get_data(as_text=True)
    assert failed_rows(html) == [new.id, old.id]
    assert "E7005" in html and "Report generation failed" in html and "3 of 3" in html
    assert f'href="/jobs/{new.id}"' in html
    assert 'datetime="2025-06-10T13:00:00Z"' in html  # the failure time, for app.js to localise
    assert 'name="ids"' in html and 'name="csrf_token"' in html


@pytest.fixture
def assorted(staff: User, other_staff: User) -> dict[str, Job]:
    """Failed jobs differing in one field each from the first."""
    return {
        "base": failed_job(staff, at=T0),
        "export": failed_job(
            staff, at=T0 + timedelta(minutes=1), job_type="orders_export", queue="exports"
        ),
        "code": failed_job(staff, at=T0 + timedelta(minutes=2), code="E7002"),
        "omar": failed_job(other_staff, at=T0 + timedelta(minutes=3)),
        "later": failed_job(staff, at=T0 + timedelta(days=2)),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["later", "omar", "code", "export", "base"]),
        ("type=orders_export", ["export"]),
        ("type=sales_report", ["later", "omar", "code", "base"]),
        ("error_code=E7002", ["code"]),
        ("error_code=E7999", []),
        ("queue=exports", ["export"]),
        ("owner=omar@example.com", ["omar"]),
        ("owner=OMAR@example.com", ["omar"]),
        ("owner=nobody@example.com", []),
        ("from=2025-06-12", ["later"]),
        ("to=2025-06-10", ["omar", "code", "export", "base"]),
        ("from=2025-06-10&to=2025-06-10&type=sales_report&queue=reports", ["omar", "code", "base"]),
    ],
)
def test_filters_return_exactly_the_matching_failures(admin_client, assorted, query, expected):
    """Each filter, and several together, narrow the list to exactly the jobs that match."""
    html = admin_client.get(f"/ops/failed?{query}").get_data(as_text=True)
    assert failed_rows(html) == [assorted[name].id for name in expected]


def test_the_owner_filter_takes_a_user_id(admin_client, assorted, other_staff):
    """owner=<id> is the same as the owner's email."""
    html = admin_client.get(f"/ops/failed?owner={other_staff.id}").get_data(as_text=True)
    assert failed_rows(html) == [assorted["omar"].id]


def test_older_and_newer_walk_every_failure_once(admin_client, staff):
    """120 failures: 50, 50, 20 going older, each once; Newer comes back to the same pages."""
    jobs = [failed_job(staff, at=T0 + timedelta(seconds=i)) for i in range(120)]
    expected = [job.id for job in reversed(jobs)]
    pages, url = [], "/ops/failed?queue=reports"
    while url:
        html = admin_client.get(url).get_data(as_text=True)
        pages.append(failed_rows(html))
        url = older_link(html)
        assert url is None or "queue=reports" in url  # the filter is kept
    assert [len(page) for page in pages] == [50, 50, 20]
    assert [job_id for page in pages for job_id in page] == expected
    back = newer_link(html)
    assert back is not None
    assert failed_rows(admin_client.get(back).get_data(as_text=True)) == pages[1]


def test_a_page_reads_in_windows_and_says_when_it_stopped(app_ctx, staff, monkeypatch):
    """A rare match past the read budget: the page stops, says so, and Older goes on to it."""
    from webapp.monitoring import keyset

    monkeypatch.setattr(keyset, "WINDOW", 4)
    monkeypatch.setattr(keyset, "BUDGET", 8)
    rare = failed_job(staff, at=T0, job_type="orders_export", queue="exports")
    for i in range(1, 21):
        failed_job(staff, at=T0 + timedelta(seconds=i))
    wanted = FailedFilter(type="orders_export")
    page = failed_page(wanted)
    assert page.jobs == [] and page.cut_short and page.older is not None
    seen = []
    while page.older is not None and not seen:
        page = failed_page(wanted, before=page.older)
        seen = [job.id for job in page.jobs]
    assert seen == [rare.id]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("type=nope", "?type= parameter must be one of"),
        ("queue=nope", "?queue= parameter must be one of"),
        ("error_code=E7%00", "must be an error code"),
        ("owner=nobody", "must be a user&#39;s email address or id"),
        ("owner=99999999999999999999", "must be a whole number"),
        ("from=2025-02-30", "must be a real date"),
        ("from=2025-06-02&to=2025-06-01", "must not be before"),
        ("before=" + "9" * 40 + ".job-x", "must look like"),
        ("after=12.a/b", "must look like"),
        ("confirm=everything", "?confirm= parameter must be one of"),
    ],
)
def test_bad_filters_are_a_400_saying_why(admin_client, query, says):
    """Unknown values, malformed dates and cursors: 400 with the reason, never a 500."""
    response = admin_client.get(f"/ops/failed?{query}")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


def test_retry_brings_a_failed_job_to_completion_on_a_real_worker(
    admin_client, admin, staff, worker, flaky
):
    """t_flaky fails its three attempts; Retry queues it again with the same id and three more
    attempts; the worker completes it on attempt 4; the audit entry names the admin."""
    flaky["fail_times"] = 3
    job = service.submit(staff, "t_flaky", {})
    failed = wait_for(job.id, lambda j: j.status == "failed")
    assert (failed.attempts, failed.max_attempts) == (3, 3)
    html = admin_client.get("/ops/failed").get_data(as_text=True)
    assert failed_rows(html) == [job.id]

    response = admin_client.post(
        f"/ops/jobs/{job.id}/retry", data={"csrf_token": token(admin_client)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/jobs/{job.id}"
    done = wait_for(job.id, lambda j: j.status == "completed")
    assert (done.id, done.attempts, done.max_attempts) == (job.id, 4, 6)
    assert done.result_data == {"attempt": 4}
    [entry] = audit.for_job(job.id)
    assert (entry.actor_email, entry.action, entry.target_kind) == (admin.email, "retry", "job")
    assert entry.address == "127.0.0.1"
    page = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Admin actions" in page and "Retried from the failed list" in page
    assert failed_rows(admin_client.get("/ops/failed").get_data(as_text=True)) == []


def test_retrying_a_job_no_longer_failed_says_so(admin_client, staff):
    """A job retried elsewhere meanwhile: no change, a warning, back to the list."""
    job = make_job(staff, "pending")
    response = admin_client.post(
        f"/ops/jobs/{job.id}/retry?type=sales_report", data={"csrf_token": token(admin_client)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/ops/failed?type=sales_report"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == ["Retried no jobs; 1 was no longer failed."]
    assert db.session.get(Job, job.id, populate_existing=True).status == "pending"
    assert audit.for_job(job.id) == []


@pytest.mark.parametrize("job_id", ["job-20250101-unknown", "x" * 51, "a.b", "%E2%80%AE"])
@pytest.mark.parametrize("action", ["retry", "discard"])
def test_unknown_or_malformed_ids_are_a_404(admin_client, job_id, action):
    """No such job, or no id at all: 404, never a 500."""
    response = admin_client.post(
        f"/ops/jobs/{job_id}/{action}", data={"csrf_token": token(admin_client)}
    )
    assert response.status_code == 404


def test_discard_takes_a_job_off_the_list_keeps_its_row_and_removes_its_files(
    admin_client, admin, staff
):
    """Discard: off the list, row and timeline kept, files gone, audit entry written."""
    job = failed_job(staff, at=T0)
    other = failed_job(staff, at=T0 + timedelta(minutes=1))
    (job_dir(job.id, create=True) / "partial.csv").write_text("x")
    response = admin_client.post(
        f"/ops/jobs/{job.id}/discard", data={"csrf_token": token(admin_client)}
    )
    assert response.status_code == 303
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(html) == [
        "Discarded: the job is off the failed list; its page and timeline stay."
    ]
    assert failed_rows(html) == [other.id]
    kept = db.session.get(Job, job.id, populate_existing=True)
    assert kept.status == "failed" and kept.discarded_at is not None
    assert not job_dir(job.id).exists()
    assert [(e.action, e.actor_email) for e in audit.for_job(job.id)] == [("discard", admin.email)]
    assert admin_client.get(f"/jobs/{job.id}").status_code == 200  # its page stays


def test_retry_selected_counts_what_it_skipped(admin_client, admin, staff, redis_broker):
    """Three failed, one pending and one unknown id: three retried and sent, two counted."""
    jobs = [failed_job(staff, at=T0 + timedelta(minutes=i)) for i in range(3)]
    pending = make_job(staff, "pending")
    untouched = failed_job(staff, at=T0 - timedelta(days=1))
    ids = [job.id for job in jobs] + [pending.id, "job-20250101-nosuchjob"]
    response = admin_client.post(
        "/ops/failed/selected?queue=reports",
        data={"csrf_token": token(admin_client), "action": "retry", "ids": ids},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/ops/failed?queue=reports"
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(html) == ["Retried 3 jobs; 1 was no longer failed; 1 was not found."]
    assert failed_rows(html) == [untouched.id]
    for job in jobs:
        row = db.session.get(Job, job.id, populate_existing=True)
        assert (row.status, row.attempts, row.max_attempts) == ("pending", 3, 6)
        assert dispatch.message_present(row.queue, row.message_id)  # sent from the row
        assert [e.action for e in audit.for_job(job.id)] == ["retry"]
    summary = db.session.scalars(select(AuditEvent).where(AuditEvent.target_kind == "jobs")).all()
    assert [(s.action, s.detail) for s in summary] == [
        ("retry", "Retry 5 selected: Retried 3 jobs; 1 was no longer failed; 1 was not found")
    ]


def test_discard_selected(admin_client, admin, staff):
    """Two ticked jobs are discarded, one already discarded is counted; the third stays."""
    picked = [failed_job(staff, at=T0 + timedelta(minutes=i)) for i in range(2)]
    gone = failed_job(staff, at=T0, discarded_at=T0)
    stays = failed_job(staff, at=T0 + timedelta(hours=1))
    response = admin_client.post(
        "/ops/failed/selected",
        data={
            "csrf_token": token(admin_client),
            "action": "discard",
            "ids": [job.id for job in picked] + [gone.id],
        },
    )
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(html) == ["Discarded 2 jobs; 1 was already discarded."]
    assert failed_rows(html) == [stays.id]
    for job in picked:
        assert [e.action for e in audit.for_job(job.id)] == ["discard"]
    assert audit.for_job(gone.id) == []


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"action": "retry", "ids": ["job-x"] * 51}, 400),
        ({"action": "retry", "ids": ["a/b"]}, 400),
        ({"action": "retry", "ids": ["x" * 51]}, 400),
        ({"action": "explode", "ids": ["job-x"]}, 400),
        ({"ids": ["job-x"]}, 400),
        ({"action": "discard"}, 303),
    ],
)
def test_bad_selections_are_refused_clearly(admin_client, form, status):
    """More than a page, malformed ids or an unknown action: 400; nothing ticked: a word."""
    response = admin_client.post(
        "/ops/failed/selected", data={"csrf_token": token(admin_client), **form}
    )
    assert response.status_code == status
    if status == 303:
        page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
        assert flashes(page) == ["Tick the jobs to act on first."]


def test_everything_matching_asks_first_with_the_count(admin_client, staff):
    """?confirm=retry shows how many match, what will happen and a POST carrying the filter."""
    for i in range(3):
        failed_job(staff, at=T0 + timedelta(minutes=i))
    failed_job(staff, at=T0, job_type="orders_export", queue="exports")
    html = admin_client.get("/ops/failed?confirm=retry&type=sales_report").get_data(as_text=True)
    assert "Retry all 3 failed jobs matching type sales_report?" in html
    assert 'action="/ops/failed/matching"' in html
    assert '<input type="hidden" name="type" value="sales_report">' in html
    assert "Yes, retry 3 jobs" in html
    none = admin_client.get("/ops/failed?confirm=discard&queue=notifications")
    assert "No failed job matches queue notifications" in none.get_data(as_text=True)


def test_up_to_a_page_matching_is_done_at_once(admin_client, admin, staff, redis_broker):
    """Retry all matching with 3 matches: done in the request, the others untouched."""
    matching = [failed_job(staff, at=T0 + timedelta(minutes=i)) for i in range(3)]
    other = failed_job(staff, at=T0, job_type="orders_export", queue="exports")
    response = admin_client.post(
        "/ops/failed/matching",
        data={"csrf_token": token(admin_client), "action": "retry", "type": "sales_report"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/ops/failed?type=sales_report"
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(html) == ["Retried 3 jobs."]
    assert {db.session.get(Job, j.id, populate_existing=True).status for j in matching} == {
        "pending"
    }
    assert db.session.get(Job, other.id, populate_existing=True).status == "failed"
    summary = db.session.scalars(select(AuditEvent).where(AuditEvent.target_kind == "jobs")).one()
    assert summary.detail == "Retry everything matching type sales_report: Retried 3 jobs"
    assert summary.actor_email == admin.email


def test_a_bad_filter_posted_with_everything_matching_is_a_400(admin_client):
    """The form's filter is read as strictly as the list's."""
    response = admin_client.post(
        "/ops/failed/matching",
        data={"csrf_token": token(admin_client), "action": "retry", "from": "yesterday"},
    )
    assert response.status_code == 400


def test_admin_cancels_on_the_job_page_are_audited_owners_are_not(client, admin, staff):
    """An admin's cancel of a staff job is in the audit log and on the page; the owner's own
    cancel is not, and the owner's page shows no audit section."""
    theirs, own = make_job(staff, "pending"), make_job(staff, "pending")
    sign_in(client, staff.email)
    client.post(f"/jobs/{own.id}/cancel", data={"csrf_token": token(client)})
    assert "Admin actions" not in client.get(f"/jobs/{own.id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token(client)})
    sign_in(client, admin.email)
    client.post(f"/jobs/{theirs.id}/cancel", data={"csrf_token": token(client)})
    assert [(e.action, e.detail) for e in audit.for_job(theirs.id)] == [
        ("cancel", "Cancelled from the job page")
    ]
    assert audit.for_job(own.id) == []
    page = client.get(f"/jobs/{theirs.id}").get_data(as_text=True)
    assert "Admin actions" in page and "Cancelled from the job page" in page
    assert admin.email in page.split("job-audit")[1]


def test_an_admin_running_someone_elses_job_again_is_audited(admin_client, admin, staff):
    """Run again on a staff member's job: one audit entry naming the new job."""
    job = make_job(staff, "completed")
    response = admin_client.post(
        f"/jobs/{job.id}/run-again", data={"csrf_token": token(admin_client), "run_as": "owner"}
    )
    fresh_id = response.headers["Location"].rsplit("/", 1)[1]
    assert [(e.action, e.detail) for e in audit.for_job(job.id)] == [
        ("run_again", f"As {staff.email}: job {fresh_id}")
    ]


# Every URL and action this page adds: staff get 404 as for a page that does not exist.
ROUTES = [
    ("get", "/ops/failed", None),
    ("get", "/ops/failed?confirm=retry", None),
    ("get", "/ops/failed?confirm=discard&type=sales_report", None),
    ("get", "/ops/jobs", None),
    ("get", "/ops/jobs?status=failed", None),
    ("post", "/ops/jobs/{job}/retry", {}),
    ("post", "/ops/jobs/{job}/discard", {}),
    ("post", "/ops/failed/selected", {"action": "retry", "ids": ["{job}"]}),
    ("post", "/ops/failed/selected", {"action": "discard", "ids": ["{job}"]}),
    ("post", "/ops/failed/matching", {"action": "retry"}),
    ("post", "/ops/failed/matching", {"action": "discard"}),
]


@pytest.mark.parametrize(("method", "path", "form"), ROUTES)
@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_get_404_on_every_url_and_action_admins_get_the_page(
    client, app_ctx, role, method, path, form
):
    """Staff (with a valid CSRF token) get 404 and change nothing; admins get 200 or 303."""
    owner = make_user("sara@example.com", "staff")
    make_user("admin@example.com", "admin")
    job = failed_job(owner, at=utcnow())
    sign_in(client, f"{role}@example.com" if role == "admin" else owner.email)
    url = path.format(job=job.id)
    if method == "get":
        response = client.get(url)
    else:
        data = {k: ([v.format(job=job.id) for v in vs] if isinstance(vs, list) else vs)
                for k, vs in form.items()}  # fmt: skip
        response = client.post(url, data={"csrf_token": token(client), **data})
    row = db.session.get(Job, job.id, populate_existing=True)
    if role == "staff":
        assert response.status_code == 404
        assert (row.status, row.discarded_at) == ("failed", None)
        assert db.session.scalars(select(AuditEvent)).all() == []
    else:
        assert response.status_code == (200 if method == "get" else 303)


def test_many_discarded_jobs_do_not_hide_the_failed_ones(app_ctx, staff, monkeypatch):
    """Discarded jobs are never read: a small read budget still finds the two failed ones."""
    from datetime import timedelta

    from tests.ops.failed_helpers import failed_job
    from webapp.models.types import utcnow
    from webapp.monitoring import keyset
    from webapp.monitoring.failed import FailedFilter, failed_page

    now = utcnow()
    kept = [failed_job(staff, at=now - timedelta(hours=2 + n)).id for n in range(2)]
    for n in range(30):  # newer than the kept ones, all discarded
        failed_job(staff, at=now - timedelta(minutes=n), discarded_at=now)
    monkeypatch.setattr(keyset, "BUDGET", 10)
    monkeypatch.setattr(keyset, "WINDOW", 5)
    page = failed_page(FailedFilter(type="sales_report"))
    assert [job.id for job in page.jobs] == kept and not page.cut_short


def test_everything_matching_leaves_the_admins_bulk_jobs_out(app_ctx, staff, admin):
    """Retrying an old bulk job would do its work again: "everything" skips them."""
    from tests.ops.failed_helpers import failed_job
    from webapp.monitoring.failed import FailedFilter, count_matching, failed_page, matching_ids

    report = failed_job(staff)
    bulk = failed_job(admin, job_type="ops_bulk", queue="default")
    assert {job.id for job in failed_page(FailedFilter()).jobs} == {report.id, bulk.id}
    assert [p.job_id for p in matching_ids(FailedFilter(), None, 50)] == [report.id]
    assert count_matching(FailedFilter()) == 1
