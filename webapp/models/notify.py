"""Customers' choices about being contacted: one row per customer and channel they left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

OPT_OUT_CHANNELS = ("email", "sms", "whatsapp")


class OptOut(db.Model):
    """A customer who asked not to be sent anything more on `channel`, since `at`, and how."""

    __tablename__ = "opt_outs"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)  # email | sms | whatsapp
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(40), default="")  # link | provider | staff | demo
