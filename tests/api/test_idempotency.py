"""Idempotency-Key: the same key and body give the same job; another body gives 409; keys are
per user; two requests racing with one key make one job."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.conftest import ORDERS, SALES, bearer, new_token
from webapp.extensions import db
from webapp.models.job import Job


def post(api, body, headers, key, path="/v1/reports/sales"):
    """POST with an Idempotency-Key."""
    return api.post(path, json=body, headers={**headers, "Idempotency-Key": key})


def test_same_key_and_body_give_the_same_job(api, auth, stub_broker):
    """The second answer is the same 202 (and says it is a replay); one job exists."""
    first = post(api, SALES, auth, "order-42")
    again = post(api, dict(reversed(list(SALES.items()))), auth, "order-42")  # key order differs
    assert first.status_code == again.status_code == 202
    assert again.get_json()["job_id"] == first.get_json()["job_id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.query(Job).count() == 1


def test_same_key_with_another_body_is_409(api, auth, stub_broker):
    """A key names one request: another body (or another endpoint) is a conflict."""
    first = post(api, SALES, auth, "k1")
    other = post(api, {**SALES, "format": "csv"}, auth, "k1")
    assert other.status_code == 409
    error = other.get_json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"] == {"job_id": first.get_json()["job_id"]}
    elsewhere = post(api, ORDERS, auth, "k1", "/v1/exports/orders")
    assert elsewhere.status_code == 409
    assert db.session.query(Job).count() == 1


def test_keys_belong_to_their_user(api, auth, other_staff, stub_broker):
    """Another user's identical key and body make their own job."""
    mine = post(api, SALES, auth, "shared-key").get_json()["job_id"]
    theirs = post(api, SALES, bearer(new_token(other_staff)), "shared-key").get_json()["job_id"]
    assert mine != theirs and db.session.query(Job).count() == 2


def test_without_a_key_each_post_is_a_new_job(api, auth, stub_broker):
    """No key, no deduplication."""
    ids = {api.post("/v1/reports/sales", json=SALES, headers=auth).get_json()["job_id"]
           for _ in range(2)}  # fmt: skip
    assert len(ids) == 2


def test_an_invalid_request_does_not_spend_the_key(api, auth, stub_broker):
    """A 422 stores nothing: the key can then be used for a valid request."""
    assert post(api, {**SALES, "format": "docx"}, auth, "k2").status_code == 422
    assert post(api, SALES, auth, "k2").status_code == 202


def test_a_bad_key_is_422(api, auth, stub_broker):
    """Empty or over 255 characters."""
    assert post(api, SALES, auth, " ").status_code == 422
    assert post(api, SALES, auth, "k" * 256).status_code == 422


def test_racing_requests_with_one_key_make_one_job(app, token, stub_broker):
    """Eight concurrent POSTs with the same key and body: one job, every answer names it."""

    def one(_: int) -> tuple[int, str]:
        client = app.test_client()
        response = post(client, SALES, bearer(token), "race")
        return response.status_code, response.get_json().get("job_id", "")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(8)))
    assert {status for status, _ in answers} == {202}
    assert len({job_id for _, job_id in answers}) == 1
    db.session.rollback()
    assert db.session.query(Job).count() == 1


def test_a_replay_after_the_job_moved_on_says_its_status(api, auth, stub_broker):
    """The client retries after its job was cancelled: the same 202, with the job's status."""
    first = post(api, SALES, auth, "retry-later").get_json()
    assert api.delete(first["status_url"], headers=auth).status_code in (200, 202)
    again = post(api, SALES, auth, "retry-later")
    assert again.status_code == 202
    assert again.get_json()["job_id"] == first["job_id"]
    assert again.get_json()["status"] == "cancelled"
