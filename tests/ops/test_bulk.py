"""Everything matching, beyond a page: an ops_bulk job on a real worker, in batches, with its
progress, per-job audit entries, a cancel between batches, and its parameters checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_from
from tests.jobs import helpers as job_helpers
from tests.jobs.helpers import wait_for
from tests.ops.failed_helpers import failed_job
from webapp.engine import service
from webapp.engine.errors import JobCancelled, JobError, ParamError
from webapp.engine.registry import JobContext
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job, JobEvent
from webapp.models.ops import AuditEvent
from webapp.models.types import utcnow
from webapp.monitoring.bulk import run_bulk, validate_bulk

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def flaky(app) -> Iterator[dict]:
    """The test job types (t_flaky and friends) with their knobs reset."""
    job_helpers.SCRIPT.clear()
    with app.app_context():
        job_helpers.register_test_types()
    yield job_helpers.SCRIPT
    job_helpers.SCRIPT.clear()


def failed_flaky(owner, count: int, start: datetime = T0) -> list[Job]:
    """`count` t_flaky jobs that failed, a second apart."""
    return [
        failed_job(owner, at=start + timedelta(seconds=i), job_type="t_flaky", queue="default")
        for i in range(count)
    ]


def outcome_lines(job_id: str) -> list[str]:
    """The bulk job's outcome lines on its timeline."""
    return list(
        db.session.scalars(
            select(JobEvent.detail).where(JobEvent.job_id == job_id, JobEvent.kind == "outcome")
        )
    )


def test_retry_all_matching_over_a_page_runs_as_an_ops_bulk_job_on_a_real_worker(
    admin_client, admin, staff, worker, flaky
):
    """60 failed t_flaky jobs and 5 others: the request starts an ops_bulk job owned by the admin
    and lands on its page; the worker retries all 60 (same ids, attempts counted), which then
    complete; the others stay failed; each retry and the request itself are audited."""
    matching = failed_flaky(staff, 60)
    others = [failed_job(staff, at=T0 + timedelta(seconds=i)) for i in range(5)]
    token = csrf_from(admin_client, "/ops/failed?confirm=retry&type=t_flaky")
    response = admin_client.post(
        "/ops/failed/matching", data={"csrf_token": token, "action": "retry", "type": "t_flaky"}
    )
    assert response.status_code == 303
    bulk_id = response.headers["Location"].rsplit("/", 1)[1]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Retry of 60 jobs started; this page shows how far it is." in page
    assert 'role="progressbar"' in page and "Retry everything matching type t_flaky" in page

    bulk = wait_for(bulk_id, lambda j: j.status == "completed", timeout=60)
    assert (bulk.type, bulk.queue, bulk.user_id) == ("ops_bulk", "default", admin.id)
    assert bulk.input_data == {
        "action": "retry",
        "filter": "type=t_flaky",
        "requested_from": "127.0.0.1",
    }
    assert bulk.result_data == {"action": "retry", "done": 60, "not_failed": 0, "discarded": 0,
                                "missing": 0, "unknown_type": 0, "total": 60}  # fmt: skip
    assert outcome_lines(bulk_id) == ["Retried 60 of 60"]
    for job in matching:
        done = wait_for(job.id, lambda j: j.status == "completed", timeout=60)
        assert (done.attempts, done.max_attempts) == (4, 6)
    for job in others:
        row = db.session.get(Job, job.id, populate_existing=True)
        assert (row.status, row.max_attempts) == ("failed", 3)
    entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    summary = [e for e in entries if e.target_kind == "jobs"]
    assert [(e.action, e.target_id, e.detail) for e in summary] == [
        ("retry", bulk_id, f"Retry everything matching type t_flaky: 60 jobs, as background job "
                           f"{bulk_id}")
    ]  # fmt: skip
    per_job = [e for e in entries if e.target_kind == "job"]
    assert sorted(e.target_id for e in per_job) == sorted(job.id for job in matching)
    assert {(e.action, e.actor_email, e.address) for e in per_job} == {
        ("retry", admin.email, "127.0.0.1")
    }


def test_discard_all_matching_over_a_page_keeps_rows_and_removes_files(
    admin_client, admin, staff, worker, flaky
):
    """55 failed t_flaky jobs with files: all discarded by an ops_bulk job, rows kept, files
    gone, an audit entry each; a failed job of another type is untouched."""
    matching = failed_flaky(staff, 55)
    for job in matching:
        (job_dir(job.id, create=True) / "partial.txt").write_text("x")
    other = failed_job(staff, at=T0)
    token = csrf_from(admin_client, "/ops/failed")
    response = admin_client.post(
        "/ops/failed/matching",
        data={"csrf_token": token, "action": "discard", "type": "t_flaky", "queue": "default"},
    )
    bulk_id = response.headers["Location"].rsplit("/", 1)[1]
    bulk = wait_for(bulk_id, lambda j: j.status == "completed", timeout=60)
    assert bulk.result_data["done"] == 55
    assert outcome_lines(bulk_id) == ["Discarded 55 of 55"]
    for job in matching:
        row = db.session.get(Job, job.id, populate_existing=True)
        assert row.status == "failed" and row.discarded_at is not None
        assert not job_dir(job.id).exists()
    assert db.session.get(Job, other.id, populate_existing=True).discarded_at is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_kind == "job")
    ).all()
    assert actions == ["discard"] * 55


