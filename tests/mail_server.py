"""A real SMTP server for tests (aiosmtpd), plain, implicit TLS or STARTTLS."""

from __future__ import annotations

import email
import socket
from email.message import Message
from typing import Any


class Inbox:
    """An aiosmtpd handler that keeps every message it receives, and whether TLS carried it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message."""
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        implicit = server.transport.get_extra_info("ssl_object") is not None
        self.encrypted.append(implicit or session.ssl is not None)
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port nobody listens on right now (aiosmtpd refuses port=0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
