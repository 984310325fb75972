"""A real local HTTP server that keeps every POST it receives (webhooks in tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What the receiver was sent, and the status it answers with next."""

    posts: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # the bodies as sent, for signatures
    answer: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Any]:
        """The JSON bodies received so far."""
        with self.lock:
            return [body for _, body in self.posts]


@contextmanager
def http_receiver() -> Iterator[tuple[str, Received]]:
    """Serve on a free port of 127.0.0.1; yields (url, received)."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            status = received.answer
            if status < 300:  # a refused delivery is not a delivery
                with received.lock:
                    received.posts.append((dict(self.headers.items()), json.loads(raw or b"null")))
                    received.raw.append(raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/alerts", received
    finally:
        server.shutdown()
        server.server_close()
