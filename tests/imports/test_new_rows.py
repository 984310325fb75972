"""Batches written as new rows without reading first, and the read when a key is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from tests.imports.helpers import (
    CUSTOMER_HEADER,
    DOMAIN,
    csv_bytes,
    customer,
    customers_file,
    import_file,
    imported_customers,
    rejected_rows,
    run,
    submit_file,
)
from webapp.engine import runner
from webapp.extensions import db
from webapp.importers import apply
from webapp.models.sales import Customer


@pytest.fixture
def batches_of_two(app, monkeypatch) -> Iterator[list[int]]:
    """Batches of 2 rows; the list names the size of each batch `apply.plan` read."""
    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 2)
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0.0)
    real_plan = apply.plan
    read: list[int] = []

    def counted(kind, rows):
        read.append(len(rows))
        return real_plan(kind, rows)

    monkeypatch.setattr(apply, "plan", counted)
    yield read


def test_new_rows_are_written_without_reading_the_table(stub_broker, staff, batches_of_two):
    """A first import of new customers reads no batch from the database."""
    job = import_file(staff, "customers", "apply", csv_bytes(customers_file(5)))
    assert job.result_data["counts"] == {"created": 5, "updated": 0, "unchanged": 0,
                                         "rejected": 0}  # fmt: skip
    assert batches_of_two == []
    assert sorted(imported_customers()) == [f"person{n}@{DOMAIN}" for n in range(5)]


def test_a_stored_key_makes_its_batch_read_first_until_a_batch_is_all_new(
    stub_broker, staff, batches_of_two, app
):
    """A stored email (unchanged) or another customer's phone (rejected) sends the batch to the
    read, with the same counts and words; a batch read as all new lets the next skip the read."""
    stored = [CUSTOMER_HEADER, customer(3), customer(20, phone="+966500000555")]
    assert import_file(staff, "customers", "apply", csv_bytes(stored)).status == "completed"
    batches_of_two.clear()
    rows = [*customers_file(5), customer(5, phone="+966500000555"), *customers_file(4, 6)[1:]]
    job = import_file(staff, "customers", "apply", csv_bytes(rows))
    assert job.status == "completed", job.error_message
    assert job.result_data["counts"] == {"created": 8, "updated": 0, "unchanged": 1,
                                         "rejected": 1}  # fmt: skip
    assert batches_of_two == [2, 2, 2]  # batches 2 (person3), 3 (a phone taken), 4 (all new)
    problems = [row["problems"] for row in rejected_rows(job, app.config["STORAGE_DIR"])]
    assert problems == [f"phone +966500000555 belongs to another customer (person20@{DOMAIN})"]
    found = imported_customers()
    assert len(found) == 10 and f"person5@{DOMAIN}" not in found


def test_a_row_written_by_someone_else_just_before_is_taken_in_the_same_attempt(
    stub_broker, staff, monkeypatch
):
    """Another writer adds one of a new batch's emails just before it is written: the batch is
    rolled back, read and written again, that row counted as an update, in one attempt."""
    job = submit_file(staff, "customers", "apply", csv_bytes(customers_file(3)))
    real_write = apply.write

    def someone_else_first(kind, plan):
        other_row = {"email": f"person1@{DOMAIN}", "name": "Other", "region": "South",
                     "phone": None, "created_at": datetime(2020, 1, 2, tzinfo=UTC)}  # fmt: skip
        with db.engine.begin() as other:
            other.execute(insert(Customer), [other_row])
        monkeypatch.setattr(apply, "write", real_write)
        real_write(kind, plan)

    monkeypatch.setattr(apply, "write", someone_else_first)
    done = run(job.id)
    assert done.status == "completed", done.error_message
    assert done.attempts == 1
    assert done.result_data["counts"] == {"created": 2, "updated": 1, "unchanged": 0,
                                          "rejected": 0}  # fmt: skip
    assert imported_customers()[f"person1@{DOMAIN}"].name == "Person 1"
