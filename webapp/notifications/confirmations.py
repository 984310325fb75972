"""Order confirmations (seed 000's SendOrderConfirmation, for real): for the chosen orders, or
every order of a day, an email to the customer and, where they have a phone, an SMS.

Each confirmation's key is the order's ("order:<number>:<channel>"), so an order is confirmed
once whichever job, or how many, asks for it; a later job counts it as already sent.
Cancelled orders are left out. Customers who left a channel are skipped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_number
from sqlalchemy import Select, func, select

from webapp.engine.errors import ParamError
from webapp.engine.registry import JobContext
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE
from webapp.i18n import gettext as _
from webapp.models.sales import Customer, Order, OrderLine, Product
from webapp.notifications import optouts
from webapp.notifications.announcements import NO_PHONE, OPTED_OUT, fixed_words_language
from webapp.notifications.fanout import Batch, Draft, FanOut, batch_size
from webapp.notifications.outbox import FAILED, SKIPPED
from webapp.notifications.phones import BadNumber, to_e164

MAX_NUMBERS = 5000
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")


def validate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Either `date` (YYYY-MM-DD) or `orders` (order numbers), not both; count the orders."""
    day_text = str(raw.get("date") or "").strip()
    numbers = raw.get("orders") or []
    if isinstance(numbers, str):
        numbers = numbers.replace(",", " ").split()
    numbers = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if bool(day_text) == bool(numbers):
        raise ParamError("date", _("Give either a day or order numbers."))
    if numbers:
        if len(numbers) > MAX_NUMBERS:
            raise ParamError(
                "orders",
                _("At most %(max)s order numbers at a time.", max=format_number(MAX_NUMBERS)),
            )
        bad = next((n for n in numbers if not NUMBER.match(n)), None)
        if bad is not None:
            raise ParamError("orders", _("%(number)s is not an order number.", number=repr(bad)))
        params: dict[str, Any] = {"orders": numbers}
    else:
        try:
            params = {"date": date.fromisoformat(day_text).isoformat()}
        except ValueError:
            raise ParamError("date", _("Give the day as YYYY-MM-DD.")) from None
    found = count(params)
    if numbers and found < len(numbers):
        known = set(db.session.scalars(select(Order.number).where(Order.number.in_(numbers))))
        missing = [n for n in numbers if n not in known]
        if missing:
            raise ParamError("orders", _("No order %(numbers)s.", numbers=", ".join(missing[:5])))
    if found == 0:
        raise ParamError("date" if "date" in params else "orders", _("No orders to confirm."))
    return {**params, "recipients": found, **fixed_words_language(raw)}


def _orders(params: Mapping[str, Any]) -> Select[Any]:
    query = (
        select(Order, Customer.name, Customer.email, Customer.phone)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.status != "cancelled")
    )
    if "orders" in params:
        return query.where(Order.number.in_(list(params["orders"])))
    return query.where(Order.order_date == date.fromisoformat(str(params["date"])))


def count(params: Mapping[str, Any]) -> int:
    """The orders to confirm (cancelled ones are left out)."""
    subquery = _orders(params).with_only_columns(Order.id).subquery()
    return int(db.session.scalar(select(func.count()).select_from(subquery)) or 0)


def money(cents: int, currency: str) -> str:
    """2875, USD -> '28.75 USD'."""
    return f"{cents / 100:,.2f} {currency}"


def _lines(order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = db.session.execute(
        select(OrderLine.order_id, Product.name, OrderLine.quantity, OrderLine.line_total_cents)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id.in_(order_ids))
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()
    lines: dict[int, list[dict[str, Any]]] = {}
    for order_id, name, quantity, cents in rows:
        lines.setdefault(order_id, []).append({"name": name, "quantity": quantity, "cents": cents})
    return lines


def drafts_for(
    rows: list[Any], left: set[tuple[int, str]], language: str = DEFAULT_LANGUAGE
) -> list[Draft]:
    """An email and (with a phone) an SMS per order; opted-out channels as skipped.

    The subject and the SMS, words of Tamam's, are in `language` (the form's choice).
    """
    region = str(current_app.config.get("NOTIFY_PHONE_REGION", "SA"))
    lines = _lines([row.Order.id for row in rows])
    drafts = []
    for row in rows:
        order, customer_id = row.Order, row.Order.customer_id
        total = money(order.total_cents, order.currency)
        summary = {
            "number": order.number, "date": order.order_date.isoformat(), "total": total,
            "subtotal": money(order.subtotal_cents, order.currency),
            "tax": money(order.tax_cents, order.currency),
            "lines": [{"name": line["name"], "quantity": line["quantity"],
                       "total": money(line["cents"], order.currency)}
                      for line in lines.get(order.id, [])],
        }  # fmt: skip
        with force_locale(language):
            subject = _("Your order %(number)s is confirmed", number=order.number)
            text = _("Tamam: your order %(number)s of %(total)s is confirmed. Thank you!",
                     number=order.number, total=total)  # fmt: skip
        email = Draft(f"order:{order.number}:email", "email", row.email, subject,
                      customer_id=customer_id)  # fmt: skip
        if (customer_id, "email") in left:
            email.status, email.reason = SKIPPED, OPTED_OUT
        else:
            email.body = {"template": "order_confirmation", "name": row.name, "order": summary,
                          "unsubscribe": optouts.unsubscribe_url(customer_id, "email"),
                          "language": language}  # fmt: skip
        drafts.append(email)
        sms = Draft(f"order:{order.number}:sms", "sms", row.phone or "", subject,
                    {"text": text}, customer_id=customer_id)  # fmt: skip
        if (customer_id, "sms") in left:
            sms.status, sms.reason = SKIPPED, OPTED_OUT
        elif not row.phone:
            sms.status, sms.reason = SKIPPED, NO_PHONE
        else:
            try:
                sms.recipient = to_e164(row.phone, region)
            except BadNumber as exc:
                sms.status, sms.reason = FAILED, str(exc)
        drafts.append(sms)
    return drafts


def run(ctx: JobContext) -> dict[str, Any]:
    """Confirm every order the parameters name, batch by batch."""
    params = ctx.params
    fanout = FanOut(ctx, count(params), "orders", ("email", "sms"))

    def batches() -> Iterator[Batch]:
        after, size = 0, batch_size()
        while True:
            rows = db.session.execute(
                _orders(params).where(Order.id > after).order_by(Order.id).limit(size)
            ).all()
            if not rows:
                return
            after = rows[-1].Order.id
            with db.engine.connect() as conn:
                left = optouts.opted_out(conn, list({r.Order.customer_id for r in rows}))
            language = str(params.get("language", DEFAULT_LANGUAGE))
            yield Batch(len(rows), drafts_for(rows, left, language))

    fanout.run(batches())
    from webapp.notifications.report import counts

    return {"counts": counts(ctx.job_id)}
