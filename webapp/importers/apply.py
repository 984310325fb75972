"""One batch of checked rows against the database: what would change, then (apply) change it.

`plan` reads the rows' natural keys (and, for customers, the owners of their phones) in one
query per batch and sorts every row into created, updated, unchanged or rejected (an unknown
SKU for a price, a phone number another customer has). `write` makes the changes in the
session: one executemany INSERT of plain tuples and one executemany UPDATE by primary key for
the batch (webapp.importers.batch_sql); the caller commits them together with the batch's
ImportBatch row. A blank optional cell leaves the stored value as it is.

`assume_new` is the plan without the read, for a batch expected to hold new rows only (a first
import): every row created. `write` then inserts the rows only if none meets a stored email,
phone or SKU (the table's unique indexes tell, in the same INSERT) and raises NotAllNew
otherwise; the caller rolls back and plans the batch by reading, so the outcome is exactly the
one `plan` would have given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update

from webapp.extensions import db
from webapp.i18n import gettext as _
from webapp.importers.batch_sql import (
    commit_without_flush_wait,
    dialect_name,
    insert_rows,
    inserts_if_new,
    listed,
    one_of,
    stored_form,
)
from webapp.importers.kinds import Kind
from webapp.models.sales import Customer, Product

# A row that passed its own checks: (its line in the upload, its cells as uploaded, its clean
# values, one per column of its kind in order, None where the cell was blank). Tuples of texts,
# numbers and dates only: Python's garbage collector stops tracking them, so the batch held in
# memory does not make it run full collections over the whole worker (about 1.3 s a million
# rows when they were objects holding dicts).
Checked = tuple[int, tuple[Any, ...], tuple[Any, ...]]


class NotAllNew(Exception):
    """A batch planned by `assume_new` met a stored key: roll back, then `plan` it by reading."""


@dataclass
class Plan:
    """What a batch does: rows to insert (tuples of the kind's INSERT_COLUMNS, each value in
    its `stored_form`), rows to update (dicts with the id), unchanged and rejected rows;
    `assumed_new` when nothing was read."""

    creates: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    rejects: list[tuple[Checked, list[str]]] = field(default_factory=list)
    assumed_new: bool = False

    @property
    def all_creates(self) -> bool:
        """Every row of the batch is created (none updated, unchanged or rejected)."""
        return not (self.updates or self.unchanged or self.rejects)


INSERT_COLUMNS = {
    "customers": ("email", "name", "region", "phone", "created_at"),
    "products": ("sku", "name", "category", "unit_price_cents"),
    "prices": ("sku", "name", "category", "unit_price_cents"),
}


@cache
def _customers_query(dialect: str) -> Select[Any]:
    """Known customers by email, and the owners of phones, in one query."""
    known = one_of(Customer.email, "emails", dialect)
    owners = one_of(Customer.phone, "phones", dialect)
    return select(Customer.id, Customer.email, Customer.name, Customer.region, Customer.phone,
                  Customer.created_at).where(or_(known, owners))  # fmt: skip


@cache
def _products_query(dialect: str) -> Select[Any]:
    """Known products by SKU."""
    return select(Product.id, Product.sku, Product.name, Product.category,
                  Product.unit_price_cents).where(one_of(Product.sku, "skus", dialect))  # fmt: skip


def _customers(rows: Sequence[Checked], plan: Plan) -> None:
    emails = {values[0] for _line, _raw, values in rows}
    phones = {values[3] for _line, _raw, values in rows if values[3] is not None}
    dialect = dialect_name()
    found = db.session.execute(_customers_query(dialect), {
        "emails": listed(emails, dialect), "phones": listed(phones, dialect)}).all()  # fmt: skip
    if not found:  # all new (a first import): no phone can belong to anyone else
        _new_customers(rows, plan)
        return
    known = {row.email: row for row in found if row.email in emails}
    owners = {row.phone: row.email for row in found if row.phone in phones}
    stored, now = stored_form(Customer.__table__, "created_at"), datetime.now(UTC)
    for row in rows:
        email, name, region, phone, since = row[2]
        owner = owners.get(phone)
        if owner is not None and owner != email:
            plan.rejects.append((row, [_("%(column)s %(phone)s belongs to another customer "
                                         "(%(owner)s)", column="phone", phone=phone,
                                         owner=owner)]))  # fmt: skip
            continue
        before = known.get(email)
        if before is None:
            plan.creates.append((email, name, region, phone, stored(since or now)))
            continue
        after = {  # a blank optional cell keeps what is stored
            "name": name,
            "region": region,
            "phone": before.phone if phone is None else phone,
            "created_at": before.created_at if since is None else since,
        }
        current = {"name": before.name, "region": before.region, "phone": before.phone,
                   "created_at": before.created_at}  # fmt: skip
        if after == current:
            plan.unchanged += 1
        else:
            plan.updates.append({"id": before.id, **after})


def _new_customers(rows: Sequence[Checked], plan: Plan) -> None:
    """Every row created: INSERT tuples, created_at already in its stored form (one pass)."""
    stored, now = stored_form(Customer.__table__, "created_at"), datetime.now(UTC)
    plan.creates = [(email, name, region, phone, stored(since or now))
                    for _line, _raw, (email, name, region, phone, since) in rows]  # fmt: skip


def _products(rows: Sequence[Checked], plan: Plan, creates: bool) -> None:
    """Products (sku, name, category, unit_price) or price updates (sku, unit_price)."""
    skus = {values[0] for _line, _raw, values in rows}
    dialect = dialect_name()
    found = db.session.execute(_products_query(dialect), {"skus": listed(skus, dialect)})
    known = {row.sku: row for row in found}
    for row in rows:
        values = row[2]
        sku, price = values[0], values[-1]
        before = known.get(sku)
        if before is None:
            if not creates:
                plan.rejects.append((row, [_("%(column)s %(sku)s is not the SKU of any product",
                                             column="sku", sku=sku)]))  # fmt: skip
                continue
            plan.creates.append((sku, values[1], values[2], price))
            continue
        after: dict[str, Any] = {"unit_price_cents": price}
        current: dict[str, Any] = {"unit_price_cents": before.unit_price_cents}
        if creates:
            after |= {"name": values[1], "category": values[2]}
            current |= {"name": before.name, "category": before.category}
        if after == current:
            plan.unchanged += 1
        else:
            plan.updates.append({"id": before.id, **after})


MODELS = {"customers": Customer, "products": Product, "prices": Product}


def plan(kind: Kind, rows: Sequence[Checked]) -> Plan:
    """Sort a batch's rows by what applying them would do (reads only)."""
    result = Plan()
    if not rows:
        return result
    if kind.name == "customers":
        _customers(rows, result)
    else:
        _products(rows, result, kind.creates)
    return result


