"""The sales report's wording and number formats, shared by the PDF, Excel and CSV versions.

Dates read as the rest of the app writes them ('1 Mar 2025', '23 Nov 2026, 14:05 UTC'), whatever
the process's locale.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from webapp.generators.dates import days_words, short_date
from webapp.generators.sales_data import EXCLUDED_STATUSES, REVENUE_STATUSES

TITLE = "Sales report"
GRAIN_TITLES = {"day": "Date", "week": "Week", "month": "Month"}
_EXCLUDED_WHY = {
    "cancelled": "Cancelled orders never took money: left out of every figure.",
    "refunded": "Refunded orders gave the money back: left out of every figure.",
}
_MAX_SHARE_DECIMALS = 6


def sections(grain: str) -> tuple[str, ...]:
    """The report's section headings; the second names the grain: 'Revenue by week'."""
    return ("Totals", f"Revenue by {grain}", "By product", "By region and sales channel",
            "Top customers")  # fmt: skip


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


def period_text(date_from: date, date_to: date) -> str:
    """The period, both ends included, with its length: '1 Mar 2025 to 31 Mar 2025 (31 days)'."""
    days = (date_to - date_from).days + 1
    return f"{short_date(date_from)} to {short_date(date_to)} ({days_words(days)})"


def moment_text(moment: datetime) -> str:
    """A UTC time as the job pages write it: '23 Nov 2026, 14:05 UTC'."""
    return f"{short_date(moment.date())}, {moment:%H:%M} UTC"


def currency_label(currencies: Sequence[str]) -> str:
    """The currency amounts are in: 'USD', or 'EUR + USD' when the period mixes several."""
    return " + ".join(currencies)


def amounts_note(currencies: Sequence[str]) -> str:
    """One sentence on the currency of every amount in the report."""
    if len(currencies) == 1:
        return f"Amounts in {currencies[0]}."
    if not currencies:
        return "No amounts."
    return f"Amounts mix {', '.join(currencies)}: they are added as they are, not converted."


def with_currency(header: str, currencies: Sequence[str]) -> str:
    """A money column's header with its currency: 'Revenue (USD)'."""
    label = currency_label(currencies)
    return f"{header} ({label})" if label else header


def money(cents: int) -> str:
    """Cents as currency units for reading: 123456 -> '1,234.56'."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}.{rest:02d}"


def count(value: int) -> str:
    """A whole number with thousands separators."""
    return f"{value:,}"


def share_decimals(percent_value: float) -> int:
    """Decimals that show a percentage with two significant digits, one at least: 0.046 -> 3."""
    if percent_value <= 0:
        return 1
    return min(_MAX_SHARE_DECIMALS, max(1, 1 - math.floor(math.log10(percent_value))))


def share_column(parts: Sequence[int], whole: int) -> list[str]:
    """Shares of `whole` for one table column, all with the decimals its smallest one needs.

    One decimal would print every top customer of a long period as '0.1%'; the column instead
    shows two significant digits of its smallest non-zero share, aligned: '0.140%' ... '0.090%'.
    """
    values = [100 * part / whole if whole else 0.0 for part in parts]
    decimals = share_decimals(min((v for v in values if v > 0), default=0.0))
    return [f"{value:.{decimals}f}%" for value in values]


def clip(text: str, limit: int) -> str:
    """Printable one-line text (controls become spaces), cut to `limit` with an ellipsis."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
