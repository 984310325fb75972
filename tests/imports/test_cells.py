"""The email check's fast path gives email-validator's own answer, address by address."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.importers.cells import CellProblem, email

PIECES = st.sampled_from([*"abcXYZ09.-_+!#'@é", "..", "localhost", "example.com", "test",
                          "a.invalid", "xn--", "gmail.com"])  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_fast_email_check_agrees_with_email_validator(text):
    """Accepted and normalized, or refused, exactly as validate_email decides."""
    try:
        want = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        want = None
    try:
        got = email(text)
    except CellProblem:
        got = None
    assert got == (want if want is None or len(want) <= 254 else None)
