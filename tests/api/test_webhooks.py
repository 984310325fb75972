"""Job webhooks: a real worker finishes the job, the outbox POSTs its status to a real local
HTTP server, and the Standard Webhooks library verifies the signature; every attempt is
visible; unsafe addresses are refused when given and again when delivering."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.api.conftest import SALES
from tests.conftest import csrf_from, sign_in
from tests.http_receiver import http_receiver
from tests.jobs.helpers import wait_until
from webapp.engine.service import submit
from webapp.extensions import db
from webapp.models.api import JobCallback, OutboxAttempt
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox
from webapp.notifications.job_webhook import rotate_secret

PUBLIC_IP = "93.184.216.34"


@pytest.fixture
def allow_private(app, monkeypatch):
    """The receiver listens on 127.0.0.1: allow it, as WEBHOOK_ALLOW_PRIVATE=true does."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


@pytest.fixture
def secret(staff) -> str:
    """The staff user's signing secret."""
    return rotate_secret(staff)


def test_a_finished_job_posts_its_signed_status(api, auth, secret, worker, allow_private):
    """A real worker fails the report (no orders in 1990), the webhook arrives, signed."""
    with http_receiver() as (url, received):
        body = {**SALES, "from": "1990-01-01", "to": "1990-01-31", "callback_url": url}
        response = api.post("/v1/reports/sales", json=body, headers=auth)
        assert response.status_code == 202, response.get_json()
        job_id = response.get_json()["job_id"]
        wait_until(lambda: received.raw)
    headers, payload = received.posts[0]
    verified = Webhook(secret).verify(received.raw[0], headers)
    assert verified == payload
    assert payload["job_id"] == job_id and payload["status"] == "failed"
    assert payload["error"]["code"] == "E7006"
    assert payload == api.get(f"/v1/jobs/{job_id}", headers=auth).get_json()
    assert headers["webhook-id"].startswith(f"job:{job_id}:failed:")
    with pytest.raises(WebhookVerificationError):
        Webhook(rotate_secret_for_other()).verify(received.raw[0], headers)
    attempts = api.get(f"/v1/jobs/{job_id}/webhooks", headers=auth).get_json()["attempts"]
    assert len(attempts) == 1
    assert attempts[0]["status_code"] == 200 and attempts[0]["delivery_status"] == "sent"
    assert attempts[0]["duration_ms"] >= 0 and attempts[0]["url"] == url


def rotate_secret_for_other() -> str:
    """Some other valid secret."""
    from webapp.notifications.job_webhook import new_secret

    return new_secret()


def test_a_completed_job_posts_a_working_file_link(api, auth, staff, secret, worker,
                                                   allow_private):  # fmt: skip
    """Completion (a ping job with a callback) posts the completed body; retries are recorded
    on the job's page and via the API, with each status code."""
    with http_receiver() as (url, received):
        received.answer = 503
        job = submit(staff, "ping", {}, with_rows=lambda job: [
            JobCallback(job_id=job.id, user_id=staff.id, url=url)])  # fmt: skip
        row = wait_until(lambda: db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.key.startswith(f"job:{job.id}:"))
            .execution_options(populate_existing=True)))  # fmt: skip
        wait_until(lambda: _attempts(row.id) >= 1)
        assert received.raw == []  # refused with 503: not delivered
        received.answer = 200
        db.session.execute(
            OutboxMessage.__table__.update().where(OutboxMessage.id == row.id)
            .values(next_attempt_at=OutboxMessage.created_at)
        )  # due again now, instead of in 30 s  # fmt: skip
        db.session.commit()
        assert outbox.deliver(row.id) == "sent"
    headers, payload = received.posts[0]
    assert Webhook(secret).verify(received.raw[0], headers) == payload
    assert payload["status"] == "completed" and payload["result"] is None  # ping: no file
    codes = [
        a["status_code"]
        for a in api.get(f"/v1/jobs/{job.id}/webhooks", headers=auth).get_json()["attempts"]
    ]
    assert codes == [503, 200]


