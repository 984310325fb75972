"""The demo sales domain that reports and exports read: customers, products, orders, lines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime

ORDER_STATUSES = ("paid", "shipped", "delivered", "refunded", "cancelled")
REGIONS = ("North", "South", "East", "West", "Central")
CHANNELS = ("web", "store", "phone", "marketplace")


class Customer(db.Model):
    """A customer who places orders."""

    __tablename__ = "customers"
    __table_args__ = (
        # The natural key of imports: stored lower-case, one customer per address and phone.
        Index("uq_customers_email", "email", unique=True),
        Index("uq_customers_phone", "phone", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    region: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, e.g. +966501234567
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Product(db.Model):
    """A product with its list price in minor units (cents)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    unit_price_cents: Mapped[int] = mapped_column(Integer)


class Order(db.Model):
    """An order; amounts are integers in minor units of its currency."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_order_date", "order_date"),
        Index("ix_orders_date_status_region", "order_date", "status", "region"),
        Index("ix_orders_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    tax_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)


class OrderLine(db.Model):
    """One product on an order."""

    __tablename__ = "order_lines"
    __table_args__ = (
        Index("ix_order_lines_order", "order_id"),
        Index("ix_order_lines_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)
