"""Signed links are capabilities: the link alone downloads the file until it expires; a
changed link is 403; an expired or purged one 410; each download is on the job's timeline."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from tests.api.conftest import fetch
from tests.conftest import sign_in
from tests.staff.helpers import CSV_BODY, make_job
from webapp.engine.links import make_token, read_token, signed_download_url
from webapp.extensions import db
from webapp.models.job import JobEvent
from webapp.models.types import utcnow


@pytest.fixture
def done(staff):
    """A completed job with its file."""
    return make_job(staff, "completed")


def link(app, job, ttl=None) -> str:
    """A fresh signed link path."""
    with app.test_request_context():
        return signed_download_url(job, ttl=ttl)


def downloads(job_id: str) -> list[str]:
    """The timeline's download lines."""
    db.session.rollback()
    return list(db.session.scalars(
        select(JobEvent.detail).where(JobEvent.job_id == job_id, JobEvent.kind == "downloaded")
        .order_by(JobEvent.id)))  # fmt: skip


def test_the_link_alone_downloads_without_a_session(app, api, done):
    """No cookie, no token: 200 with the file; recorded with the address and no user."""
    status, body, headers = fetch(api, link(app, done), environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert (status, body) == (200, CSV_BODY)
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    assert downloads(done.id) == ["Downloaded from 203.0.113.7"]


def test_a_signed_in_download_names_the_user(app, client, done, other_staff):
    """Whoever is signed in is named, even when it is not the owner."""
    sign_in(client, other_staff.email)
    assert fetch(client, link(app, done))[0] == 200
    assert downloads(done.id) == ["Downloaded from 127.0.0.1 by omar@example.com"]


@pytest.mark.parametrize("where", ["signature", "payload", "truncated"])
def test_a_tampered_link_is_403(app, api, done, where):
    """Any change to the token is refused; nothing is recorded."""
    path = link(app, done)
    token = path.rsplit("/", 1)[1]
    if where == "signature":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif where == "payload":
        token = ("x" if token[0] != "x" else "y") + token[1:]
    else:
        token = token[: len(token) // 2]
    assert fetch(api, f"/download/{token}")[0] == 403
    assert downloads(done.id) == []


def test_the_link_is_bound_to_its_job_file_and_ttl(app, done):
    """The token carries the job, the file and the TTL it was made with."""
    with app.test_request_context():
        token = make_token(done, ttl=120)
    decoded = read_token(token)
    assert (decoded.job_id, decoded.file_name, decoded.expired) == (
        done.id, done.result_data["file_name"], False)  # fmt: skip


def test_an_expired_link_is_410(app, api, done, monkeypatch):
    """Past its TTL (its own, or DOWNLOAD_LINK_TTL) the link answers 410."""
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 121)
        short = link(app, done, ttl=120)
        default = link(app, done)
    assert fetch(api, short)[0] == 410
    assert fetch(api, default)[0] == 200  # 121 s old, DOWNLOAD_LINK_TTL is an hour
    monkeypatch.setitem(app.config, "DOWNLOAD_LINK_TTL", 60)
    assert fetch(api, link(app, done))[0] == 200  # made now, with the new TTL
    assert downloads(done.id) and len(downloads(done.id)) == 2


def test_a_purged_result_is_410(app, api, done):
    """Once the purge removed the file, a genuine link answers 410."""
    path = link(app, done)
    done.purged_at = utcnow()
    db.session.commit()
    assert fetch(api, path)[0] == 410


def test_a_deleted_job_is_410(app, api, done):
    """A genuine link to a job that no longer exists is gone, not forbidden."""
    path = link(app, done)
    db.session.delete(done)
    db.session.commit()
    assert fetch(api, path)[0] == 410


def test_download_requires_login_restores_the_session_rule(app, api, client, done, staff,
                                                           other_staff, monkeypatch):  # fmt: skip
    """DOWNLOAD_REQUIRES_LOGIN=true: anonymous -> sign in, another user -> 404, owner -> 200."""
    monkeypatch.setitem(app.config, "DOWNLOAD_REQUIRES_LOGIN", True)
    path = link(app, done)
    status, _, headers = fetch(api, path)
    assert status == 302 and headers["Location"].startswith("/login")
    sign_in(client, other_staff.email)
    assert fetch(client, path)[0] == 404
    owner = app.test_client()
    sign_in(owner, staff.email)
    assert fetch(owner, path)[:2] == (200, CSV_BODY)
