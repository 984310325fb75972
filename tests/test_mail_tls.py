"""SMTP over implicit TLS (port 465) and STARTTLS, against a real aiosmtpd with a private CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from flask import Flask

from tests.mail_server import Inbox, free_port
from webapp.notifications.mail import send_mail
from webapp.settings import load_settings


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A private certificate authority, as a company's mail server might use."""
    return trustme.CA()


@pytest.fixture
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """The server's TLS context: a certificate for 127.0.0.1 signed by the private CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    """The private CA's certificate as a PEM file, for MAIL_CA_FILE."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def serve(inbox: Inbox, **tls: object) -> Controller:
    """Start aiosmtpd on a free port of 127.0.0.1 with the given TLS options."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **tls)
    controller.start()
    return controller


@pytest.fixture
def implicit_tls(server_tls: ssl.SSLContext) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that speaks TLS from the first byte (like port 465)."""
    inbox = Inbox()
    controller = serve(inbox, ssl_context=server_tls)
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def starttls(server_tls: ssl.SSLContext) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that refuses mail until the client says STARTTLS."""
    inbox = Inbox()
    controller = serve(inbox, tls_context=server_tls, require_starttls=True)
    yield inbox, controller.port
    controller.stop()


def point_mail_at(
    app: Flask, monkeypatch: pytest.MonkeyPatch, port: int, **settings: object
) -> None:
    """MAIL_* settings for the test server."""
    values = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False}
    values.update({"MAIL_USE_SSL": False, "MAIL_CA_FILE": "", "MAIL_TIMEOUT": 5, **settings})
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


def test_mail_use_ssl_defaults_to_port_465(tmp_path: Path) -> None:
    """MAIL_USE_SSL is on for port 465 unless set; MAIL_CA_FILE is empty by default."""
    base = {"INSTANCE_DIR": str(tmp_path)}
    assert load_settings(base)["MAIL_USE_SSL"] is False
    assert load_settings({**base, "MAIL_PORT": "465"})["MAIL_USE_SSL"] is True
    assert (
        load_settings({**base, "MAIL_PORT": "465", "MAIL_USE_SSL": "false"})["MAIL_USE_SSL"]
        is False
    )
    assert load_settings({**base, "MAIL_PORT": "2465", "MAIL_USE_SSL": "1"})["MAIL_USE_SSL"] is True
    assert load_settings(base)["MAIL_CA_FILE"] == ""
    assert load_settings({**base, "MAIL_CA_FILE": "/etc/ca.pem"})["MAIL_CA_FILE"] == "/etc/ca.pem"


def test_implicit_tls_delivers_over_tls(
    app: Flask, app_ctx: Flask, monkeypatch: pytest.MonkeyPatch, implicit_tls, ca_file: str
) -> None:
    """MAIL_USE_SSL with the CA file: the message arrives, carried by TLS."""
    inbox, port = implicit_tls
    point_mail_at(app, monkeypatch, port, MAIL_USE_SSL=True, MAIL_CA_FILE=ca_file)
    assert send_mail("sara@example.com", "Over TLS", "Hello") is None
    assert [m["Subject"] for m in inbox.messages] == ["Over TLS"]
    assert inbox.recipients == [["sara@example.com"]] and inbox.encrypted == [True]


def test_implicit_tls_checks_the_certificate(
    app: Flask, app_ctx: Flask, monkeypatch: pytest.MonkeyPatch, implicit_tls
) -> None:
    """Without MAIL_CA_FILE the private CA is not trusted: nothing is sent in the clear."""
    inbox, port = implicit_tls
    point_mail_at(app, monkeypatch, port, MAIL_USE_SSL=True)
    with pytest.raises(ssl.SSLCertVerificationError):
        send_mail("sara@example.com", "Not trusted", "Hello")
    assert inbox.messages == []


def test_starttls_delivers_over_tls(
    app: Flask, app_ctx: Flask, monkeypatch: pytest.MonkeyPatch, starttls, ca_file: str
) -> None:
    """MAIL_USE_TLS (STARTTLS) with the CA file also trusts the private CA."""
    inbox, port = starttls
    point_mail_at(app, monkeypatch, port, MAIL_USE_TLS=True, MAIL_CA_FILE=ca_file)
    assert send_mail("sara@example.com", "Upgraded", "Hello") is None
    assert [m["Subject"] for m in inbox.messages] == ["Upgraded"]
    assert inbox.encrypted == [True]
