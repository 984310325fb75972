"""Hypothesis: random bytes and random CSVs never give a 500, and a job never fails unexpectedly."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_from
from tests.imports.helpers import CUSTOMER_HEADER, DOMAIN, csv_bytes, forget_imports, run
from webapp.extensions import db
from webapp.models.job import Job

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
cell = st.one_of(st.text(max_size=30), st.sampled_from(["North", "=1+2", "+966500000001",
                 "2024-01-01", f"a@{DOMAIN}", "", "'=x"]))  # fmt: skip
header = st.lists(st.sampled_from([*CUSTOMER_HEADER, "junk", ""]), min_size=1, max_size=7)


def _upload(client, token: str, data: bytes, name: str):
    form = {"csrf_token": token, "kind": "customers", "mode": "apply",
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return client.post("/imports/new", data=form, content_type="multipart/form-data")


def _finish(response) -> None:
    """Run the job a 303 made: it completes or fails in words (E7008), never E7000."""
    if response.status_code != 303:
        return
    job = run(response.headers["Location"].rsplit("/", 1)[-1])
    assert job.status == "completed" or job.error_code == "E7008", (job.error_code,
                                                                     job.error_details)  # fmt: skip
    db.session.query(Job).delete()
    db.session.commit()
    forget_imports()


@FUZZ
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.csv", "a.xlsx", "a", "a.CSV"]))
def test_random_bytes_never_give_a_500(stub_broker, staff_client, data, name):
    """Any bytes under any name: a job (303) or a refusal in words (400), never a 500."""
    token = csrf_from(staff_client, "/imports/new")
    response = _upload(staff_client, token, data, name)
    assert response.status_code in (303, 400), response.status_code
    _finish(response)


@FUZZ
@given(head=header, rows=st.lists(st.lists(cell, max_size=8), max_size=12),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1256"]))  # fmt: skip
def test_random_csvs_never_give_a_500(stub_broker, staff_client, head, rows, encoding):
    """Random headers and cells in every encoding: refused or imported, never a crash."""
    try:
        data = csv_bytes([head, *rows], encoding)
    except UnicodeEncodeError:
        data = csv_bytes([head, *rows], "utf-8")
    token = csrf_from(staff_client, "/imports/new")
    response = _upload(staff_client, token, data, "random.csv")
    assert response.status_code in (303, 400), response.status_code
    _finish(response)
