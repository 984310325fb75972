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
from webapp.i18n import gettext as _

_MAX_SHARE_DECIMALS = 6


def title() -> str:
    """The report's title, in the file's language."""
    return _("Sales report")


def grain_title(grain: str) -> str:
    """The first column of sales over time: 'Date', 'Week' or 'Month'."""
    return {"day": _("Date"), "week": _("Week"), "month": _("Month")}[grain]


def sections(grain: str) -> tuple[str, ...]:
    """The report's section headings; the second names the grain: 'Revenue by week'."""
    return (_("Totals"), revenue_by(grain), _("By product"), _("By region and sales channel"),
            _("Top customers"))  # fmt: skip


def revenue_by(grain: str) -> str:
    """'Revenue by day', 'Revenue by week' or 'Revenue by month'."""
    titles = {"day": _("Revenue by day"), "week": _("Revenue by week"),
              "month": _("Revenue by month")}  # fmt: skip
    return titles[grain]


def revenue_note() -> str:
    """What the revenue figures count and leave out, in one sentence."""
    return _(
        "Revenue is the order subtotal before tax of paid, shipped and delivered orders; "
        "cancelled and refunded orders are not counted in any figure and are shown apart."
    )


def excluded_note(status: str) -> str:
    """Why orders with this status are left out."""
    if status == "cancelled":
        return _("Cancelled orders never took money: left out of every figure.")
    if status == "refunded":
        return _("Refunded orders gave the money back: left out of every figure.")
    return _("%(status)s orders are left out of every figure.", status=status.capitalize())


def excluded_labels(status: str) -> tuple[str, str]:
    """The totals' two rows for a status left out: its orders, and their value before tax."""
    if status == "cancelled":
        return _("Cancelled orders (not counted)"), _("Cancelled value before tax")
    if status == "refunded":
        return _("Refunded orders (not counted)"), _("Refunded value before tax")
    name = status.capitalize()
    return (_("%(status)s orders (not counted)", status=name),
            _("%(status)s value before tax", status=name))  # fmt: skip


def channel_label(channel: str) -> str:
    """A sales channel as the file writes it: 'Web', 'Store' ... (Arabic in Arabic files)."""
    words = {"web": _("Web"), "store": _("Store"), "phone": _("Phone"),
             "marketplace": _("Marketplace")}  # fmt: skip
    return words.get(channel, channel.capitalize())


def region_label(region: str) -> str:
    """One of the fixed regions in the file's language; any other region as it is stored."""
    words = {"North": _("North"), "South": _("South"), "East": _("East"), "West": _("West"),
             "Central": _("Central")}  # fmt: skip
    return words.get(region, region)


def period_text(date_from: date, date_to: date) -> str:
    """The period, both ends included, with its length: '1 Mar 2025 to 31 Mar 2025 (31 days)'."""
    days = (date_to - date_from).days + 1
    return _(
        "%(start)s to %(end)s (%(days)s)",
        start=short_date(date_from),
        end=short_date(date_to),
        days=days_words(days),
    )


def moment_text(moment: datetime) -> str:
    """A UTC time as the job pages write it: '23 Nov 2026, 14:05 UTC'."""
    return _("%(date)s, %(time)s UTC", date=short_date(moment.date()), time=f"{moment:%H:%M}")


def currency_label(currencies: Sequence[str]) -> str:
    """The currency amounts are in: 'USD', or 'EUR + USD' when the period mixes several."""
    return " + ".join(currencies)


def amounts_note(currencies: Sequence[str]) -> str:
    """One sentence on the currency of every amount in the report."""
    if len(currencies) == 1:
        return _("Amounts in %(currency)s.", currency=currencies[0])
    if not currencies:
        return _("No amounts.")
    return _(
        "Amounts mix %(currencies)s: they are added as they are, not converted.",
        currencies=", ".join(currencies),
    )


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
