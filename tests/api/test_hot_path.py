"""The API's hot paths stay lean without losing a check: a status poll is one read of the
database (the token with the job), revocation and disabling still take effect on the very next
poll, and no answer depends on (or touches) the session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from tests.api.conftest import SALES, bearer, new_token
from tests.conftest import make_user
from tests.staff.helpers import make_job
from webapp.api.tokens import revoke_token
from webapp.extensions import db
from webapp.models.api import ApiToken
from webapp.models.types import utcnow


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run on the app's engine inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_status_poll_is_one_read(api, staff):
    """Once last_used_at and the estimate's figures are fresh, a poll runs a single SELECT."""
    now = utcnow()
    make_job(staff, "completed", started_at=now - timedelta(seconds=30), completed_at=now)
    secret = new_token(staff)
    job = make_job(staff, "pending")
    assert api.get(f"/v1/jobs/{job.id}", headers=bearer(secret)).status_code == 200
    with statements() as seen:
        response = api.get(f"/v1/jobs/{job.id}", headers=bearer(secret))
    assert response.status_code == 200 and response.get_json()["job_id"] == job.id
    reads = [s for s in seen if not s.lstrip().upper().startswith(("SELECT 1", "PRAGMA"))]
    assert len(reads) == 1 and reads[0].lstrip().upper().startswith("SELECT")


def test_revoking_or_disabling_stops_the_next_poll(api, staff):
    """The poll's single read still checks the token: 401 right after revoke or disable."""
    job = make_job(staff, "pending")
    secret = new_token(staff)
    assert api.get(f"/v1/jobs/{job.id}", headers=bearer(secret)).status_code == 200
    revoke_token(staff, db.session.scalar(select(ApiToken.id)))
    assert api.get(f"/v1/jobs/{job.id}", headers=bearer(secret)).status_code == 401
    other = new_token(staff, "second")
    assert api.get(f"/v1/jobs/{job.id}", headers=bearer(other)).status_code == 200
    staff.disabled = True
    db.session.commit()
    assert api.get(f"/v1/jobs/{job.id}", headers=bearer(other)).status_code == 401


def test_another_users_job_is_404_on_the_single_read(api, staff):
    """The job rides along only when it is the token user's: else 404, like a missing one."""
    job = make_job(make_user("omar@example.com"), "pending")
    secret = new_token(staff)
    for path in (f"/v1/jobs/{job.id}", "/v1/jobs/job-missing", "/v1/jobs/" + "x" * 60):
        response = api.get(path, headers=bearer(secret))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_answers_neither_vary_on_nor_set_a_cookie(api, staff, stub_broker):
    """The API never reads the session: no Vary: Cookie, no Set-Cookie, even with a cookie."""
    secret = new_token(staff)
    job = make_job(staff, "pending")
    api.set_cookie("session", "whatever")
    answers = [
        api.get(f"/v1/jobs/{job.id}", headers=bearer(secret)),
        api.post("/v1/reports/sales", json=SALES, headers=bearer(secret)),
        api.get("/v1/jobs/job-missing", headers=bearer(secret)),
        api.get("/v1/nowhere", headers=bearer(secret)),
        api.get("/v1/jobs"),
    ]
    assert [r.status_code for r in answers] == [200, 202, 404, 404, 401]
    for response in answers:
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
