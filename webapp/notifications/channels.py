"""Every channel behind one call: `Senders().send(delivery)` composes and sends one outbox row.

A `Senders` keeps its connections (one SMTP session, one kept-alive HTTPS connection to the
SMS provider) for as many rows as its owner sends: one for a single delivery, one for a whole
fan-out. Each channel reports how the attempt ended with `Sent` or an exception of
webapp.notifications.errors, which the outbox turns into the row's next state.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any, Protocol

from flask import current_app, render_template
from flask_babel import force_locale

from webapp.notifications.errors import Permanent, Sent, Skip, Transient

WEBHOOK_TIMEOUT = 10.0
TEXT_CHANNELS = ("sms", "whatsapp")
BULK_TEMPLATES = ("bulk", "order_confirmation")


class Delivery(Protocol):
    """What a sender reads of an outbox row (an ORM object or a plain row alike)."""

    id: int
    key: str
    channel: str
    recipient: str
    subject: str
    body: dict[str, Any]
    in_doubt: bool
    created_at: datetime


class Senders:
    """The connections of one sender, each opened when first needed; a context manager."""

    def __init__(self) -> None:
        self._mail: Any = None
        self._twilio: Any = None

    def __enter__(self) -> Senders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close whatever is open."""
        for conn in (self._mail, self._twilio):
            if conn is not None:
                conn.close()
        self._mail = self._twilio = None

    def send(self, row: Delivery) -> Sent:
        """Send one row on its channel; raises Skip, Permanent, RateLimited or Transient."""
        if row.channel == "email":
            return self.email(row)
        if row.channel in TEXT_CHANNELS:
            return self.text(row)
        if row.channel == "webhook":
            return post_webhook(row)
        if row.channel == "job_webhook":
            from webapp.notifications.job_webhook import send

            answer = send(row)  # type: ignore[arg-type]
            if not 200 <= answer.status < 300:
                raise Transient(f"HTTP {answer.status} from {row.recipient}", True, answer.status)
            return Sent(f"HTTP {answer.status}", answer.status, answer.duration_ms)
        raise Permanent(f"Unknown outbox channel {row.channel!r}")

    def email(self, row: Delivery) -> Sent:
        """Compose the row's email (text and HTML) and hand it to SMTP or the outbox folder."""
        import smtplib

        from webapp.notifications.mail import MailSession, build_message, message_id_for

        to, subject, text, html, headers = compose_email(row)
        message = build_message(to, subject, text, row.key, html=html, headers=headers)
        if self._mail is None:
            self._mail = MailSession()
        try:
            written = self._mail.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"Refused by the mail server: {_smtp_words(exc)}") from None
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise Permanent(f"SMTP {exc.smtp_code}: {_smtp_words(exc)}") from None
            raise Transient(f"SMTP {exc.smtp_code}: {_smtp_words(exc)}", True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise Transient(f"{type(exc).__name__}: {exc}", True) from None
        return Sent(f"dev:{written.name}" if written else message_id_for(row.key))

    def text(self, row: Delivery) -> Sent:
        """An SMS or WhatsApp message: Twilio when configured, else the outbox folder."""
        from webapp.notifications import sms

        text = str(row.body.get("text", ""))
        if not sms.configured():
            return sms.write_to_outbox(row.channel, row.recipient, text, row.key)
        if self._twilio is None:
            self._twilio = sms.TwilioClient()
        if row.in_doubt:  # its last send may have gone out: ask before sending again
            found = self._twilio.find_sent(row.channel, row.recipient, text, row.created_at)
            if found:
                return Sent(found, 200)
        return self._twilio.send(row.channel, row.recipient, text, row.key)  # type: ignore[no-any-return]


def _smtp_words(exc: Exception) -> str:
    if hasattr(exc, "recipients"):
        return "; ".join(
            f"{address}: {code} {message.decode(errors='replace')}"
            for address, (code, message) in exc.recipients.items()
        )
    message = getattr(exc, "smtp_error", b"")
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def compose_email(row: Delivery) -> tuple[str, str, str, str | None, dict[str, str]]:
    """(to, subject, text, html, extra headers) for an email row, by its body's template."""
    body = row.body
    template = body.get("template")
    if template == "job_ready":
        from webapp.notifications.ready import compose

        composed = compose(str(body.get("job_id", "")))
        if isinstance(composed, str):
            raise Skip(composed)
        return composed.to, composed.subject, composed.text, composed.html, {}
    if template in BULK_TEMPLATES:
        headers = {}
        unsubscribe = body.get("unsubscribe")
        if unsubscribe:  # RFC 2369 and RFC 8058: the mail client's own one-click button
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        context = {**body, "subject": row.subject}
        # The staff member's words go as written; Tamam's (the footer, the order's table)
        # follow the language chosen on the form (English for rows written before it).
        with force_locale(str(body.get("language") or "en")):
            text = render_template(f"email/{template}.txt", **context)
            html = render_template(f"email/{template}.html", **context)
        return row.recipient, row.subject, text, html, headers
    return row.recipient, row.subject, str(body.get("text", "")), None, {}


def post_webhook(row: Delivery) -> Sent:
    """POST the body as JSON; any 2xx is delivered, anything else raises (and is retried)."""
    request = urllib.request.Request(
        row.recipient,
        data=json.dumps(row.body, sort_keys=True).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Tamam-Alerts/1",
            "Idempotency-Key": row.key,
            "webhook-id": row.key,
        },
    )
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT", WEBHOOK_TIMEOUT))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Sent(f"HTTP {response.status}", response.status)
    except urllib.error.HTTPError as exc:
        raise Transient(f"HTTP {exc.code} from {row.recipient}", True, exc.code) from None