def can_assume_new(kind: Kind) -> bool:
    """Whether batches of this kind may be written by `assume_new` (new rows can be created,
    and the database tells in the INSERT whether a key was stored)."""
    return kind.creates and inserts_if_new()


def assume_new(kind: Kind, rows: Sequence[Checked]) -> Plan:
    """The plan if no row's key is stored yet: every row created (reads nothing)."""
    result = Plan(assumed_new=True)
    if kind.name == "customers":
        _new_customers(rows, result)
    else:
        result.creates = [(values[0], values[1], values[2], values[-1])
                          for _line, _raw, values in rows]  # fmt: skip
    return result


def write(kind: Kind, batch: Plan) -> None:
    """Make the batch's changes in the session (the caller commits); NotAllNew when the batch
    was `assume_new`'s and a row's key is stored (the caller rolls back)."""
    commit_without_flush_wait()
    table = MODELS[kind.name].__table__
    if not insert_rows(table, INSERT_COLUMNS[kind.name], batch.creates, if_new=batch.assumed_new,
                       converted=True):  # fmt: skip
        raise NotAllNew
    if batch.updates:
        names = [name for name in batch.updates[0] if name != "id"]
        statement = (update(table).where(table.c.id == bindparam("_id"))
                     .values({name: bindparam(f"_{name}") for name in names}))  # fmt: skip
        db.session.execute(statement, [{f"_{name}": value for name, value in row.items()}
                                       for row in batch.updates])  # fmt: skip
