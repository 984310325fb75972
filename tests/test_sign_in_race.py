"""The sign-in throttle holds under parallel requests: one password check per charged failure."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from
from webapp.auth import service
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import SignInThrottle, User

PARALLEL = 16


class CountingCheck:
    """Wraps check_password_hash and counts its calls from every thread."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self._real = service.check_password_hash

    def __call__(self, pwhash: str, password: str) -> bool:
        """Count the call, then check for real."""
        with self._lock:
            self.calls += 1
        return self._real(pwhash, password)


def stored_failures(email: str) -> int:
    """The failure count in the database right now (0 without a row)."""
    db.session.rollback()  # see the other connections' commits
    row = db.session.scalar(select(SignInThrottle.failures).where(SignInThrottle.email == email))
    return row or 0


def alert(html: str) -> str:
    """The text of the sign-in page's error alert ('' when none)."""
    match = re.search(r'<div class="alert alert-error" role="alert">\s*<p>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def post_all_at_once(app: Flask, email: str) -> list[tuple[int, str]]:
    """PARALLEL clients, each with its own session, post a wrong password at the same moment."""
    clients = [app.test_client() for _ in range(PARALLEL)]
    forms = [
        {"email": email, "password": "wrong", "csrf_token": csrf_from(c, "/login")} for c in clients
    ]
    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, str] | None] = [None] * PARALLEL

    def attempt(n: int) -> None:
        barrier.wait()
        response = clients[n].post("/login", data=forms[n])
        text = alert(response.get_data(as_text=True))
        if response.status_code == 429:  # says when to come back, in seconds
            assert int(response.headers["Retry-After"]) > 0
        results[n] = (response.status_code, text)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result is not None for result in results), "a request raised in its thread"
    return [result for result in results if result is not None]


@pytest.mark.parametrize(
    ("account", "already"), [("known", 0), ("known", 3), ("unknown", 0)], ids=str
)
def test_parallel_wrong_passwords_are_each_charged_before_being_checked(
    app: Flask, staff: User, monkeypatch: pytest.MonkeyPatch, account: str, already: int
) -> None:
    """No 500, and no more password checks than failures counted: at most one per count."""
    email = staff.email if account == "known" else "nobody@example.com"
    if already:
        db.session.add(
            SignInThrottle(
                email=email, failures=already, last_failure_at=utcnow() - timedelta(hours=1)
            )
        )
        db.session.commit()
    checks = CountingCheck()
    monkeypatch.setattr(service, "check_password_hash", checks)

    results = post_all_at_once(app, email)

    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {401, 429}, statuses
    charged = stored_failures(email) - already
    # Far from the lock (8), every checked password is a 401 and every other request a 429.
    assert checks.calls == charged == statuses.count(401) >= 1
    for status, text in results:
        expected = service.GENERIC_FAILURE if status == 401 else "Too many "
        assert text.startswith(expected), (status, text)
