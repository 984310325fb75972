"""Send email: by SMTP when MAIL_SERVER is set, else into MAIL_OUTBOX_DIR and the log.

`send_mail()` sends one message; a fan-out keeps one `MailSession` (one connection) for many.

SMTP runs over implicit TLS (MAIL_USE_SSL, the default on port 465) or STARTTLS (MAIL_USE_TLS),
verifying the server's certificate against the system's CAs or MAIL_CA_FILE.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from flask import current_app

from webapp.models.types import utcnow

log = logging.getLogger("tamam.mail")

SMTP_TIMEOUT = 20  # seconds for every SMTP operation: a stuck server must not hang a worker
# Header lines up to RFC 5322's 998 characters: a long List-Unsubscribe URL stays one plain
# token (folding at 78 would turn it into an encoded word that mail clients do not read).
POLICY = email.policy.default.clone(max_line_length=998)


def build_message(
    to: str,
    subject: str,
    text: str,
    message_key: str | None = None,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A message from MAIL_FROM: plain text, and an HTML alternative when `html` is given.

    `message_key` makes its Message-ID (a resend of the same delivery carries the same one, so
    a receiver can drop the repeat); `headers` adds others (List-Unsubscribe on bulk mail).
    """
    message = EmailMessage(policy=POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = (
        message_id_for(message_key) if message_key else make_msgid(domain="tamam")
    )
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def message_id_for(key: str) -> str:
    """The Message-ID of a delivery: the same for every send of the same outbox key."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@tamam>"


def send_mail(
    to: str,
    subject: str,
    text: str,
    message_key: str | None = None,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Path | None:
    """Send the message; returns the outbox file when no MAIL_SERVER is configured."""
    message = build_message(to, subject, text, message_key, html, headers)
    with MailSession() as session:
        written = session.send(message)
    if written is None:
        log.info("Mail sent to %s: %s", to, subject)
    return written


class MailSession:
    """One SMTP connection for many messages (a fan-out's), opened at the first send.

    Without MAIL_SERVER every message is written to the outbox folder instead. A connection
    the server closed between two messages is opened again once.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> MailSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage) -> Path | None:
        """Hand one message to the server (or the outbox folder); raises SMTP errors."""
        if not self.config.get("MAIL_SERVER"):
            return write_to_outbox(message)
        for again in (False, True):
            if self.smtp is None:
                self.smtp = self._open()
            try:
                self.smtp.send_message(message)
                return None
            except smtplib.SMTPServerDisconnected:
                self.close()
                if again:
                    raise
        return None  # pragma: no cover (the loop returns or raises)

    def _open(self) -> smtplib.SMTP:
        smtp = connect(self.config)
        try:
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD", ""))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def tls_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    """Verify the server's certificate, against MAIL_CA_FILE when set (a private CA)."""
    return ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)


def connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    """An SMTP connection over implicit TLS (MAIL_USE_SSL), STARTTLS (MAIL_USE_TLS) or neither."""
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT", SMTP_TIMEOUT))
    if config.get("MAIL_USE_SSL"):
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(config))
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=tls_context(config))
    except BaseException:
        smtp.close()
        raise
    return smtp


def write_to_outbox(message: EmailMessage) -> Path:
    """Development: keep the message as an .eml file; log one line saying where it is.

    Only who, what and where: the body holds a signed download link, which stays in the file.
    """
    path = write_outbox_file(bytes(message), "eml")
    to, subject = message["To"], message["Subject"]
    log.info("Mail to %s, %r, written to %s (no MAIL_SERVER set)", to, subject, path)
    return path


def write_outbox_file(content: bytes, suffix: str) -> Path:
    """Write one message (an .eml, an .sms...) into MAIL_OUTBOX_DIR, whole or not at all."""
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(4)}.{suffix}"
    partial = path.with_suffix(".part")  # a reader of the folder never sees half a message
    partial.write_bytes(content)
    partial.replace(path)
    return path
