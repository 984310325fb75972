"""A short database outage: messages wait for the database instead of being dead-lettered."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import OperationalError

from tests.jobs.helpers import wait_for
from webapp.engine import fair, service


def test_claims_that_fail_while_the_database_is_down_are_retried(
    worker, staff, monkeypatch, caplog
):
    """Five failed claims across three jobs: all complete, nothing dead, one line per outage."""
    real_claim = fair.claim_fair
    failures = {"left": 5}
    lock = threading.Lock()

    def claim_while_down(*args):  # type: ignore[no-untyped-def]
        with lock:
            down = failures["left"] > 0
            failures["left"] -= 1
        if down:
            raise OperationalError(
                "UPDATE jobs", {}, Exception("connection refused: is the server running?")
            )
        return real_claim(*args)

    monkeypatch.setattr(fair, "claim_fair", claim_while_down)
    caplog.set_level(logging.WARNING)
    jobs = [service.submit(staff, "ping", {}) for _ in range(3)]
    for job in jobs:
        assert wait_for(job.id, lambda j: j.is_final, timeout=30).status == "completed"
    assert worker.broker.client.zcard("dramatiq:default.XQ") == 0  # nothing dead-lettered
    down = [r for r in caplog.records if "unreachable" in r.getMessage()]
    back = [r for r in caplog.records if "answers again" in r.getMessage()]
    assert len(down) == 1 and len(back) == 1
    assert "(5 failed calls)" in back[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
