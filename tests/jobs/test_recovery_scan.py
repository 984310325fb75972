"""Recovery finds a lost message behind any backlog of pending jobs, batch by batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from webapp.engine import recovery, service
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


@pytest.fixture
def backlog_with_one_lost(redis_broker, staff, monkeypatch):  # type: ignore[no-untyped-def]
    """Ten pending jobs whose messages Redis holds, then one whose message it lost."""
    monkeypatch.setattr(recovery, "_scan", {"after": None})
    jobs = [service.submit(staff, "ping", {}) for _ in range(11)]
    lost = jobs[-1]
    redis_broker.client.hdel("dramatiq:default.msgs", lost.message_id)
    with db.engine.begin() as conn:
        conn.execute(update(Job).values(updated_at=utcnow() - timedelta(minutes=1)))
    return lost


def test_one_pass_reads_every_batch(backlog_with_one_lost, monkeypatch):
    """Batches of three: the lost job, eleventh in line, is re-sent in the same pass."""
    monkeypatch.setattr(recovery, "SCAN_BATCH", 3)
    assert recovery.recover().resent == [backlog_with_one_lost.id]


def test_a_backlog_larger_than_a_pass_is_covered_by_the_next_pass(
    backlog_with_one_lost, monkeypatch
):
    """Six rows a pass: the first pass stops short, the second resumes and finds it."""
    monkeypatch.setattr(recovery, "SCAN_BATCH", 3)
    monkeypatch.setattr(recovery, "SCAN_PER_PASS", 6)
    assert recovery.recover().resent == []
    assert recovery.recover().resent == [backlog_with_one_lost.id]
    assert recovery.recover().resent == []  # found once; the next pass starts over, finds it sent
