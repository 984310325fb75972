"""The same request twice is noticed: a waiting job, or a ready result, with those parameters."""

from __future__ import annotations

import pytest

from tests.jobs import helpers
from webapp.engine import runner, service
from webapp.engine.errors import ParamError
from webapp.engine.same_request import same_request
from webapp.extensions import db
from webapp.models.job import Job


def test_a_waiting_identical_request_is_found(stub_broker, staff, other_staff):
    """Same owner, type and parameters, still pending: found; other parameters or owners: not."""
    job = service.submit(staff, "ping", {"steps": 5})
    assert same_request(staff, "ping", {"steps": 5}).waiting.id == job.id
    assert not same_request(staff, "ping", {"steps": 6}).found
    assert not same_request(other_staff, "ping", {"steps": 5}).found


def test_parameters_are_compared_as_the_job_stores_them(stub_broker, staff):
    """'5' and 5 are the same request once validated."""
    job = service.submit(staff, "ping", {"steps": "5"})
    assert same_request(staff, "ping", {"steps": 5}).waiting.id == job.id


def test_a_finished_result_is_offered_while_its_file_is_there(stub_broker, staff, test_types):
    """A completed job with its file is ready; without its file (purged) it is not."""
    helpers.RELEASE.set()  # the test type's first attempt writes its file at once
    job = service.submit(staff, "t_files", {"n": 1})
    runner.run_job(job.id)
    found = same_request(staff, "t_files", {"n": 1})
    assert found.ready.id == job.id and found.waiting is None
    db.session.get(Job, job.id).purged_at = db.session.get(Job, job.id).completed_at
    db.session.commit()
    assert not same_request(staff, "t_files", {"n": 1}).found


def test_jobs_can_be_named(stub_broker, staff):
    """A name tells identical requests apart; spaces are tidied, too long is refused."""
    job = service.submit(staff, "ping", {}, name="  March   for the board ")
    assert db.session.get(Job, job.id).name == "March for the board"
    with pytest.raises(ParamError) as refused:
        service.submit(staff, "ping", {}, name="x" * 121)
    assert refused.value.field == "name"


def test_run_again_keeps_the_name(stub_broker, staff):
    """'Run again' makes a job with the same name, so the two read alike in the list."""
    job = service.submit(staff, "ping", {}, name="Board pack")
    again = service.run_again(staff, db.session.get(Job, job.id))
    assert db.session.get(Job, again.id).name == "Board pack"
