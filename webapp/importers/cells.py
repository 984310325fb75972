"""One cell of an uploaded row, checked and cleaned: text, emails, phones, dates, money, choices.

Each parser takes the cell as the reader gave it (text from a CSV; text, a number, a date or
None from a workbook) and returns the clean value, or raises CellProblem naming the problem in
words a person can act on. A cell that looks like a formula is text like any other: it is kept
as typed, never evaluated (and a number or date column refuses it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from webapp.i18n import N_
from webapp.i18n import gettext as _
from webapp.importers.phones import known_e164

Parser = Callable[[Any], Any]
FORMULA_PREFIXES = ("=", "+", "-", "@")


class CellProblem(ValueError):
    """The cell cannot be used: a whole sentence about the cell's column, with %(column)s.

    The sentence is a msgid (marked N_ where raised); `words(column)` says it in the language
    being written (the job's, inside force_locale), naming the column as the file does.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % {"column": "the cell", **values})
        self.message = message
        self.values = values

    def words(self, column: str) -> str:
        """The problem in the current language, about `column` ('email is not a date...')."""
        return _(self.message, column=column, **self.values)


def as_text(value: Any) -> str:
    """What the cell says, as text (a whole number from a workbook without '.0')."""
    if value.__class__ is str:  # every CSV cell
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def text(max_length: int) -> Parser:
    """Any text up to `max_length` characters, spaces at the ends removed."""

    def parse(value: Any) -> str:
        words = " ".join(as_text(value).split())
        if len(words) > max_length:
            raise CellProblem(N_("%(column)s is %(length)s characters long; at most %(most)s fit"),
                              length=len(words), most=max_length)  # fmt: skip
        return words

    return parse


# A plain ASCII local part (RFC 5322 dot-atom): email-validator accepts every one of these.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str:
    """A domain checked once per file (most rows share a few): its normalized form."""
    return validate_email(f"x@{domain}", check_deliverability=False).domain


def email(value: Any) -> str:
    """An email address, checked for its form (not its mailbox) by email-validator, lower-cased.

    A plain ASCII local part is checked by a pattern and the domain once per file, which gives
    the same answer as checking the whole address, many times faster.
    """
    words = as_text(value)
    local, at, domain = words.rpartition("@")
    try:
        if at and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local):
            normalized = f"{local}@{_domain(domain)}".lower()
        else:
            normalized = validate_email(words, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise CellProblem(N_("%(column)s is not an email address (%(reason)s)"),
                          reason=str(exc).rstrip(".")) from None  # fmt: skip
    if len(normalized) > 254:
        raise CellProblem(
            N_("%(column)s is longer than the 254 characters an email address may have")
        )
    return normalized


def phone(region: str) -> Parser:
    """A phone number in E.164 (+966501234567); numbers without +code are in `region`.

    One already written +digits is checked by `known_e164` (the same answers, without parsing
    it again); any other is parsed, validated and formatted by phonenumbers.
    """
    invalid = N_("%(column)s is not a valid phone number (numbers without a +country code are "
                 "read as %(region)s)")  # fmt: skip

    def parse(value: Any) -> str:
        words = as_text(value)
        if words.startswith("00"):
            words = "+" + words[2:]
        valid = known_e164(words)
        if valid is not None:
            if not valid:
                raise CellProblem(invalid, region=region)
            return words
        try:
            number = phonenumbers.parse(words, region)
        except phonenumbers.NumberParseException:
            raise CellProblem(N_("%(column)s is not a phone number")) from None
        if not phonenumbers.is_valid_number(number):
            raise CellProblem(invalid, region=region)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    return parse


NOT_A_DATE = N_("%(column)s is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31")
NOT_AN_AMOUNT = N_("%(column)s is not an amount: write it like 12.50")
_DAYS: dict[str, datetime] = {}  # text already read as a date: still one tomorrow
DAYS_KEPT = 4096


def day(value: Any) -> datetime:
    """A date: a workbook date, or text written YYYY-MM-DD; midnight UTC that day.

    A text's answer is kept (a few thousand): a date between 1900 and today stays so.
    """
    if isinstance(value, str) and (known := _DAYS.get(value)) is not None:
        return known
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        words = as_text(value)
        try:
            found = date.fromisoformat(words)
        except ValueError:
            raise CellProblem(NOT_A_DATE) from None
        if len(words) != 10:
            raise CellProblem(NOT_A_DATE)
    if found.year < 1900 or found > datetime.now(UTC).date():
        raise CellProblem(N_("%(column)s is not a date between 1900 and today"))
    result = datetime.combine(found, time(0), UTC)
    if isinstance(value, str) and len(_DAYS) < DAYS_KEPT:
        _DAYS[value] = result
    return result


def money(value: Any) -> int:
    """An amount with at most two decimals, 0 or more, as whole cents (12.5 -> 1250)."""
    if isinstance(value, bool):
        raise CellProblem(N_("%(column)s is not an amount"))
    if isinstance(value, int | float):
        words = repr(value) if isinstance(value, float) else str(value)
    else:
        words = as_text(value).replace(",", "")
    if words.startswith(FORMULA_PREFIXES[:1]):
        raise CellProblem(N_("%(column)s is a formula: type the amount itself"))
    try:
        amount = Decimal(words)
    except InvalidOperation:
        raise CellProblem(NOT_AN_AMOUNT) from None
    if not amount.is_finite():
        raise CellProblem(NOT_AN_AMOUNT)
    if amount < 0:
        raise CellProblem(N_("%(column)s is below zero"))
    if amount != amount.quantize(Decimal("0.01")):
        raise CellProblem(N_("%(column)s has more than two decimals"))
    if amount >= 10_000_000:
        raise CellProblem(N_("%(column)s is more than 9,999,999.99"))
    return int(amount * 100)


def choice(options: Sequence[str]) -> Parser:
    """One of `options`, in any letter case; returned as the option is written."""
    by_lower = {option.lower(): option for option in options}
    listed = ", ".join(options)

    def parse(value: Any) -> str:
        found = by_lower.get(as_text(value).lower())
        if found is None:
            raise CellProblem(N_("%(column)s is not one of %(options)s"), options=listed)
        return found

    return parse


def code(max_length: int) -> Parser:
    """A product code: letters, digits, '-', '_' and '.', no spaces, up to `max_length`."""

    def parse(value: Any) -> str:
        words = as_text(value)
        if len(words) > max_length:
            raise CellProblem(N_("%(column)s is %(length)s characters long; at most %(most)s fit"),
                              length=len(words), most=max_length)  # fmt: skip
        if not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in words):
            raise CellProblem(N_("%(column)s may hold only letters, digits, '-', '_' and '.'"))
        return words

    return parse
