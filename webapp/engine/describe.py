"""A job's type and parameters in plain words, for pages, emails and the CLI alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from webapp.engine import registry
from webapp.engine.errors import UnknownJobType

FORMATS = {"pdf": "PDF", "excel": "Excel", "csv": "CSV"}
PARAM_LABELS = {
    "date_from": "From",
    "date_to": "To",
    "format": "Format",
    "status": "Order status",
    "region": "Region",
    "duration": "Duration",
    "steps": "Steps",
}


def type_label(job_type: str) -> str:
    """'Sales report' for sales_report."""
    try:
        return registry.get(job_type).label
    except UnknownJobType:
        return job_type.replace("_", " ").capitalize()


def plain_date(text: Any) -> str:
    """'2025-03-01' -> '1 Mar 2025' (other text unchanged)."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return f"{day.day} {day:%b %Y}"


def plain_value(name: str, value: Any) -> str:
    """One parameter's value as a person would say it."""
    if name.startswith("date_"):
        return plain_date(value)
    if name == "format":
        return FORMATS.get(str(value), str(value))
    if name in ("status", "region"):
        return str(value).capitalize() if value else "Any"
    if name == "duration":
        return f"{float(value):g} seconds"
    return str(value)


def describe_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(label, value)] for every parameter, in the order they were given."""
    return [
        (PARAM_LABELS.get(name, name.replace("_", " ").capitalize()), plain_value(name, value))
        for name, value in params.items()
    ]


def summary(params: Mapping[str, Any]) -> str:
    """One line: '1 Mar 2025 to 31 Mar 2025 · PDF', with any status or region filter."""
    parts = []
    if "date_from" in params and "date_to" in params:
        parts.append(f"{plain_date(params['date_from'])} to {plain_date(params['date_to'])}")
    parts += [str(params[name]).capitalize() for name in ("status", "region") if params.get(name)]
    if "format" in params:
        parts.append(plain_value("format", params["format"]))
    return " · ".join(parts)
