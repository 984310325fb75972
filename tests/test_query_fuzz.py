"""Arbitrary text in any query parameter of /jobs gets a page or a 400, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import sign_in
from tests.staff.helpers import make_job
from webapp.models.user import User

PARAMETERS = ("before", "after", "status", "type", "owner")

# Any text, plus the shapes most likely to get past a loose parser: digit-like characters
# (superscripts, other scripts' digits), huge numbers, and cursor look-alikes.
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
anything = st.one_of(st.text(max_size=300), digit_like, numbers, cursorish, cursorish)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def jobs_of(staff: User, admin: User) -> None:
    """A few jobs so the list has rows to page through."""
    for owner in (staff, admin):
        make_job(owner, "completed")
        make_job(owner, "failed")


@pytest.mark.parametrize("role", ["staff", "admin"])
@pytest.mark.parametrize("name", PARAMETERS)
@FUZZ
@given(value=anything)
@example(value="999999999999999999.x")  # the finds of issue 7, always tried first
@example(value="²³.job")
@example(value="²")
def test_any_value_of_any_parameter_is_a_page_or_a_400(
    client: FlaskClient, staff: User, admin: User, jobs_of: None, role: str, name: str, value: str
) -> None:
    """GET /jobs?<name>=<anything> answers 200 or 400 (with the parameter's name), never 500."""
    user = admin if role == "admin" else staff
    with client.session_transaction() as session:
        signed_in = "_user_id" in session
    if not signed_in:
        sign_in(client, user.email)
    response = client.get("/jobs", query_string={name: value})
    assert response.status_code in (200, 400), (name, value, response.status_code)
    if response.status_code == 400:
        assert f"?{name}=" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "query", "named"),
    [
        ("staff", "before=999999999999999999.x", "before"),
        ("staff", "after=999999999999999999.x", "after"),
        ("staff", "before=%C2%B2%C2%B3.job", "before"),
        ("admin", "owner=%C2%B2", "owner"),
        ("admin", "owner=99999999999999", "owner"),
        ("staff", "status=exploded", "status"),
        ("staff", "type=rm%20-rf", "type"),
        ("staff", "before=5.job%00id", "before"),
    ],
)
def test_the_fuzzers_finds_are_refused_with_a_message(
    client: FlaskClient, staff: User, admin: User, role: str, query: str, named: str
) -> None:
    """The inputs that used to raise (overflow, superscript digits) get a 400 naming the field."""
    sign_in(client, (admin if role == "admin" else staff).email)
    response = client.get(f"/jobs?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"The ?{named}= parameter" in html and "<h1>Bad request</h1>" in html


def test_json_clients_get_the_message_as_json(client: FlaskClient, staff: User) -> None:
    """A client that asks for JSON gets the 400 as JSON, message included."""
    sign_in(client, staff.email)
    response = client.get("/jobs?status=nope", headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "HTTP400" and error["message"].startswith("The ?status= parameter")
    assert "completed" in error["message"]  # says which values are allowed


def test_empty_values_are_no_filter(client: FlaskClient, staff: User) -> None:
    """The filter form sends empty values for 'any': those are not errors."""
    sign_in(client, staff.email)
    job = make_job(staff, "completed")
    response = client.get("/jobs?status=&type=&owner=&before=&after=")
    assert response.status_code == 200 and job.id in response.get_data(as_text=True)
