"""Keys repeated within a file, across batches (kept on disk), in the first attempt and a retry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from tests.imports.helpers import (
    CUSTOMER_HEADER,
    DOMAIN,
    csv_bytes,
    customer,
    imported_customers,
    rejected_rows,
    run,
    submit_file,
)
from webapp.engine import runner
from webapp.engine.clock import db_time
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.importers import apply
from webapp.models.job import Job

ROWS = [
    CUSTOMER_HEADER,
    customer(1, phone="+966500000101"),  # batch 1
    customer(2, phone="+966500000102"),
    customer(1, name="Again", phone="+966500000103"),  # batch 2: email of row 1
    customer(4, phone="+966500000103"),  # the phone of the rejected row above is free
    customer(5, phone="+966500000103"),  # batch 3: ... until row 4 took it
    customer(6, email=f"PERSON2@{DOMAIN.upper()}", phone="+966500000106"),  # row 2's email
    customer(7, phone="00966500000101"),  # batch 4: row 1's phone, written another way
    customer(8, phone="+966500000106"),  # the phone of the row rejected in batch 3 is free
]
PROBLEMS = [
    (4, f"email person1@{DOMAIN} appears in an earlier row of this file"),
    (6, "phone +966500000103 appears in an earlier row of this file"),
    (7, f"email person2@{DOMAIN} appears in an earlier row of this file"),
    (8, "phone +966500000101 appears in an earlier row of this file"),
]


@pytest.fixture
def batches_of_two(app, monkeypatch) -> Iterator[None]:
    """Batches of 2 rows, and every progress call written."""
    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 2)
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0.0)
    yield


def assert_outcome(job: Job, app) -> None:
    assert job.status == "completed", job.error_message
    assert job.result_data["counts"] == {"created": 4, "updated": 0, "unchanged": 0,
                                         "rejected": 4}  # fmt: skip
    got = [(int(row["line"]), row["problems"]) for row in rejected_rows(job, app)]
    assert got == PROBLEMS
    found = imported_customers()
    assert sorted(found) == [f"person{n}@{DOMAIN}" for n in (1, 2, 4, 8)]
    assert found[f"person4@{DOMAIN}"].phone == "+966500000103"
    assert found[f"person8@{DOMAIN}"].phone == "+966500000106"
    assert not list(job_dir(job.id).rglob(".seen-keys*"))  # the on-disk keys are removed


def test_repeats_across_batches_are_found_and_rejected_rows_keep_nothing(
    stub_broker, staff, batches_of_two, app
):
    """A key of any earlier batch is a repeat; a rejected row's other keys stay free."""
    job = run(submit_file(staff, "customers", "apply", csv_bytes(ROWS)).id)
    assert_outcome(job, app)


def test_a_retry_finds_the_same_repeats(stub_broker, staff, batches_of_two, monkeypatch, app):
    """Attempt 1 dies in batch 3; attempt 2 reads the keys again and rejects the same rows."""
    job = submit_file(staff, "customers", "apply", csv_bytes(ROWS))
    real_write = apply.write
    calls = []

    def crash_on_third_batch(kind, plan):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the worker dies here")
        real_write(kind, plan)

    monkeypatch.setattr(apply, "write", crash_on_third_batch)
    assert run(job.id).status == "pending"
    db.session.execute(update(Job).where(Job.id == job.id).values(available_at=db_time()))
    db.session.commit()
    assert_outcome(run(job.id), app)
