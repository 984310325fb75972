"""One scheduler at a time: a lease row taken and renewed by conditional UPDATE (database clock).

Two scheduler processes may run (a deploy overlapping the old one, a second machine); only the
one holding the lease runs the maintenance. When it stops renewing, another takes over once
the lease has run out.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.models.job import SchedulerLease


def hold(name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `seconds`; False while someone else holds it."""
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == name,
                (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < db_time()),
            )
            .values(holder=holder, expires_at=db_time(seconds))
        )
        if taken.rowcount == 1:
            return True
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(SchedulerLease).values(name=name, holder=holder, expires_at=db_time(seconds))
            )
    except IntegrityError:  # another scheduler created it first: it holds the lease
        return False
    return True


def let_go(name: str, holder: str) -> None:
    """Give the lease up at a clean stop, so another scheduler need not wait it out."""
    with db.engine.begin() as conn:
        conn.execute(
            delete(SchedulerLease).where(
                SchedulerLease.name == name, SchedulerLease.holder == holder
            )
        )
