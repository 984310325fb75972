"""Customers, orders and outbox rows for notification tests; all removed after each test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from webapp.extensions import db
from webapp.models.notify import OptOut
from webapp.models.ops import OutboxMessage
from webapp.models.sales import Customer, Order, OrderLine, Product

DOMAIN = "notify.example.com"  # every customer a test makes has an email here
REGION = "Testland"  # a region no seeded customer is in


def make_customers(
    count: int, *, region: str = REGION, phones: bool = True, start: int = 0
) -> list[int]:
    """`count` customers named Customer N, person{N}@notify.example.com, +9665519NNNNN;
    returns their ids."""
    rows = [
        {
            "name": f"Customer {n}",
            "email": f"person{n}@{DOMAIN}",
            "region": region,
            "phone": f"+9665519{n:05d}" if phones else None,
            "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        }
        for n in range(start, start + count)
    ]
    db.session.execute(insert(Customer), rows)
    db.session.commit()
    emails = [row["email"] for row in rows]
    return list(
        db.session.scalars(
            select(Customer.id).where(Customer.email.in_(emails)).order_by(Customer.id)
        )
    )


def make_orders(customer_ids: list[int], day: date, prefix: str = "NT") -> list[int]:
    """One order with one line per customer, on `day`; numbers NT-<customer id>."""
    # Its own product, whatever sales data earlier tests left (they keep the sales tables).
    product = db.session.scalar(select(Product.id).where(Product.sku == "NT-0001"))
    if product is None:
        db.session.execute(
            insert(Product).values(
                sku="NT-0001", name="Test tea", category="Tea", unit_price_cents=1250
            )
        )
        product = db.session.scalar(select(Product.id).where(Product.sku == "NT-0001"))
    orders = [
        {
            "number": f"{prefix}-{c}",
            "customer_id": c,
            "order_date": day,
            "status": "paid",
            "region": REGION,
            "channel": "web",
            "currency": "USD",
            "subtotal_cents": 2500,
            "tax_cents": 375,
            "total_cents": 2875,
        }
        for c in customer_ids
    ]
    db.session.execute(insert(Order), orders)
    ids = list(
        db.session.scalars(
            select(Order.id).where(Order.number.like(f"{prefix}-%")).order_by(Order.id)
        )
    )
    db.session.execute(
        insert(OrderLine),
        [
            {
                "order_id": o,
                "product_id": product,
                "quantity": 2,
                "unit_price_cents": 1250,
                "line_total_cents": 2500,
            }
            for o in ids
        ],
    )
    db.session.commit()
    return ids


def forget_customers() -> None:
    """Remove what make_customers and make_orders wrote."""
    db.session.rollback()
    ids = select(Customer.id).where(Customer.email.like(f"%@{DOMAIN}"))
    orders = select(Order.id).where(Order.customer_id.in_(ids))
    db.session.execute(delete(OrderLine).where(OrderLine.order_id.in_(orders)))
    db.session.execute(delete(Order).where(Order.customer_id.in_(ids)))
    db.session.execute(delete(OptOut).where(OptOut.customer_id.in_(ids)))
    db.session.execute(delete(Customer).where(Customer.email.like(f"%@{DOMAIN}")))
    db.session.execute(delete(Product).where(Product.sku == "NT-0001"))
    db.session.commit()


def outbox_rows(**where: Any) -> list[OutboxMessage]:
    """Outbox rows, oldest first, filtered by column values."""
    db.session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))
