"""The development outbox folder: every email (.eml), SMS (.sms) and WhatsApp (.whatsapp)
message written there instead of being sent, listed newest first and read back."""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

KINDS = {"eml": "email", "sms": "sms", "whatsapp": "whatsapp"}
NAME = re.compile(r"^[0-9]{8}-[0-9]{6}(?:-[0-9]{6})?-[0-9a-f]{8}\.(eml|sms|whatsapp)$")


@dataclass(frozen=True)
class Entry:
    """One message in the folder: its file, channel, recipient, subject (or first words)."""

    name: str
    channel: str
    to: str
    subject: str
    size: int


@dataclass(frozen=True)
class Message:
    """A message read back: headers, plain text, and the HTML part of an email."""

    entry: Entry
    headers: list[tuple[str, str]]
    text: str
    html: str | None


def folder() -> Path:
    """MAIL_OUTBOX_DIR."""
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def names() -> list[str]:
    """Every message file's name, newest first (names start with the time written)."""
    try:
        found = [e.name for e in os.scandir(folder()) if NAME.match(e.name)]
    except FileNotFoundError:
        return []
    return sorted(found, reverse=True)


def path_of(name: str) -> Path | None:
    """The file for `name` when it is one of ours (no path tricks), else None."""
    if not NAME.match(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)  # type: ignore[return-value]


def entry(name: str) -> Entry | None:
    """The list line of one file."""
    path = path_of(name)
    if path is None:
        return None
    channel = KINDS[name.rsplit(".", 1)[1]]
    parsed = _parse(path)
    subject = str(parsed["Subject"] or "")
    if channel != "email":
        content = parsed.get_content() if not parsed.is_multipart() else ""
        subject = " ".join(str(content).split())[:80]
    return Entry(name, channel, str(parsed["To"] or ""), subject, path.stat().st_size)


def read(name: str) -> Message | None:
    """One message with its parts."""
    found = entry(name)
    path = path_of(name)
    if found is None or path is None:
        return None
    parsed = _parse(path)
    headers = [(k, str(v)) for k, v in parsed.items()]
    if found.channel != "email":
        return Message(found, headers, str(parsed.get_content()), None)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    text = str(text_part.get_content()) if text_part is not None else ""
    html = str(html_part.get_content()) if html_part is not None else None
    return Message(found, headers, text, html)
