"""A batch's cheap statements store and find exactly what the ORM would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import String as SqlString
from sqlalchemy import cast, insert, select

from tests.imports.helpers import DOMAIN
from webapp.extensions import db
from webapp.importers.apply import INSERT_COLUMNS
from webapp.importers.batch_sql import dialect_name, insert_rows, listed, one_of, stored_form
from webapp.models.sales import Customer

MOMENTS = [datetime(2020, 1, 2, tzinfo=UTC), datetime(2021, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
           datetime.now(UTC)]  # fmt: skip


@pytest.mark.parametrize("moment", MOMENTS)
def test_insert_rows_stores_values_as_the_orm_does(app_ctx, moment):
    """The same datetime, inserted both ways, is stored as the same text or timestamp."""
    orm = {"email": f"orm@{DOMAIN}", "name": "Orm", "region": "North", "phone": None,
           "created_at": moment}  # fmt: skip
    db.session.execute(insert(Customer), [orm])
    insert_rows(Customer.__table__, INSERT_COLUMNS["customers"],
                [(f"tuple@{DOMAIN}", "Tuple", "North", None, moment)])  # fmt: skip
    stored_at = stored_form(Customer.__table__, "created_at")
    insert_rows(Customer.__table__, INSERT_COLUMNS["customers"],
                [(f"stored@{DOMAIN}", "Stored", "North", None, stored_at(moment))],
                converted=True)  # fmt: skip
    emails = [f"orm@{DOMAIN}", f"tuple@{DOMAIN}", f"stored@{DOMAIN}"]
    stored = dict(db.session.execute(
        select(Customer.email, cast(Customer.created_at, SqlString))
        .where(Customer.email.in_(emails))).all())  # fmt: skip
    assert stored[f"tuple@{DOMAIN}"] == stored[f"orm@{DOMAIN}"] == stored[f"stored@{DOMAIN}"]
    read = db.session.scalars(select(Customer.created_at).where(Customer.email.in_(emails[1:])))
    assert list(read) == [moment, moment]
    db.session.rollback()


@pytest.mark.parametrize("values", [[], ["b@x.example", "O'Hara@x.example", "ليلى@x.example"],
                                    [f"n{n}@x.example" for n in range(2500)]])  # fmt: skip
def test_one_of_finds_what_in_finds(app_ctx, values):
    """One bound list parameter selects the same rows as a rendered IN list."""
    rows = [(value, "Name", "North", None, MOMENTS[0]) for value in [*values[:3], "zz@x.example"]]
    insert_rows(Customer.__table__, INSERT_COLUMNS["customers"], rows)
    dialect = dialect_name()
    query = select(Customer.email).where(one_of(Customer.email, "emails", dialect))
    found = set(db.session.scalars(query, {"emails": listed(values, dialect)}))
    assert found == set(db.session.scalars(select(Customer.email).where(
        Customer.email.in_(values))))  # fmt: skip
    assert found == set(values[:3])
    db.session.rollback()


def test_a_row_written_by_someone_else_meanwhile_fails_the_batch_and_the_retry_applies_it(
    stub_broker, staff, monkeypatch
):
    """PostgreSQL: between a batch's read and its write another writer adds one of its emails;
    the COPY fails, nothing of the batch stays, and the retry counts that row as an update.

    (person2 is stored before, so the batch is read first: a batch written as new rows without
    reading takes such a row in the same attempt, tests/imports/test_new_rows.py.)"""
    from sqlalchemy import update

    from tests.imports.helpers import (
        csv_bytes,
        customers_file,
        import_file,
        imported_customers,
        run,
        submit_file,
    )
    from webapp.engine.clock import db_time
    from webapp.importers import apply
    from webapp.models.job import Job

    if dialect_name() != "postgresql":
        pytest.skip("SQLite has one writer at a time: the other writer would wait for the batch")
    data = csv_bytes(customers_file(3))
    assert import_file(staff, "customers", "apply", csv_bytes(
        [customers_file(3)[0], customers_file(3)[3]])).status == "completed"  # fmt: skip
    job = submit_file(staff, "customers", "apply", data)
    real_write = apply.write

    def someone_else_first(kind, plan):
        if plan.assumed_new:  # not this one: it meets person2 and the batch is read instead
            real_write(kind, plan)
            return
        with db.engine.begin() as other:
            other.execute(insert(Customer), [{"email": f"person1@{DOMAIN}", "name": "Other",
                                              "region": "South", "phone": None,
                                              "created_at": MOMENTS[0]}])  # fmt: skip
        monkeypatch.setattr(apply, "write", real_write)
        real_write(kind, plan)

    monkeypatch.setattr(apply, "write", someone_else_first)
    first = run(job.id)
    assert first.status == "pending" and first.attempts == 1
    assert sorted(imported_customers()) == [f"person1@{DOMAIN}", f"person2@{DOMAIN}"]
    db.session.execute(update(Job).where(Job.id == job.id).values(available_at=db_time()))
    db.session.commit()
    done = run(job.id)
    assert done.status == "completed", done.error_message
    assert done.result_data["counts"] == {"created": 1, "updated": 1, "unchanged": 1,
                                          "rejected": 0}  # fmt: skip
    assert imported_customers()[f"person1@{DOMAIN}"].name == "Person 1"
