"""Who may do what to a staff user's job, by every path: one table of user x action x status.

The job belongs to the staff user. Another staff user gets 404 everywhere (the job might as
well not exist); admins see every job; anonymous visitors are sent to sign in. The signed
download link is the exception: it is a capability, good for whoever holds it.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import csrf_from, make_user, sign_in
from tests.staff.helpers import HX, make_job
from webapp.engine.links import signed_download_url
from webapp.extensions import db
from webapp.models.job import Job

USERS = ("owner", "other staff", "admin", "anonymous")
ALLOWED = {"owner", "admin"}
# action: (method, path template, status when allowed, job's status before)
ACTIONS = {
    "page": ("GET", "/jobs/{id}", 200, "completed"),
    "row": ("GET", "/jobs/{id}/row", 200, "processing"),
    "live": ("GET", "/jobs/{id}/live", 200, "processing"),
    "download": ("GET", "{download}", 200, "completed"),
    "cancel": ("POST", "/jobs/{id}/cancel", 303, "pending"),
    "run again": ("POST", "/jobs/{id}/run-again", 303, "completed"),
    "fresh link": ("POST", "/jobs/{id}/link", 303, "completed"),
}


def expected(user: str, action: str) -> int:
    """The status the table promises."""
    if action == "download":
        return 200  # the link alone is enough (DOWNLOAD_REQUIRES_LOGIN is off)
    if user == "anonymous":
        return 401 if action in ("row", "live") else 302  # HTMX polls get HX-Redirect
    return ACTIONS[action][2] if user in ALLOWED else 404


CASES = [(user, action, expected(user, action)) for user in USERS for action in ACTIONS]


def client_for(client: FlaskClient, user: str) -> FlaskClient:
    """The test client signed in as `user` (or not at all)."""
    emails = {"owner": "sara@example.com", "other staff": "omar@example.com"}
    if user == "admin":
        sign_in(client, "admin@example.com")
    elif user in emails:
        sign_in(client, emails[user])
    return client


@pytest.mark.parametrize(("user", "action", "status"), CASES, ids=[f"{u}-{a}" for u, a, _ in CASES])
def test_who_may_reach_a_staff_users_job(client, staff, stub_broker, user, action, status):
    """Each (user, action) answers with the status of the table and changes nothing it must not."""
    make_user("omar@example.com", name="Omar Other")
    make_user("admin@example.com", "admin")
    method, template, _, before = ACTIONS[action]
    job = make_job(staff, before)
    with client.application.test_request_context():
        download = signed_download_url(job) if before == "completed" else ""
    path = template.format(id=job.id, download=download)
    client = client_for(client, user)
    token = csrf_from(client, "/login" if user == "anonymous" else "/home")
    headers = HX if action in ("row", "live") else {}
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, data={"csrf_token": token}, headers=headers)
    response.close()
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 302:
        assert response.headers["Location"].startswith("/login?next=")
    if status == 401:
        assert response.headers["HX-Redirect"] == "/login"
    jobs = db.session.query(Job).populate_existing().all()
    if status != 303 or action != "run again":
        assert [j.id for j in jobs] == [job.id]  # no job was made
    if action == "cancel":
        assert jobs[0].status == ("cancelled" if status == 303 else "pending")
