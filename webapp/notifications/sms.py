"""SMS and WhatsApp through Twilio's Messages API; in development, into the outbox folder.

A send is one form-encoded POST to {TWILIO_BASE_URL}/2010-04-01/Accounts/{Sid}/Messages.json
with basic auth (account SID, auth token): `To` (E.164, or `whatsapp:+E164`), `From` (or
`MessagingServiceSid`), `Body` and `StatusCallback`, where Twilio reports what became of the
message (webapp.notify.hooks). 201 carries the message's `sid`; 429 carries Retry-After; a
4xx is the message's own fault (a bad number, an unsubscribed recipient) and is not retried.

Twilio documents no idempotency key for this call, so the delivery's key goes along as
`Idempotency-Key` for providers and proxies that honour one, and a send that may already have
gone out (its sender died, or the connection broke after the request) first asks Twilio's
list of messages to that number whether it is there (`find_sent`).
"""

from __future__ import annotations

import base64
import http.client
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app

from webapp.notifications.errors import Permanent, RateLimited, Sent, Transient
from webapp.notifications.mail import write_outbox_file

API_VERSION = "2010-04-01"
IDLE_RECONNECT = 10.0  # seconds: a kept-alive connection idle longer is opened afresh
# Twilio codes that mean the recipient asked for no more messages (STOP).
UNSUBSCRIBED = {"21610"}


def configured() -> bool:
    """True when Twilio credentials are set; without them messages go to the outbox folder."""
    return bool(current_app.config.get("TWILIO_ACCOUNT_SID"))


def address(channel: str, e164: str) -> str:
    """What Twilio's To and From take: the number, or whatsapp:+number."""
    return f"whatsapp:{e164}" if channel == "whatsapp" else e164


class TwilioClient:
    """One kept-alive connection to the Messages API, for one sender's many messages."""

    def __init__(self) -> None:
        config = current_app.config
        self.sid = str(config["TWILIO_ACCOUNT_SID"])
        self.token = str(config.get("TWILIO_AUTH_TOKEN", ""))
        self.sms_from = str(config.get("TWILIO_FROM", ""))
        self.service = str(config.get("TWILIO_MESSAGING_SERVICE_SID", ""))
        self.whatsapp_from = str(config.get("TWILIO_WHATSAPP_FROM", ""))
        self.callback = str(config.get("SMS_STATUS_CALLBACK_URL", ""))
        self.timeout = float(config.get("SMS_TIMEOUT", 10.0))
        base = urlsplit(str(config.get("TWILIO_BASE_URL", "https://api.twilio.com")))
        self.scheme, self.netloc, self.prefix = base.scheme, base.netloc, base.path.rstrip("/")
        self.conn: http.client.HTTPConnection | None = None
        self.used_at = 0.0
        credentials = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        self.auth = f"Basic {credentials}"

    def close(self) -> None:
        """Close the connection, if open."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is not None and time.monotonic() - self.used_at > IDLE_RECONNECT:
            self.close()
        if self.conn is None:
            secure = self.scheme == "https"
            kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
            self.conn = kind(self.netloc, timeout=self.timeout)
        return self.conn

    def _request(
        self, method: str, path: str, body: bytes | None, key: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Authorization": self.auth, "Accept": "application/json",
                   "User-Agent": "Tamam-Notify/1"}  # fmt: skip
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if key:
            headers["Idempotency-Key"] = key
        conn = self._connection()
        try:
            conn.request(method, self.prefix + path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Transient(f"{type(exc).__name__}: {exc}", maybe_sent=body is not None) from None
        self.used_at = time.monotonic()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def messages_path(self) -> str:
        """The Messages resource of the account."""
        return f"/{API_VERSION}/Accounts/{self.sid}/Messages.json"

    def send(self, channel: str, to: str, text: str, key: str) -> Sent:
        """Create the message; raises RateLimited, Permanent or Transient when it is not."""
        form: dict[str, str] = {"To": address(channel, to), "Body": text}
        if channel == "whatsapp":
            form["From"] = address(channel, self.whatsapp_from)
        elif self.service:
            form["MessagingServiceSid"] = self.service
        else:
            form["From"] = self.sms_from
        if self.callback:
            form["StatusCallback"] = self.callback
        started = time.monotonic()
        payload = urlencode(form).encode()
        status, headers, data = self._request("POST", self.messages_path(), payload, key)
        took = int((time.monotonic() - started) * 1000)
        answer = _json(data)
        if status in (200, 201) and answer.get("sid"):
            return Sent(str(answer["sid"]), status, took)
        raise _refusal(status, headers, answer)

    def find_sent(self, channel: str, to: str, text: str, since: Any) -> str | None:
        """The sid of a message with this text already sent to `to` since `since` (a date)."""
        day = (since - timedelta(days=1)).date().isoformat()  # DateSent>= is by day, in UTC
        query = urlencode({"To": address(channel, to), "DateSent>": day, "PageSize": 100})
        status, headers, data = self._request("GET", f"{self.messages_path()}?{query}", None)
        if status != 200:
            raise _refusal(status, headers, _json(data))
        for message in _json(data).get("messages", []) or []:
            outbound = str(message.get("direction") or "outbound-api").startswith("outbound")
            if outbound and message.get("body") == text:
                return str(message.get("sid"))
        return None


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _refusal(status: int, headers: dict[str, str], answer: dict[str, Any]) -> Exception:
    """The exception a non-2xx answer means."""
    code = str(answer.get("code", "") or "")
    words = f"HTTP {status}" + (f", Twilio {code}" if code else "")
    if answer.get("message"):
        words += f": {answer['message']}"
    if status == 429:
        return RateLimited(words, _retry_after(headers.get("retry-after")))
    if 400 <= status < 500 and status not in (401, 403, 404, 408):
        return Permanent(words, opted_out=code in UNSUBSCRIBED, http_status=status)
    # Credentials, a wrong account, timeouts and the provider's own errors: try again later.
    return Transient(words, maybe_sent=status >= 500, http_status=status)


def _retry_after(value: str | None) -> float:
    """Retry-After in seconds (a number of seconds; an HTTP date is read as 1 s)."""
    try:
        return max(0.0, float(value or 1))
    except ValueError:
        return 1.0


def write_to_outbox(channel: str, to: str, text: str, key: str) -> Sent:
    """Development: the message as a small text file in the outbox folder."""
    sender = "TWILIO_WHATSAPP_FROM" if channel == "whatsapp" else "TWILIO_FROM"
    lines = [
        f"Channel: {channel}",
        f"To: {address(channel, to)}",
        f"From: {current_app.config.get(sender) or 'Tamam'}",
        f"Idempotency-Key: {key}",
        "",
        text,
        "",
    ]
    path = write_outbox_file("\n".join(lines).encode(), channel)
    return Sent(f"dev:{path.name}")
