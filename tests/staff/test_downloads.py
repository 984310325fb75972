"""Signed download links: served to the owner with safe headers; tampered 403; expired 410."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import sign_in
from tests.staff.helpers import CSV_BODY, download_href, make_job
from webapp.engine.links import read_token, signed_download_url
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.types import utcnow


def fetch(client, url: str):
    """GET url and return (status, body text or bytes, headers), closing any open file."""
    response = client.get(url)
    body = response.get_data()
    response.close()
    return response.status_code, body, response.headers


@pytest.fixture
def done(staff):
    """A completed job of the staff user with its CSV file."""
    return make_job(staff, "completed")


def link_made_long_ago(monkeypatch, job, seconds_ago: int) -> str:
    """A link signed `seconds_ago` in the past (the signer's clock is moved, not slept)."""
    with monkeypatch.context() as patched:
        patched.setattr(
            TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds_ago
        )
        return signed_download_url(job)


def test_owner_downloads_the_file_with_safe_headers(staff_client, done):
    """The file comes as an attachment, never cached, sniffed or referred."""
    html = staff_client.get(f"/jobs/{done.id}").get_data(as_text=True)
    status, body, headers = fetch(staff_client, download_href(html))
    assert status == 200 and body == CSV_BODY
    assert headers["Content-Disposition"] == (
        "attachment; filename=sales-report-2025-03-01-to-2025-03-31.csv"
    )
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_link_carries_job_id_and_file_name_and_expires_after_the_ttl(app, app_ctx, done):
    """The token holds (job id, file name) and is read back with max_age = DOWNLOAD_LINK_TTL."""
    with app.test_request_context():
        url = signed_download_url(done)
        external = signed_download_url(done, external=True)
    token = url.rsplit("/", 1)[1]
    link = read_token(token)
    assert (link.job_id, link.file_name, link.expired) == (
        done.id,
        done.result_data["file_name"],
        False,
    )
    assert external == f"{app.config['BASE_URL']}/download/{external.rsplit('/', 1)[1]}"
    assert app.config["DOWNLOAD_LINK_TTL"] == 3600


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: token[:4] + ("A" if token[4] != "A" else "B") + token[5:],  # payload
        lambda token: "not-a-token",
        lambda token: URLSafeTimedSerializer("another key", salt="download").dumps(["x", "y"]),
        lambda token: URLSafeTimedSerializer("test-secret", salt="other").dumps(["x", "y"]),
    ],
)
def test_a_tampered_link_is_refused_with_403(staff_client, done, tamper):
    """A changed or foreign token gets the 403 page, which says what happened."""
    token = download_href(staff_client.get(f"/jobs/{done.id}").get_data(as_text=True))
    status, body, headers = fetch(staff_client, "/download/" + tamper(token.rsplit("/", 1)[1]))
    assert status == 403
    assert b"This download link is not valid" in body
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"


def test_a_signed_payload_of_the_wrong_shape_is_refused(app, staff_client, done):
    """Even a correctly signed token must hold [job id, file name]."""
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="download").dumps({"id": done.id})
    assert fetch(staff_client, f"/download/{token}")[0] == 403


def test_a_link_for_another_file_name_is_refused(app, staff_client, done):
    """A genuine token naming a different file than the job's is refused."""
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="download").dumps(
        [done.id, "other.csv"]
    )
    assert fetch(staff_client, f"/download/{token}")[0] == 403


def test_an_expired_link_is_410_with_a_fresh_link_button(staff_client, done, monkeypatch):
    """Past DOWNLOAD_LINK_TTL the link answers 410 and offers a fresh link (a POST)."""
    url = link_made_long_ago(monkeypatch, done, 3601)
    status, body, headers = fetch(staff_client, url)
    html = body.decode()
    assert status == 410 and "This download link has expired" in html
    assert f'action="/jobs/{done.id}/link"' in html and 'name="csrf_token"' in html
    assert "Get a fresh link" in html and headers["Cache-Control"] == "no-store"
    assert fetch(staff_client, link_made_long_ago(monkeypatch, done, 3500))[0] == 200


def test_the_fresh_link_button_downloads_the_file(staff_client, done, monkeypatch):
    """Following the 410 page's button gives a working link."""
    from tests.conftest import csrf_from

    url = link_made_long_ago(monkeypatch, done, 7200)
    token = csrf_from(staff_client, url)
    response = staff_client.post(f"/jobs/{done.id}/link", data={"csrf_token": token})
    assert response.status_code == 303
    status, body, _ = fetch(staff_client, response.headers["Location"])
    assert status == 200 and body == CSV_BODY


@pytest.mark.parametrize("how", ["purged", "file gone", "past expires_at"])
def test_a_removed_result_is_410_and_says_it_expired(staff_client, done, how):
    """A result removed after its TTL answers 410 with 'expired', whatever the link's age."""
    url = download_href(staff_client.get(f"/jobs/{done.id}").get_data(as_text=True))
    if how == "purged":
        done.purged_at = utcnow()
    elif how == "past expires_at":
        done.expires_at = utcnow()
    else:
        for path in Path(job_dir(done.id)).iterdir():
            path.unlink()
    db.session.commit()
    status, body, _ = fetch(staff_client, url)
    assert status == 410 and b"This result has expired" in body
    assert b"/link" not in body and f"/jobs/{done.id}/run-again".encode() in body


def test_an_unsafe_stored_file_name_is_never_served(staff_client, done):
    """A file name that would leave the job's folder is not served."""
    done.result_data = {**done.result_data, "file_name": "../../secret_key"}
    db.session.commit()
    with staff_client.application.test_request_context():
        url = signed_download_url(done)
    assert fetch(staff_client, url)[0] == 410


@pytest.fixture
def login_required(app, monkeypatch):
    """DOWNLOAD_REQUIRES_LOGIN=true: links need their owner (or an admin) signed in too."""
    monkeypatch.setitem(app.config, "DOWNLOAD_REQUIRES_LOGIN", True)


def test_a_link_is_a_capability_for_whoever_holds_it(client, done, other_staff):
    """By default a genuine link works for anyone: another user, or nobody signed in."""
    with client.application.test_request_context():
        url = signed_download_url(done)
    assert fetch(client, url)[:2] == (200, CSV_BODY)
    sign_in(client, other_staff.email)
    assert fetch(client, url)[:2] == (200, CSV_BODY)


def test_another_user_cannot_use_the_owners_link(client, done, other_staff, monkeypatch,
                                                 login_required):  # fmt: skip
    """Under login, a valid (or expired) link in someone else's hands is a 404."""
    with client.application.test_request_context():
        url = signed_download_url(done)
    old = link_made_long_ago(monkeypatch, done, 7200)
    sign_in(client, other_staff.email)
    assert fetch(client, url)[0] == 404
    assert fetch(client, old)[0] == 404


def test_anonymous_visitors_sign_in_first(client, done, login_required):
    """Under login, the link leads to sign-in, and back to the download afterwards."""
    with client.application.test_request_context():
        url = signed_download_url(done)
    status, _, headers = fetch(client, url)
    assert status == 302 and headers["Location"].startswith("/login?next=%2Fdownload%2F")


def test_admins_may_download_any_result(admin_client, done):
    """Admins see every job, files included."""
    with admin_client.application.test_request_context():
        url = signed_download_url(done)
    status, body, _ = fetch(admin_client, url)
    assert status == 200 and body == CSV_BODY
