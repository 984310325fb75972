"""Send one email: by SMTP when MAIL_SERVER is set, else into MAIL_OUTBOX_DIR and the log.

SMTP runs over implicit TLS (MAIL_USE_SSL, the default on port 465) or STARTTLS (MAIL_USE_TLS),
verifying the server's certificate against the system's CAs or MAIL_CA_FILE.
"""

from __future__ import annotations

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


def build_message(to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text message from MAIL_FROM."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="tamam")
    message.set_content(text)
    return message


def send_mail(to: str, subject: str, text: str) -> Path | None:
    """Send the message; returns the outbox file when no MAIL_SERVER is configured."""
    message = build_message(to, subject, text)
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return write_to_outbox(message)
    with connect(config) as smtp:
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
    log.info("Mail sent to %s: %s", to, subject)
    return None


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
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
    partial = path.with_suffix(".part")  # a reader of the folder never sees half a message
    partial.write_bytes(bytes(message))
    partial.replace(path)
    to, subject = message["To"], message["Subject"]
    log.info("Mail to %s, %r, written to %s (no MAIL_SERVER set)", to, subject, path)
    return path
