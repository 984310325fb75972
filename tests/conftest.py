"""Shared fixtures: the app on SQLite or TEST_DATABASE_URL, a real Redis, users, clients."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, text

from tasks.broker import build_broker, install
from webapp import create_app
from webapp.embedded_redis import EmbeddedRedis
from webapp.extensions import db
from webapp.models import (
    Alert,
    ApiToken,
    AuditEvent,
    IdempotencyKey,
    ImportBatch,
    Job,
    JobCallback,
    JobEvent,
    JobMinute,
    JobTotal,
    MonitorMark,
    OptOut,
    OutboxAttempt,
    OutboxMessage,
    QueuePause,
    SchedulerLease,
    SignInThrottle,
    User,
    WebhookSecret,
    WorkerHeartbeat,
)

PASSWORD = "correct horse battery"
# Per-test cleanup removes these; the seeded sales data stays for the whole session.
CLEANED = (
    OptOut,
    AuditEvent,
    Alert,
    MonitorMark,
    JobMinute,
    JobTotal,
    OutboxAttempt,
    OutboxMessage,
    QueuePause,
    IdempotencyKey,
    JobCallback,
    ImportBatch,
    JobEvent,
    Job,
    ApiToken,
    WebhookSecret,
    WorkerHeartbeat,
    SchedulerLease,
    SignInThrottle,
    User,
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the message catalogs, so the tests read the .po files as they are now."""
    from tests.i18n.catalog_script import catalogs

    catalogs.compile_catalogs()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TEST_REDIS_URL when set (it must answer), else a private redis-server on a free port."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()  # fail, don't skip, when the given Redis is down
        client.close()
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL when set, else a SQLite file for this run."""
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, `g` and database session.

    pytest-flask (and `app_ctx`) keep an app context pushed for the whole test, and Flask
    reuses an active app context for requests: `g` (Flask-Login's user, Flask-WTF's token)
    and the session would leak from one request to the next. In production they never do.
    So the request's context is not kept after it either (`with client:` keeps nothing).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        """Send the request from an empty context, as a new request in production is."""
        preserve, self.preserve_context = self.preserve_context, False
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            self.preserve_context = preserve


@pytest.fixture(scope="session")
def app(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app with migrations applied to a clean database."""
    from flask_migrate import upgrade

    from webapp.settings import engine_options, normalise_database_url

    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TAMAM_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(normalise_database_url(database_url)),
            "REDIS_URL": redis_url,
            "INSTANCE_DIR": str(instance),
            "STORAGE_DIR": str(instance / "storage"),
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; the default is tested apart
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_rows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no users, jobs or heartbeats (sales data is kept)."""
    yield
    if "app" not in request.fixturenames:
        return
    flask_app: Flask = request.getfixturevalue("app")
    from webapp.engine import eta, fair
    from webapp.monitoring import stats

    eta.forget()  # runtimes cached from this test's jobs
    fair.forget()
    stats.forget()
    with flask_app.app_context():
        db.session.rollback()
        for model in CLEANED:
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An app context for tests that call services directly."""
    with app.app_context():
        yield app
        db.session.remove()


def make_user(email: str, role: str = "staff", password: str = PASSWORD, **extra: object) -> User:
    """Create and commit a user (call inside an app context)."""
    from webapp.auth.service import create_user

    user = create_user(email, password, role=role)
    for key, value in extra.items():
        setattr(user, key, value)
    db.session.commit()
    return user


@pytest.fixture
def staff(app_ctx: Flask) -> User:
    """A staff user."""
    return make_user("sara@example.com", "staff", name="Sara Staff")


@pytest.fixture
def other_staff(app_ctx: Flask) -> User:
    """A second staff user, to prove one cannot see the other's jobs."""
    return make_user("omar@example.com", "staff", name="Omar Other")


@pytest.fixture
def admin(app_ctx: Flask) -> User:
    """An admin user."""
    return make_user("admin@example.com", "admin", name="Ada Admin")


def csrf_from(client: FlaskClient, path: str) -> str:
    """Fetch `path` and return the CSRF token its page carries (CSRF stays on in tests)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'"X-CSRFToken": "([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, CSRF token included."""
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def staff_client(client: FlaskClient, staff: User) -> FlaskClient:
    """A client signed in as the staff user."""
    sign_in(client, staff.email)
    return client


@pytest.fixture
def admin_client(client: FlaskClient, admin: User) -> FlaskClient:
    """A client signed in as the admin."""
    sign_in(client, admin.email)
    return client


def _installed(broker: dramatiq.Broker) -> Iterator[dramatiq.Broker]:
    """Install `broker` empty for one test, then empty it and put the previous one back."""
    previous = dramatiq.broker.global_broker
    install(broker)
    broker.flush_all()
    yield broker
    broker.flush_all()
    broker.close()
    client = getattr(broker, "client", None)
    if client is not None:
        client.connection_pool.disconnect()  # RedisBroker.close() leaves sockets open
    if previous is not None:
        install(previous)


@pytest.fixture
def stub_broker(app: Flask) -> Iterator[dramatiq.Broker]:
    """Dramatiq's StubBroker with every actor on it (unit tests only)."""
    yield from _installed(build_broker(None, app))


@pytest.fixture
def redis_broker(app: Flask, redis_url: str) -> Iterator[dramatiq.Broker]:
    """A RedisBroker on the test Redis, emptied before and after the test."""
    yield from _installed(build_broker(redis_url, app))


@pytest.fixture
def worker(redis_broker: dramatiq.Broker) -> Iterator[dramatiq.Worker]:
    """A real dramatiq Worker in this process, consuming the test Redis."""
    redis_broker.emit_after("process_boot")  # what the dramatiq CLI does: starts TimeLimit
    w = dramatiq.Worker(redis_broker, worker_threads=2, worker_timeout=100)
    w.start()
    yield w
    w.stop()
