"""Fixtures for notification tests: a real SMTP server, a Twilio-like HTTP server, clean rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from tests.mail_server import Inbox, free_port
from tests.notifications.helpers import forget_customers
from tests.notifications.sms_provider import FakeTwilio, fake_twilio
from webapp.notifications import pace

CALLBACK = "https://tamam.example.com/hooks/sms/status"


@pytest.fixture(autouse=True)
def _forget_customers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test leaves the customers and orders tables as it found them."""
    pace.use(pace.LocalPace())  # a fresh set of slots: no test waits for another's
    yield
    pace.use(None)
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        forget_customers()


@pytest.fixture
def inbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) the app's mail goes to."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
                "MAIL_USE_SSL": False, "MAIL_TIMEOUT": 5, "MAIL_FROM": "Tamam <shop@example.com>",
                "BASE_URL": "https://tamam.example.com"}  # fmt: skip
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    yield box
    controller.stop()


@pytest.fixture
def twilio(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """A real local HTTP server speaking Twilio's Messages API, and the settings to reach it."""
    with fake_twilio() as fake:
        settings = {"TWILIO_BASE_URL": fake.url, "TWILIO_ACCOUNT_SID": fake.sid,
                    "TWILIO_AUTH_TOKEN": fake.token, "TWILIO_FROM": "+15005550006",
                    "TWILIO_WHATSAPP_FROM": "+14155238886",
                    "SMS_STATUS_CALLBACK_URL": CALLBACK}  # fmt: skip
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        yield fake


@pytest.fixture
def dev_mail(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Flask:
    """Development: no MAIL_SERVER and no SMS provider, so everything goes to a fresh folder."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "")
    return app
