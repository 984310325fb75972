"""A real local SMTP server (aiosmtpd) that counts what it receives per Message-ID."""

from __future__ import annotations

import email
import socket
import threading
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller


class Counting:
    """aiosmtpd handler: how many times each Message-ID arrived."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Count the message by its Message-ID."""
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received[str(message.get("Message-ID", "")).strip()] += 1
        return "250 Message accepted"

    def snapshot(self) -> Counter[str]:
        """A copy of the counts so far."""
        with self.lock:
            return Counter(self.received)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """Start a counting SMTP server on 127.0.0.1; `settings` point the app's mail at it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.counting = Counting()
        self.controller = Controller(self.counting, hostname=host, port=free_port(host))

    def start(self) -> Mailbox:
        """Listen."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()

    def settings(self) -> dict[str, str]:
        """The environment that sends the app's mail here, in plain SMTP."""
        return {"MAIL_SERVER": self.controller.hostname, "MAIL_PORT": str(self.controller.port),
                "MAIL_USE_TLS": "false", "MAIL_USE_SSL": "false"}  # fmt: skip
