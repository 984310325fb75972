"""Who an announcement goes to, and its {name}-style placeholders filled in for each of them.

An audience is every customer, the customers of one region, or those who ordered in a period;
it is read in keyset batches by id, so thousands of customers never sit in memory at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Select, func, select

from webapp.engine.errors import ParamError
from webapp.extensions import db
from webapp.i18n import gettext as _
from webapp.models.sales import Customer, Order

AUDIENCES = {"all": _l("All customers"), "region": _l("Customers in a region"),
             "ordered": _l("Customers who ordered in a period")}  # fmt: skip
PLACEHOLDERS = {
    "name": _l("the customer's full name"),
    "first_name": _l("their first name"),
    "email": _l("their email address"),
    "region": _l("their region"),
}
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Audience:
    """An audience's definition, as a job's parameters keep it."""

    kind: str
    region: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query(self) -> Select[Any]:
        """The audience's customers: id, name, email, phone, region."""
        query = select(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.region)
        if self.kind == "region":
            query = query.where(Customer.region == self.region)
        elif self.kind == "ordered":
            ordered = select(Order.customer_id).where(
                Order.order_date >= self.date_from, Order.order_date <= self.date_to
            )
            query = query.where(Customer.id.in_(ordered))
        return query

    def count(self) -> int:
        """How many customers it holds now."""
        subquery = self.query().with_only_columns(Customer.id).subquery()
        return int(db.session.scalar(select(func.count()).select_from(subquery)) or 0)

    def batches(self, size: int) -> Iterator[list[Any]]:
        """Its customers, `size` at a time, by id."""
        after = 0
        while True:
            rows = db.session.execute(
                self.query().where(Customer.id > after).order_by(Customer.id).limit(size)
            ).all()
            if not rows:
                return
            yield rows
            after = rows[-1].id

    def first(self) -> Any | None:
        """Its first customer (for a preview)."""
        return db.session.execute(self.query().order_by(Customer.id).limit(1)).first()

    def words(self) -> Markup:
        """'All customers', 'Customers in North', 'Customers who ordered from ... to ...'.

        In the page's language; the region (a name from the data) inside <bdi>.
        """
        if self.kind == "region":
            region = Markup("<bdi>{}</bdi>").format(self.region)
            return Markup(escape(_("Customers in %(region)s"))) % {"region": region}
        if self.kind == "ordered":
            start = format_date(self.date_from) if self.date_from else ""
            end = format_date(self.date_to) if self.date_to else ""
            return escape(
                _("Customers who ordered from %(start)s to %(end)s", start=start, end=end)
            )
        return escape(_("All customers"))

    def as_params(self) -> dict[str, Any]:
        """What a job keeps of it."""
        params: dict[str, Any] = {"audience": self.kind}
        if self.kind == "region":
            params["region"] = self.region
        if self.kind == "ordered":
            params["date_from"] = str(self.date_from)
            params["date_to"] = str(self.date_to)
        return params


def audience_from(raw: Mapping[str, Any]) -> Audience:
    """Read and check an audience: all, region (with `region`), or ordered (with the dates)."""
    kind = str(raw.get("audience") or "").strip()
    if kind not in AUDIENCES:
        raise ParamError("audience", _("Choose who gets it: all customers, a region or a period."))
    if kind == "region":
        region = " ".join(str(raw.get("region") or "").split())
        if not region:
            raise ParamError("region", _("Choose a region."))
        if not db.session.scalar(select(Customer.id).where(Customer.region == region).limit(1)):
            raise ParamError(
                "region", _("No customer is in the region %(region)s.", region=repr(region))
            )
        return Audience(kind, region=region)
    if kind == "ordered":
        start, end = _day(raw, "date_from"), _day(raw, "date_to")
        if end < start:
            raise ParamError("date_to", _("The period ends before it starts."))
        return Audience(kind, date_from=start, date_to=end)
    return Audience(kind)


def _day(raw: Mapping[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(raw.get(name) or ""))
    except ValueError:
        raise ParamError(name, _("Give a date as YYYY-MM-DD.")) from None


def check_placeholders(text: str, field: str) -> None:
    """ParamError naming the first placeholder that is not one of PLACEHOLDERS."""
    for match in _FIELD.finditer(text):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            continue
        if name is None or name.strip() not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            shown = token if name is None else "{" + name + "}"
            message = _(
                "%(shown)s is not a placeholder. Use %(known)s; write {{ and }} for braces.",
                shown=shown,
                known=known,
            )
            raise ParamError(field, message)


def fill(text: str, customer: Any) -> str:
    """The text with each placeholder replaced by the customer's value ({{ and }}: braces)."""
    values = {
        "name": customer.name,
        "first_name": (customer.name or "").split(" ")[0],
        "email": customer.email,
        "region": customer.region,
    }

    def one(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return str(values.get((name or "").strip(), token))

    return _FIELD.sub(one, text)


@dataclass(frozen=True)
class Reach:
    """How an audience splits by channel: who gets it, who opted out, who has no phone."""

    customers: int
    with_phone: int
    opted_out: dict[str, int]

    def receiving(self, channel: str) -> int:
        """Customers the channel will reach (opted out and phoneless left out)."""
        reachable = self.customers if channel == "email" else self.with_phone
        return max(0, reachable - self.opted_out.get(channel, 0))


def reach(audience: Audience) -> Reach:
    """Three counts over the audience (its size, phones, opt-outs per channel)."""
    from webapp.models.notify import OptOut

    ids = audience.query().with_only_columns(Customer.id).subquery()
    customers = int(db.session.scalar(select(func.count()).select_from(ids)) or 0)
    phones = audience.query().with_only_columns(Customer.id).where(Customer.phone.is_not(None))
    with_phone = int(db.session.scalar(select(func.count()).select_from(phones.subquery())) or 0)
    rows = db.session.execute(
        select(OptOut.channel, func.count())
        .join(Customer, Customer.id == OptOut.customer_id)
        .where(OptOut.customer_id.in_(select(ids.c.id)))
        .where((OptOut.channel == "email") | Customer.phone.is_not(None))
        .group_by(OptOut.channel)
    ).all()
    return Reach(customers, with_phone, {str(c): int(n) for c, n in rows})
