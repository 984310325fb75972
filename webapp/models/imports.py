"""What an import has applied so far: one row per batch, committed with the batch's changes.

A second attempt of the same import (after a crash, a lost worker) reads these rows and skips
the batches they name instead of counting their rows again as unchanged, so the job's counts
are those of the first time each row was applied, and nothing is applied twice.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class ImportBatch(db.Model):
    """One applied batch of an import job: its number and what it did."""

    __tablename__ = "import_batches"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    batch: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)  # data rows read up to the end of this batch
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