def bulk_job(owner, action: str, query: str) -> Job:
    """An ops_bulk row as the view makes it (no worker picks it up here)."""
    return service.submit(owner, "ops_bulk", {"action": action, "filter": query})


def context(job: Job, progress) -> JobContext:  # type: ignore[no-untyped-def]
    return JobContext(
        job_id=job.id,
        user_id=job.user_id,
        params=dict(job.input_data),
        attempt=1,
        out_dir=Path("/nonexistent"),
        progress=progress,
    )


def test_the_bulk_job_works_in_batches_saying_how_far_it_is(app_ctx, admin, staff, stub_broker):
    """120 matches: progress says 'Retried 0 of 120', then 50, 100, 120; one failing after the
    request is left alone (the work ends even while jobs keep failing)."""
    matching = failed_flaky(staff, 120)
    job = bulk_job(admin, "retry", "queue=default")
    failed_flaky(staff, 1, start=utcnow() + timedelta(seconds=5))  # fails after the request
    said: list[tuple[int, str]] = []
    result = run_bulk(context(job, lambda percent, message: said.append((percent, message))))
    assert said == [(0, "Retried 0 of 120"), (41, "Retried 50 of 120"),
                    (83, "Retried 100 of 120"), (99, "Retried 120 of 120")]  # fmt: skip
    assert result["done"] == 120
    statuses = {
        row.id: row.status
        for row in db.session.execute(select(Job.id, Job.status).where(Job.type == "t_flaky"))
    }
    assert [statuses[j.id] for j in matching] == ["pending"] * 120
    assert list(statuses.values()).count("failed") == 1


def test_a_cancel_stops_the_bulk_job_between_batches(app_ctx, admin, staff, stub_broker):
    """Cancel asked during the first batch: that batch finishes, no other starts."""
    matching = failed_flaky(staff, 120)
    job = bulk_job(admin, "retry", "type=t_flaky")

    def progress(percent: int, message: str) -> None:
        if percent:  # after the first batch, the admin presses Cancel on the job's page
            service.cancel_job(db.session.get(Job, job.id))

    db.session.execute(update(Job).where(Job.id == job.id).values(status="processing"))
    db.session.commit()
    with pytest.raises(JobCancelled):
        run_bulk(context(job, progress))
    retried = [j for j in matching if db.session.get(Job, j.id, populate_existing=True).status
               == "pending"]  # fmt: skip
    assert len(retried) == 50
    assert retried == matching[-50:]  # the newest failures first
    assert outcome_lines(job.id) == ["Stopped when asked: Retried 50 of 120"]


def test_jobs_no_longer_failed_are_skipped_and_counted(
    app_ctx, admin, staff, stub_broker, monkeypatch
):
    """A job retried elsewhere between its batch being read and its turn: counted, not redone."""
    from webapp.monitoring import bulk

    matching = failed_flaky(staff, 3)
    job = bulk_job(admin, "retry", "type=t_flaky")
    read_batch = bulk.matching_ids

    def batch_then_someone_retries(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = read_batch(*args, **kwargs)
        db.session.execute(update(Job).where(Job.id == matching[0].id).values(status="pending"))
        db.session.commit()
        return found

    monkeypatch.setattr(bulk, "matching_ids", batch_then_someone_retries)
    result = run_bulk(context(job, lambda percent, message: None))
    assert (result["done"], result["not_failed"], result["total"]) == (2, 1, 3)
    assert outcome_lines(job.id) == ["Retried 2 of 3; 1 was no longer failed"]
    assert db.session.get(Job, matching[0].id, populate_existing=True).max_attempts == 3


def test_a_bulk_job_owned_by_staff_does_nothing(app_ctx, staff, stub_broker):
    """However a staff member got an ops_bulk job submitted, it fails at once, touching nothing."""
    victim = failed_flaky(staff, 1)[0]
    job = bulk_job(staff, "discard", "")
    with pytest.raises(JobError) as caught:
        run_bulk(context(job, lambda percent, message: None))
    assert (caught.value.code, caught.value.retry) == ("E7007", False)
    assert db.session.get(Job, victim.id, populate_existing=True).discarded_at is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "explode", "filter": ""}, "action"),
        ({"filter": ""}, "action"),
        ({"action": "retry", "filter": "type=nope"}, "filter"),
        ({"action": "retry", "filter": "colour=red"}, "filter"),
        ({"action": "retry", "filter": "type=ping&type=ping"}, "filter"),
        ({"action": "retry", "filter": "from=2025-13-01"}, "filter"),
        ({"action": "retry", "filter": ["type=ping"]}, "filter"),
        ({"action": "retry", "filter": "x" * 1001}, "filter"),
        ({"action": "retry", "filter": "", "requested_from": "a\nb"}, "requested_from"),
        ({"action": "retry", "filter": "", "extra": 1}, "extra"),
    ],
)
def test_bulk_parameters_are_validated(app_ctx, params, field):
    """Bad ops_bulk parameters are a ParamError naming the field."""
    with pytest.raises(ParamError) as caught:
        validate_bulk(params)
    assert caught.value.field == field


def test_bulk_parameters_are_cleaned(app_ctx):
    """The filter is stored in its own order; an empty address is left out."""
    clean = validate_bulk(
        {"action": "discard", "filter": "queue=default&type=ping", "requested_from": ""}
    )
    assert clean == {"action": "discard", "filter": "type=ping&queue=default"}
