"""Arbitrary text in any query parameter of /ops/failed and /ops/jobs, and in any field of the
failed list's forms, gets a page, a redirect, a 400 or a 404, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_from, sign_in
from tests.ops.failed_helpers import failed_job
from webapp.models.user import User

FAILED_ARGS = ("type", "error_code", "queue", "owner", "from", "to", "before", "after", "confirm")
SEARCH_ARGS = ("id", "owner", "type", "status", "queue", "from", "to", "before", "after")
FORM_FIELDS = ("action", "ids", "type", "error_code", "queue", "owner", "from", "to")

digit_like = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30), st.integers(10**14, 10**20)
).map(str)
cursorish = st.builds(
    lambda micros, sep, job: f"{micros}{sep}{job}",
    st.one_of(digit_like, numbers),
    st.sampled_from([".", ".", "", "..", ". "]),
    st.one_of(st.text(max_size=60), st.just("job-20250101-abc")),
)
dates = st.builds(
    lambda y, m, d: f"{y}-{m}-{d}",
    st.integers(-1, 10001),
    st.integers(-1, 13).map(lambda m: f"{m:02d}"),
    st.integers(-1, 32).map(lambda d: f"{d:02d}"),
)
anything = st.one_of(st.text(max_size=300), digit_like, numbers, cursorish, dates)
OK = {200, 303, 400, 404}

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def signed_in(client: FlaskClient, admin: User, staff: User) -> FlaskClient:
    """An admin's client, with a failed job on the list."""
    failed_job(staff)
    sign_in(client, admin.email)
    return client


@pytest.mark.parametrize("path", ["/ops/failed", "/ops/jobs"])
@FUZZ
@given(name=st.sampled_from(FAILED_ARGS + SEARCH_ARGS), value=anything)
@example(name="before", value="999999999999999999.x")
@example(name="from", value="9999-12-31")
@example(name="to", value="0001-01-01")
@example(name="owner", value="²³")
@example(name="owner", value="99999999999999999999")
@example(name="id", value="job-" + "x" * 46)
def test_any_value_of_any_parameter_is_never_a_500(signed_in, path, name, value):
    """GET <path>?<name>=<anything> answers 200 or 400."""
    response = signed_in.get(path, query_string={name: value})
    assert response.status_code in {200, 400}, (name, value, response.status_code)


@FUZZ
@given(
    url=st.sampled_from(["/ops/failed/selected", "/ops/failed/matching",
                         "/ops/jobs/{value}/retry", "/ops/jobs/{value}/discard"]),
    fields=st.dictionaries(
        st.sampled_from(FORM_FIELDS),
        st.one_of(anything, st.sampled_from(["retry", "discard"]), st.lists(anything, max_size=60)),
        max_size=5,
    ),
    value=st.one_of(st.text(max_size=80), st.just("job-20250101-abc")),
    query=st.dictionaries(st.sampled_from(FAILED_ARGS), anything, max_size=3),
)  # fmt: skip
@example(url="/ops/failed/selected", fields={"action": "retry", "ids": ["x" * 500]}, value="",
         query={})  # fmt: skip
@example(url="/ops/failed/matching", fields={"action": "discard", "owner": "1" * 30}, value="",
         query={"before": "1.a"})  # fmt: skip
def test_any_form_post_is_never_a_500(signed_in, url, fields, value, query):
    """POST the failed list's actions with anything in any field: 303, 400 or 404."""
    token = csrf_from(signed_in, "/ops/failed")
    path = url.format(value=value.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"))
    response = signed_in.post(path, query_string=query, data={"csrf_token": token, **fields})
    assert response.status_code in OK, (path, fields, query, response.status_code)
