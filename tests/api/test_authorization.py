"""Who may call what: anonymous, a bad token, a revoked token, the owner, another staff user
and an admin, over every endpoint of the API (one table, one test per cell)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.conftest import SALES, bearer, new_token
from tests.conftest import make_user
from tests.staff.helpers import make_job
from webapp.api.tokens import revoke_token
from webapp.extensions import db
from webapp.models.api import ApiToken
from webapp.models.job import Job

CALLERS = ("anonymous", "bad token", "revoked token", "owner", "other staff", "admin")
# endpoint: (method, path, body, status for the owner, job's status before)
ENDPOINTS = {
    "sales": ("POST", "/v1/reports/sales", SALES, 202, None),
    "orders": ("POST", "/v1/exports/orders", {**SALES, "format": "csv"}, 202, None),
    "list": ("GET", "/v1/jobs", None, 200, "pending"),
    "show": ("GET", "/v1/jobs/{id}", None, 200, "processing"),
    "cancel": ("DELETE", "/v1/jobs/{id}", None, 200, "pending"),
    "download": ("GET", "/v1/jobs/{id}/download", None, 303, "completed"),
    "webhooks": ("GET", "/v1/jobs/{id}/webhooks", None, 200, "completed"),
    "openapi": ("GET", "/v1/openapi.json", None, 200, None),
    "docs": ("GET", "/v1/docs", None, 200, None),
}
OPEN = {"openapi", "docs"}
ABOUT_A_JOB = {"show", "cancel", "download", "webhooks"}


def expected(caller: str, endpoint: str) -> int:
    """The table: tokens of real users reach their own jobs only; admins are no exception."""
    owner_status = ENDPOINTS[endpoint][3]
    if endpoint in OPEN:
        return owner_status
    if caller in ("anonymous", "bad token", "revoked token"):
        return 401
    if caller in ("other staff", "admin") and endpoint in ABOUT_A_JOB:
        return 404
    return owner_status


CASES = [(c, e, expected(c, e)) for c in CALLERS for e in ENDPOINTS]


@pytest.mark.parametrize(("caller", "endpoint", "status"), CASES,
                         ids=[f"{c}-{e}" for c, e, _ in CASES])  # fmt: skip
def test_who_may_call_what(api, staff, stub_broker, caller, endpoint, status):
    """Each (caller, endpoint) answers as the table says, and changes nothing it must not."""
    other = make_user("omar@example.com")
    admin = make_user("admin@example.com", "admin")
    method, template, body, _, before = ENDPOINTS[endpoint]
    job = make_job(staff, before) if before else None
    users = {"owner": staff, "other staff": other, "admin": admin}
    headers: dict[str, str] = {}
    if caller == "bad token":
        headers = bearer("tamam_" + "A" * 43)
    elif caller == "revoked token":
        secret = new_token(staff)
        revoke_token(staff, db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc())))
        headers = bearer(secret)
    elif caller != "anonymous":
        headers = bearer(new_token(users[caller]))
    path = template.format(id=job.id if job else "")
    response = api.open(path, method=method, json=body, headers=headers)
    response.close()
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    jobs = db.session.query(Job).populate_existing().all()
    made = status == 202 and method == "POST"
    assert len(jobs) == (1 if job else 0) + (1 if made else 0)
    if job is not None:
        after = db.session.get(Job, job.id)
        cancelled = endpoint == "cancel" and status == 200
        assert after.status == ("cancelled" if cancelled else before)
    if made:
        assert {j.user_id for j in jobs if not job or j.id != job.id} == {users[caller].id}
