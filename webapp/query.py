"""Strict parsing of query-string parameters: bad input is one BadQuery error (a 400), never a 500.

Every `request.args` value goes through these helpers. An absent or empty parameter is the
default; anything else must parse exactly or the request is refused with a message naming the
parameter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import TypeVar

T = TypeVar("T")

MAX_LENGTH = 200  # no query parameter of this app needs more (lists set their own bound)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadQuery(ValueError):
    """A query parameter could not be used; `name` is the parameter, `message` says why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"The ?{name}= parameter {message}")
        self.name = name
        self.message = message


def parse_int(text: str, *, minimum: int, maximum: int) -> int:
    """ASCII digits only, within [minimum, maximum]; ValueError otherwise (unlike int())."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        raise ValueError(f"must be a whole number from {minimum} to {maximum}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"must be a whole number from {minimum} to {maximum}")
    return value


def parsed_arg(
    args: Mapping[str, str],
    name: str,
    parse: Callable[[str], T],
    *,
    max_length: int = MAX_LENGTH,
) -> T | None:
    """?name= read by `parse` (which raises ValueError saying what is wrong); None when absent."""
    text = args.get(name, "")
    if text == "":
        return None
    if len(text) > max_length:
        raise BadQuery(name, f"is too long (at most {max_length} characters)")
    try:
        return parse(text)
    except ValueError as exc:
        raise BadQuery(name, str(exc)) from exc


def int_arg(
    args: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = 2**31 - 1
) -> int | None:
    """?name= as a whole number in [minimum, maximum], or None when absent."""
    return parsed_arg(args, name, lambda text: parse_int(text, minimum=minimum, maximum=maximum))


def choice_arg(args: Mapping[str, str], name: str, choices: Collection[str]) -> str:
    """?name= as one of `choices`, or "" when absent."""

    def pick(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of: {', '.join(sorted(choices))}")
        return text

    return parsed_arg(args, name, pick) or ""


def text_arg(args: Mapping[str, str], name: str, *, max_length: int = MAX_LENGTH) -> str:
    """?name= as text of at most `max_length` characters, or "" when absent (caller checks it)."""
    return parsed_arg(args, name, str, max_length=max_length) or ""


def parse_day(text: str) -> date:
    """A calendar day written YYYY-MM-DD (ASCII digits); ValueError otherwise."""
    if not DAY.fullmatch(text):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a real date written YYYY-MM-DD") from None


def date_arg(args: Mapping[str, str], name: str) -> date | None:
    """?name= as a date (YYYY-MM-DD), or None when absent."""
    return parsed_arg(args, name, parse_day, max_length=10)


def search_arg(args: Mapping[str, str], name: str, *, max_length: int = MAX_LENGTH) -> str:
    """?name= as search text: spaces collapsed, format marks dropped, "" when absent."""

    def clean(text: str) -> str:
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
            raise ValueError("must not contain control characters")
        # Direction marks and other invisible format characters are dropped, not refused.
        return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())

    return parsed_arg(args, name, clean, max_length=max_length) or ""


def list_arg(
    args: Mapping[str, str],
    name: str,
    parse_item: Callable[[str], T],
    *,
    max_items: int,
    max_length: int,
) -> list[T]:
    """?name=a,b,c with each item read by `parse_item`; [] when absent, at most `max_items`."""

    def parse(text: str) -> list[T]:
        items = text.split(",")
        if len(items) > max_items:
            raise ValueError(f"may list at most {max_items} items")
        return [parse_item(item) for item in items]

    return parsed_arg(args, name, parse, max_length=max_length) or []