def _attempts(outbox_id: int) -> int:
    db.session.rollback()
    return len(db.session.scalars(
        select(OutboxAttempt).where(OutboxAttempt.outbox_id == outbox_id)).all())  # fmt: skip


def test_attempts_show_on_the_job_page(client, staff, secret, stub_broker, allow_private):
    """Each attempt is a line on the job's timeline: the URL, the status, the duration."""
    with http_receiver() as (url, _received):
        job = submit(staff, "ping", {}, with_rows=lambda job: [
            JobCallback(job_id=job.id, user_id=staff.id, url=url)])  # fmt: skip
        from webapp.engine.runner import run_job

        run_job(job.id)
        row = db.session.scalar(select(OutboxMessage))
        assert outbox.deliver(row.id) == "sent"
    sign_in(client, staff.email)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert re.search(rf"Webhook to {re.escape(url)}: HTTP 200 in \d+ ms", page)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook",
     "http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "http://192.168.0.1/",
     "http://[::ffff:127.0.0.1]/", "ftp://example.com/hook", "file:///etc/passwd",
     "http://user:pass@example.com/", "not a url", "http:///nohost"],
)  # fmt: skip
def test_unsafe_callback_urls_are_refused_at_submission(api, auth, secret, stub_broker, url):
    """Only http(s) to public addresses: 422 naming callback_url; no job is made."""
    response = api.post("/v1/reports/sales", json={**SALES, "callback_url": url}, headers=auth)
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["error"]["details"]] == ["callback_url"]


def test_a_callback_needs_a_signing_secret(api, auth, stub_broker, allow_private):
    """Without a secret there is nothing to sign with: 422 saying where to make one."""
    body = {**SALES, "callback_url": "http://127.0.0.1:9/hook"}
    response = api.post("/v1/reports/sales", json=body, headers=auth)
    assert response.status_code == 422 and "profile" in response.get_data(as_text=True)


def test_dns_rebinding_is_refused_at_delivery(api, auth, staff, secret, stub_broker,
                                              monkeypatch):  # fmt: skip
    """A name public at submission that resolves to loopback at delivery is not POSTed to."""
    answer = {"ip": PUBLIC_IP}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr("webapp.notifications.safe_http.socket.getaddrinfo", fake)
    with http_receiver() as (url, received):
        port = url.split(":")[2].split("/")[0]
        body = {**SALES, "callback_url": f"http://hooks.example.com:{port}/hooks/alerts"}
        response = api.post("/v1/reports/sales", json=body, headers=auth)
        assert response.status_code == 202
        job_id = response.get_json()["job_id"]
        api.delete(f"/v1/jobs/{job_id}", headers=auth)  # final now: the webhook is queued
        answer["ip"] = "127.0.0.1"  # the name now points inside
        row = db.session.scalar(select(OutboxMessage))
        assert outbox.deliver(row.id) == "pending"  # failed, to be retried
        assert received.raw == []
    attempt = db.session.scalar(select(OutboxAttempt))
    assert attempt.status_code is None and "UnsafeUrl" in attempt.error


def test_the_profile_page_shows_a_secret_once_and_rotates_it(client, staff):
    """Make: shown once; rotate: a new one, the old one no longer verifies."""
    sign_in(client, staff.email)
    token = csrf_from(client, "/profile")
    first = client.post("/profile/webhook-secret", data={"csrf_token": token})
    assert first.status_code == 201
    one = re.search(
        r'data-testid="new-webhook-secret">(whsec_[^<]+)<', first.get_data(as_text=True)
    )
    assert one and one.group(1) not in client.get("/profile").get_data(as_text=True)
    second = client.post("/profile/webhook-secret", data={"csrf_token": token})
    two = re.search(
        r'data-testid="new-webhook-secret">(whsec_[^<]+)<', second.get_data(as_text=True)
    )
    assert two and two.group(1) != one.group(1)
    from webapp.notifications.job_webhook import secret_of

    assert secret_of(staff.id).secret == two.group(1)
