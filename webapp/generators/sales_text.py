"""The sales report's wording and number formats, shared by the PDF, Excel and CSV versions."""

from __future__ import annotations

import unicodedata
from datetime import date

from webapp.generators.sales_data import EXCLUDED_STATUSES, REVENUE_STATUSES

TITLE = "Sales report"
SECTIONS = (
    "Totals",
    "Revenue by day",
    "By product",
    "By region and sales channel",
    "Top customers",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_EXCLUDED_WHY = {
    "cancelled": "Cancelled orders never took money: left out of every figure.",
    "refunded": "Refunded orders gave the money back: left out of every figure.",
}


def revenue_note() -> str:
    """What the revenue figures count and leave out, in one sentence."""
    counted = ", ".join(REVENUE_STATUSES[:-1]) + f" and {REVENUE_STATUSES[-1]}"
    left_out = " and ".join(EXCLUDED_STATUSES)
    return (
        f"Revenue is the order subtotal before tax of {counted} orders; "
        f"{left_out} orders are not counted in any figure and are shown apart."
    )


def excluded_note(status: str) -> str:
    """Why orders with this status are left out."""
    return _EXCLUDED_WHY.get(status, f"{status.capitalize()} orders are left out of every figure.")


def long_date(value: date) -> str:
    """A date in words: 1 January 2025."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"  # not locale-dependent


def period_text(date_from: date, date_to: date) -> str:
    """The period in words, both ends included, with its length in days."""
    days = (date_to - date_from).days + 1
    unit = "day" if days == 1 else "days"
    return f"{long_date(date_from)} to {long_date(date_to)} ({days:,} {unit})"


def money(cents: int) -> str:
    """Cents as currency units for reading: 123456 -> '1,234.56'."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}.{rest:02d}"


def count(value: int) -> str:
    """A whole number with thousands separators."""
    return f"{value:,}"


def percent(part: int, whole: int) -> str:
    """`part` as a share of `whole`, one decimal: '12.5%'."""
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def clip(text: str, limit: int) -> str:
    """Printable one-line text (controls become spaces), cut to `limit` with an ellipsis."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
