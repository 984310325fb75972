"""Seed customers, products, orders and order lines, deterministic from a seed.

Some customers' names are written in Arabic script and some products have Arabic names, beside
the Latin ones, so reports in either language show mixed data (`make run` seeds this).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from webapp.extensions import db
from webapp.models.notify import OptOut
from webapp.models.sales import (
    CHANNELS,
    ORDER_STATUSES,
    REGIONS,
    Customer,
    Order,
    OrderLine,
    Product,
)

FIRST = (
    "Amal",
    "Omar",
    "Lina",
    "Sami",
    "Nora",
    "Karim",
    "Huda",
    "Yusuf",
    "Maya",
    "Tariq",
    "Rana",
    "Ziad",
    "Dana",
    "Fadi",
    "Leila",
    "Nabil",
    "Salma",
    "Adel",
    "Reem",
    "Walid",
)
LAST = (
    "Haddad",
    "Khoury",
    "Mansour",
    "Saleh",
    "Nasser",
    "Aziz",
    "Farouk",
    "Hamdan",
    "Rahman",
    "Qasim",
    "Bakr",
    "Darwish",
    "Issa",
    "Jaber",
    "Karam",
    "Murad",
    "Sabbagh",
    "Zayed",
)
# The same names in Arabic script, for the customers whose names are written in Arabic.
ARABIC_FIRST = dict(zip(FIRST, (
    "أمل", "عمر", "لينا", "سامي", "نورة", "كريم", "هدى", "يوسف", "مايا", "طارق",
    "رنا", "زياد", "دانة", "فادي", "ليلى", "نبيل", "سلمى", "عادل", "ريم", "وليد",
), strict=True))  # fmt: skip
ARABIC_LAST = dict(zip(LAST, (
    "حداد", "خوري", "منصور", "صالح", "ناصر", "عزيز", "فاروق", "حمدان", "رحمن", "قاسم",
    "بكر", "درويش", "عيسى", "جابر", "كرم", "مراد", "صباغ", "زايد",
), strict=True))  # fmt: skip
ARABIC_NAME_SHARE = 0.4  # customers whose name is written in Arabic script
# Product names in Arabic or Latin script (the categories and SKUs stay Latin).
CATEGORIES = {
    "Coffee": ("Arabica beans 1kg", "Espresso blend 500g", "قهوة بالهيل", "Cold brew pack"),
    "Tea": ("شاي بالنعناع", "Earl Grey 100 bags", "Green tea tin", "شاي بالميرمية"),
    "Sweets": ("علبة معمول بالتمر", "Baklava tray", "حلاوة طحينية 400 غ", "Chocolate dates"),
    "Kitchen": ("دلة نحاس", "Espresso cups (6)", "Tea glasses (6)", "Grinder", "Kettle"),
    "Pantry": ("Saffron 5g", "Olive oil 1L", "زعتر 250 غ", "Sumac 200g", "Tahini jar"),
}
STATUS_WEIGHTS = (30, 25, 35, 5, 5)
PHONE_SHARE = 0.6  # customers with a mobile number (E.164)
OPT_OUT_SHARE = {"email": 0.02, "sms": 0.04, "whatsapp": 0.03}  # who left each channel
CHANNEL_WEIGHTS = (45, 25, 10, 20)
TAX_RATE = 0.15


@dataclass
class SeedSummary:
    """How many rows of each kind were written."""

    customers: int
    products: int
    orders: int
    lines: int


def has_orders() -> bool:
    """True when the database already holds orders."""
    return (db.session.scalar(select(func.count()).select_from(Order)) or 0) > 0


def _advance_sequences(tables: tuple[str, ...]) -> None:
    """Rows written with explicit ids leave PostgreSQL's id sequences behind: catch them up."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        )


