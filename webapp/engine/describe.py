"""A job's type and parameters in plain words, for pages, emails and the CLI alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from webapp.engine import registry
from webapp.engine.errors import UnknownJobType

FORMATS = {"pdf": "PDF", "excel": "Excel", "csv": "CSV", "xlsx": "Excel (.xlsx)"}
MODES = {"check": "Check only", "apply": "Check and apply"}
KINDS = {"customers": "Customers", "products": "Products", "prices": "Price updates"}
PARAM_LABELS = {
    "date_from": "From",
    "date_to": "To",
    "format": "Format",
    "status": "Order status",
    "region": "Region",
    "duration": "Duration",
    "steps": "Steps",
    "kind": "What",
    "mode": "Mode",
    "file_name": "File",
    "size_bytes": "Size",
    "subject": "Subject",
    "body": "Message",
    "audience": "Audience",
    "channels": "Channels",
    "recipients": "Recipients (when sent)",
    "date": "Day",
    "orders": "Orders",
}
AUDIENCES = {"all": "All customers", "region": "A region", "ordered": "Ordered in a period"}
CHANNELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp"}


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
    if name == "mode":
        return MODES.get(str(value), str(value))
    if name == "kind":
        return KINDS.get(str(value), str(value))
    if name in ("date", "date_from", "date_to"):
        return plain_date(value)
    if name == "audience":
        return AUDIENCES.get(str(value), str(value))
    if name == "channels" and isinstance(value, list):
        return ", ".join(CHANNELS.get(str(c), str(c)) for c in value)
    if name == "orders" and isinstance(value, list):
        shown = ", ".join(str(n) for n in value[:5])
        return shown + (f" and {len(value) - 5:,} more" if len(value) > 5 else "")
    if name == "recipients":
        return f"{int(value):,}"
    if name == "size_bytes":
        from webapp.templating import file_size

        return file_size(int(value))
    return str(value)


def describe_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(label, value)] for every parameter, in the order they were given."""
    return [
        (PARAM_LABELS.get(name, name.replace("_", " ").capitalize()), plain_value(name, value))
        for name, value in params.items()
    ]


def summary(params: Mapping[str, Any]) -> str:
    """One line: '1 Mar 2025 to 31 Mar 2025 · PDF', with any status or region filter."""
    parts = [str(params["subject"])] if params.get("subject") else []
    if params.get("date"):
        parts.append(plain_date(params["date"]))
    if isinstance(params.get("orders"), list):
        parts.append(f"{len(params['orders']):,} order{'' if len(params['orders']) == 1 else 's'}")
    if "date_from" in params and "date_to" in params:
        parts.append(f"{plain_date(params['date_from'])} to {plain_date(params['date_to'])}")
    parts += [str(params[name]).capitalize() for name in ("status", "region") if params.get(name)]
    parts += [plain_value(name, params[name]) for name in ("kind", "file_name", "mode")
              if params.get(name)]  # fmt: skip
    if "format" in params and "file_name" not in params:  # a file's name says its format
        parts.append(plain_value("format", params["format"]))
    return " · ".join(parts)
