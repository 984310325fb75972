"""A real local HTTP server that speaks the part of Twilio's Messages API Tamam uses.

It checks what Twilio checks: basic auth with the account SID and auth token, a form-encoded
body, `To` in E.164 (or whatsapp:+E164), `From` or `MessagingServiceSid`, and `Body`. It
answers 201 with a message `sid`, lists messages by `To` and `DateSent>` (GET), and can be
scripted to answer the next requests with a 429 and Retry-After, a 400 with a Twilio error
code, or a 500. Like Twilio it ignores `Idempotency-Key` (a repeat creates a second message).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

E164 = re.compile(r"^(whatsapp:)?\+[1-9][0-9]{6,14}$")


@dataclass
class FakeTwilio:
    """What the server received, and how it answers next."""

    url: str = ""
    sid: str = "AC" + "0" * 30 + "01"
    token: str = "test-auth-token"
    messages: list[dict[str, Any]] = field(default_factory=list)  # created, in order
    requests: list[dict[str, Any]] = field(default_factory=list)  # every POST, as received
    lookups: int = 0
    script: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, status: int, headers: dict[str, str] | None = None,
                    body: dict[str, Any] | None = None) -> None:  # fmt: skip
        """Answer the next POST with this instead of creating a message."""
        with self.lock:
            self.script.append((status, headers or {}, body or {}))

    def bodies_to(self, to: str) -> list[str]:
        """The bodies of the messages created for `to`."""
        with self.lock:
            return [m["body"] for m in self.messages if m["to"] == to]


def _message(form: dict[str, str]) -> dict[str, Any]:
    return {
        "sid": "SM" + secrets.token_hex(16),
        "to": form["To"],
        "from": form.get("From") or form.get("MessagingServiceSid"),
        "body": form["Body"],
        "status": "queued",
        "direction": "outbound-api",
        "date_created": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        "status_callback": form.get("StatusCallback"),
    }


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """Serve on a free port of 127.0.0.1; yields the FakeTwilio."""
    fake = FakeTwilio()
    path = f"/2010-04-01/Accounts/{fake.sid}/Messages.json"
    expected = "Basic " + base64.b64encode(f"{fake.sid}:{fake.token}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's front end

        def _reply(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != path or self.headers.get("Authorization") != expected:
                self._reply(401 if parts.path == path else 404, {"code": 20003})
                return
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            with fake.lock:
                fake.lookups += 1
                found = [m for m in fake.messages if m["to"] == query.get("To")]
            self._reply(200, {"messages": list(reversed(found)), "page_size": 100})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            with fake.lock:
                fake.requests.append({"headers": dict(self.headers.items()), "form": form})
                scripted = fake.script.pop(0) if fake.script else None
            if self.path != path:
                self._reply(404, {"code": 20404, "message": "The requested resource was not found"})
            elif self.headers.get("Authorization") != expected:
                self._reply(401, {"code": 20003, "message": "Authenticate"})
            elif self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                self._reply(400, {"code": 20001, "message": "Not form-encoded"})
            elif scripted is not None:
                self._reply(scripted[0], scripted[2], scripted[1])
            elif not E164.match(form.get("To", "")):
                self._reply(
                    400, {"code": 21211, "message": f"Invalid 'To' Phone Number: {form.get('To')}"}
                )
            elif not (form.get("From") or form.get("MessagingServiceSid")) or not form.get("Body"):
                self._reply(400, {"code": 21602, "message": "Message body and sender are required"})
            else:
                message = _message(form)
                with fake.lock:
                    fake.messages.append(message)
                self._reply(201, message)

        def log_message(self, *args: Any) -> None:  # quiet
            return

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client that vanished (a worker killed with -9) is not the server's error."""
            return

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
