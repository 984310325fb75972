"""Validate and normalise the parameters of the sales_report and orders_export job types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from webapp.generators.contract import ParamError
from webapp.generators.dates import span_limit
from webapp.models.sales import ORDER_STATUSES, REGIONS

SALES_REPORT_FORMATS = ("pdf", "excel", "csv")
ORDERS_EXPORT_FORMATS = ("excel", "csv")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(raw: Mapping[str, Any], field: str, label: str) -> date:
    """Read one date given as a date object or YYYY-MM-DD text."""
    value = raw.get(field)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if value is None or text == "":
        article = "an" if label[0] in "aeiou" else "a"
        raise ParamError(field, f"Enter {article} {label}.")
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ParamError(field, f"The {label} must be a real date written as YYYY-MM-DD.")


def _date_range(raw: Mapping[str, Any], max_span_days: int) -> tuple[date, date]:
    """Read date_from and date_to: both present, in order, and at most max_span_days long."""
    date_from = _date(raw, "date_from", "start date")
    date_to = _date(raw, "date_to", "end date")
    if date_to < date_from:
        raise ParamError("date_to", "The end date can't be before the start date.")
    days = (date_to - date_from).days + 1
    if days > max_span_days:
        limit = span_limit(max_span_days)
        raise ParamError(
            "date_to", f"The period can be at most {limit}; this one is {days:,} days."
        )
    return date_from, date_to


def _choice(
    raw: Mapping[str, Any], field: str, label: str, choices: tuple[str, ...], *, blank_ok: bool
) -> str:
    """Read a value that must be one of `choices` (or empty when blank_ok: 'all')."""
    value = raw.get(field)
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if text == "" and blank_ok:
        return ""
    if text == "":
        raise ParamError(field, f"Choose a {label.lower()}.")
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    allowed = ", ".join(choices)
    tail = ", or leave it empty for all" if blank_ok else ""
    raise ParamError(field, f"{label} must be one of {allowed}{tail}.")


def validate_sales_report_params(raw: Mapping[str, Any], max_span_days: int) -> dict[str, str]:
    """Check a sales report request; return the normalised dict or raise ParamError."""
    date_from, date_to = _date_range(raw, max_span_days)
    fmt = _choice(raw, "format", "Format", SALES_REPORT_FORMATS, blank_ok=False)
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "format": fmt}


def validate_orders_export_params(raw: Mapping[str, Any], max_span_days: int) -> dict[str, str]:
    """Check an orders export request; return the normalised dict or raise ParamError."""
    date_from, date_to = _date_range(raw, max_span_days)
    status = _choice(raw, "status", "Status", ORDER_STATUSES, blank_ok=True)
    region = _choice(raw, "region", "Region", REGIONS, blank_ok=True)
    fmt = _choice(raw, "format", "Format", ORDERS_EXPORT_FORMATS, blank_ok=False)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "status": status,
        "region": region,
        "format": fmt,
    }


def period(params: Mapping[str, Any]) -> tuple[date, date]:
    """The (date_from, date_to) of already validated params."""
    return date.fromisoformat(params["date_from"]), date.fromisoformat(params["date_to"])


def days_in_period(params: Mapping[str, Any]) -> int:
    """How many days the period covers, both ends included (at least 1)."""
    date_from, date_to = period(params)
    return max(1, (date_to - date_from).days + 1)
