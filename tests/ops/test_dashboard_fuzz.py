"""Anything in the dashboard's own URLs and headers: a page, a redirect, a 401 or a 404, never
a 500 (queue names, ping tokens, /metrics credentials, query strings)."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_from
from tests.ops.test_failed_fuzz import FUZZ, anything

QUICK = settings(FUZZ, max_examples=30)

segment = st.one_of(st.text(min_size=1, max_size=120), st.sampled_from(["default", "..", "%"]))


@QUICK
@given(queue=segment, verb=st.sampled_from(["pause", "resume"]))
@example(queue="default ", verb="pause")
@example(queue="DEFAULT", verb="resume")
@example(queue="0/", verb="pause")  # the path's '//' is merged: a 308 to /ops/queues/0/pause
def test_any_queue_name_is_never_a_500(admin_client, queue, verb):
    """Only the four queues exist: anything else is a 404 (or a redirect to a path that is
    one), and nothing is paused by it."""
    token = csrf_from(admin_client, "/ops/")
    response = admin_client.post(
        f"/ops/queues/{quote(queue, safe='')}/{verb}", data={"csrf_token": token}
    )
    assert response.status_code in {302, 308, 404}, (queue, response.status_code)
    if response.status_code == 308:
        target = response.headers["Location"]
        assert admin_client.post(target, data={"csrf_token": token}).status_code == 404, target


@QUICK
@given(token=segment, query=st.dictionaries(st.text(max_size=20), anything, max_size=3))
def test_any_ping_token_and_query_is_never_a_500(admin_client, token, query):
    """An unknown or malformed ping token answers a page that says so, or a 404."""
    for path in (f"/ops/ping/{quote(token, safe='')}", "/ops/live"):
        response = admin_client.get(path, query_string=query, headers={"HX-Request": "true"})
        assert response.status_code in {200, 404}, (path, query, response.status_code)


@QUICK
@given(header=st.text(max_size=200).filter(lambda h: "\n" not in h and "\r" not in h))
@example(header="Bearer ")
@example(header="Bearer é")
@example(header="bearer x y z")
def test_any_authorization_header_on_metrics_is_never_a_500(app, header):
    """Without the right token and no session: 401, whatever the header says."""
    app.config["METRICS_TOKEN"] = "right-token"
    try:
        response = app.test_client().get("/metrics", headers={"Authorization": header})
    finally:
        app.config["METRICS_TOKEN"] = ""
    assert response.status_code == 401, (header, response.status_code)
