"""The query-string helpers: exact parsing, one BadQuery error naming the parameter."""

from __future__ import annotations

import pytest

from webapp.query import BadQuery, choice_arg, int_arg, parse_int, text_arg


@pytest.mark.parametrize("text", ["²", "²³", "٣", "①", "1_000", " 7", "7 ", "+7", "-7", "0x1f", ""])
def test_parse_int_takes_ascii_digits_only(text: str) -> None:
    """Superscripts, other scripts' digits, signs, spaces and underscores are all refused."""
    with pytest.raises(ValueError, match="must be a whole number from 0 to 99"):
        parse_int(text, minimum=0, maximum=99)


def test_parse_int_bounds() -> None:
    """Within the bounds it parses; outside, it is refused, however many digits are sent."""
    assert parse_int("0", minimum=0, maximum=99) == 0
    assert parse_int("99", minimum=0, maximum=99) == 99
    for text in ("100", "099", "9" * 5000):
        with pytest.raises(ValueError):
            parse_int(text, minimum=0, maximum=99)


def test_int_arg() -> None:
    """Absent or empty is None; a bad value is a BadQuery naming the parameter."""
    assert int_arg({}, "owner") is None
    assert int_arg({"owner": ""}, "owner") is None
    assert int_arg({"owner": "42"}, "owner") == 42
    with pytest.raises(BadQuery, match=r"^The \?owner= parameter must be a whole number") as info:
        int_arg({"owner": "²"}, "owner", minimum=1)
    assert info.value.name == "owner"
    with pytest.raises(BadQuery):
        int_arg({"owner": str(2**31)}, "owner")


def test_choice_arg() -> None:
    """One of the choices, "" when absent; anything else lists what is allowed."""
    assert choice_arg({"status": "failed"}, "status", ["failed", "completed"]) == "failed"
    assert choice_arg({}, "status", ["failed"]) == ""
    with pytest.raises(BadQuery, match=r"\?status= parameter must be one of: completed, failed"):
        choice_arg({"status": "Failed"}, "status", ["failed", "completed"])


def test_text_arg_is_bounded() -> None:
    """Text comes back as sent, up to its maximum length."""
    assert text_arg({"next": "/jobs"}, "next") == "/jobs"
    assert text_arg({}, "next") == ""
    with pytest.raises(BadQuery, match="too long"):
        text_arg({"next": "x" * 201}, "next")