def _seed_opt_outs(rng: random.Random, customer_ids: list[int]) -> None:
    """A few customers who left a channel, as the unsubscribe link would have recorded."""
    rows = [
        {
            "customer_id": customer_id,
            "channel": channel,
            "source": "demo",
            "at": datetime.now(UTC),
        }
        for customer_id in customer_ids
        for channel, share in OPT_OUT_SHARE.items()
        if rng.random() < share
    ]
    if rows:
        db.session.execute(insert(OptOut), rows)


def seed_demo(
    orders: int = 100_000,
    seed: int = 42,
    days: int = 730,
    end: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Write demo data over `days` days ending at `end` (today by default); same seed, same data."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    n_customers = max(10, orders // 20)

    products = []
    for category, names in CATEGORIES.items():
        for name in names:
            products.append(
                {
                    "sku": f"{category[:3].upper()}-{len(products) + 1:04d}",
                    "name": name,
                    "category": category,
                    "unit_price_cents": rng.randrange(300, 25_000, 5),
                }
            )
    db.session.execute(insert(Product), products)
    product_rows = db.session.execute(select(Product.id, Product.unit_price_cents)).all()

    # Phones and opt-outs come from a generator of their own, so the rest of the data (and
    # every figure tests and benchmarks know) stays what it was before customers had phones.
    contact = random.Random(seed + 1)
    script = random.Random(seed + 2)  # which names are in Arabic script: also apart
    customers = []
    for i in range(n_customers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        arabic = script.random() < ARABIC_NAME_SHARE
        customers.append(
            {
                "name": f"{ARABIC_FIRST[first]} {ARABIC_LAST[last]}"
                if arabic
                else f"{first} {last}",
                "email": f"{first}.{last}.{i}@example.com".lower(),
                "region": rng.choice(REGIONS),
                "created_at": datetime.combine(start, datetime.min.time(), UTC)
                - timedelta(days=rng.randrange(0, 365)),
                "phone": f"+96658{i:07d}" if contact.random() < PHONE_SHARE else None,
            }
        )
    db.session.execute(insert(Customer), customers)
    customer_rows = db.session.execute(select(Customer.id, Customer.region)).all()
    _seed_opt_outs(contact, [row.id for row in customer_rows])

    first_order_id = (db.session.scalar(select(func.max(Order.id))) or 0) + 1
    first_line_id = (db.session.scalar(select(func.max(OrderLine.id))) or 0) + 1
    written_lines = 0
    chunk = 5_000
    for offset in range(0, orders, chunk):
        order_batch, line_batch = [], []
        for n in range(offset, min(orders, offset + chunk)):
            order_id = first_order_id + n
            customer_id, region = rng.choice(customer_rows)
            subtotal = 0
            for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 30, 20, 10, 5))[0]):
                product_id, price = rng.choice(product_rows)
                quantity = rng.choices((1, 2, 3, 6), (60, 25, 10, 5))[0]
                subtotal += price * quantity
                line_batch.append(
                    {
                        "id": first_line_id + written_lines + len(line_batch),
                        "order_id": order_id,
                        "product_id": product_id,
                        "quantity": quantity,
                        "unit_price_cents": price,
                        "line_total_cents": price * quantity,
                    }
                )
            tax = round(subtotal * TAX_RATE)
            order_batch.append(
                {
                    "id": order_id,
                    "number": f"SO-{order_id:07d}",
                    "customer_id": customer_id,
                    "order_date": start + timedelta(days=rng.randrange(days)),
                    "status": rng.choices(ORDER_STATUSES, STATUS_WEIGHTS)[0],
                    "region": region,
                    "channel": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                    "currency": "USD",
                    "subtotal_cents": subtotal,
                    "tax_cents": tax,
                    "total_cents": subtotal + tax,
                }
            )
        db.session.execute(insert(Order), order_batch)
        db.session.execute(insert(OrderLine), line_batch)
        written_lines += len(line_batch)
        if progress:
            progress(min(orders, offset + chunk), orders)
    _advance_sequences(("orders", "order_lines"))
    db.session.commit()
    return SeedSummary(len(customers), len(products), orders, written_lines)
