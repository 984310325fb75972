"""A job's type and parameters in plain words, for pages, emails and the CLI alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal

from webapp.engine import registry
from webapp.engine.errors import UnknownJobType
from webapp.i18n import N_, localise_digits, ngettext, pgettext
from webapp.i18n import gettext as _

# Everything below is marked in English and said in the reader's language (the `jobs`
# catalog); outside a request (workers, the CLI) gettext gives the English back.
FORMATS = {"pdf": "PDF", "excel": "Excel", "csv": "CSV", "xlsx": N_("Excel (.xlsx)")}
MODES = {"check": N_("Check only"), "apply": N_("Check and apply")}
KINDS = {"customers": N_("Customers"), "products": N_("Products"), "prices": N_("Price updates")}
PARAM_LABELS = {
    "date_from": N_("From"),
    "date_to": N_("To"),
    "format": N_("Format"),
    "status": N_("Order status"),
    "region": N_("Region"),
    "duration": N_("Duration"),
    "steps": N_("Steps"),
    "kind": N_("What"),
    "mode": N_("Mode"),
    "file_name": N_("File"),
    "size_bytes": N_("Size"),
    "subject": N_("Subject"),
    "body": N_("Message"),
    "audience": N_("Audience"),
    "channels": N_("Channels"),
    "recipients": N_("Recipients (when sent)"),
    "date": N_("Day"),
    "orders": N_("Orders"),
    "language": N_("Language"),
    "action": N_("Action"),  # an admin's bulk retry or discard (ops_bulk)
    "filter": N_("Filter"),
    "requested_from": N_("Requested from"),
}
BULK_ACTIONS = {"retry": N_("Retry"), "discard": N_("Discard")}
LANGUAGES = {"en": N_("English"), "ar": N_("Arabic")}  # a file's language (reports, exports)
AUDIENCES = {"all": N_("All customers"), "region": N_("A region"),
             "ordered": N_("Ordered in a period")}  # fmt: skip
CHANNELS = {"email": N_("Email"), "sms": "SMS", "whatsapp": "WhatsApp"}
# The job types' labels (webapp/engine/catalog.py registers them in English).
TYPE_LABELS = (N_("Ping"), N_("Sales report"), N_("Orders export"), N_("Bulk retry or discard"),
               N_("Bulk import"), N_("Order confirmations"), N_("Announcement"))  # fmt: skip
# An order's status and region, as a report's parameters name them (webapp/models/sales.py).
ORDER_STATUSES = {"paid": N_("Paid"), "shipped": N_("Shipped"), "delivered": N_("Delivered"),
                  "refunded": N_("Refunded")}  # fmt: skip
REGIONS = {"north": N_("North"), "south": N_("South"), "east": N_("East"), "west": N_("West"),
           "central": N_("Central")}  # fmt: skip


def type_label(job_type: str) -> str:
    """'Sales report' for sales_report (in the reader's language)."""
    try:
        return _(registry.get(job_type).label)
    except UnknownJobType:
        return job_type.replace("_", " ").capitalize()


def plain_date(text: Any) -> str:
    """'2025-03-01' -> '1 Mar 2025' (other text unchanged), in the reader's language."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return localise_digits(format_date(day, "d MMM y"))


def _choice(name: str, value: Any) -> str:
    """An order status or region in words: 'Paid', 'North'."""
    key = str(value).lower()
    if name == "status" and key == "cancelled":
        return pgettext("order status", "Cancelled")
    words = (ORDER_STATUSES if name == "status" else REGIONS).get(key)
    return _(words) if words else str(value).capitalize()


def plain_value(name: str, value: Any) -> str:
    """One parameter's value as a person would say it."""
    if name.startswith("date_"):
        return plain_date(value)
    if name == "format":
        return _(FORMATS[str(value)]) if str(value) in FORMATS else str(value)
    if name in ("status", "region"):
        return _choice(name, value) if value else _("Any")
    if name == "duration":
        return _("%(seconds)s seconds", seconds=f"{float(value):g}")
    if name == "mode":
        return _(MODES[str(value)]) if str(value) in MODES else str(value)
    if name == "kind":
        return _(KINDS[str(value)]) if str(value) in KINDS else str(value)
    if name in ("date", "date_from", "date_to"):
        return plain_date(value)
    if name == "language":
        return _(LANGUAGES[str(value)]) if str(value) in LANGUAGES else str(value)
    if name == "action":
        return _(BULK_ACTIONS[str(value)]) if str(value) in BULK_ACTIONS else str(value)
    if name == "audience":
        return _(AUDIENCES[str(value)]) if str(value) in AUDIENCES else str(value)
    if name == "channels" and isinstance(value, list):
        return _(", ").join(_(CHANNELS[str(c)]) if c in CHANNELS else str(c) for c in value)
    if name == "orders" and isinstance(value, list):
        shown = _(", ").join(str(n) for n in value[:5])
        if len(value) <= 5:
            return shown
        more = format_decimal(len(value) - 5)
        return _("%(orders)s and %(count)s more", orders=shown, count=more)
    if name == "recipients":
        return format_decimal(int(value))
    if name == "size_bytes":
        from webapp.templating import file_size

        return file_size(int(value))
    return str(value)


def describe_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(label, value)] for every parameter, in the order they were given."""
    return [
        (_(PARAM_LABELS[name]) if name in PARAM_LABELS else name.replace("_", " ").capitalize(),
         plain_value(name, value))
        for name, value in params.items()
    ]  # fmt: skip


def summary(params: Mapping[str, Any]) -> str:
    """One line: '1 Mar 2025 to 31 Mar 2025 · PDF', with any status or region filter."""
    parts = [str(params["subject"])] if params.get("subject") else []
    if params.get("date"):
        parts.append(plain_date(params["date"]))
    if isinstance(params.get("orders"), list):
        count = len(params["orders"])
        parts.append(ngettext("%(num)s order", "%(num)s orders", count, num=format_decimal(count)))
    if "date_from" in params and "date_to" in params:
        parts.append(_("%(start)s to %(end)s", start=plain_date(params["date_from"]),
                       end=plain_date(params["date_to"])))  # fmt: skip
    parts += [_choice(name, params[name]) for name in ("status", "region") if params.get(name)]
    parts += [plain_value(name, params[name]) for name in ("kind", "file_name", "mode")
              if params.get(name)]  # fmt: skip
    if "format" in params and "file_name" not in params:  # a file's name says its format
        parts.append(plain_value("format", params["format"]))
    return " · ".join(parts)
