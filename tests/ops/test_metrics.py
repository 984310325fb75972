"""/metrics: who may read it, and the figures a Prometheus scrape gets."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.staff.helpers import make_job
from webapp.engine import pauses, service
from webapp.models.types import utcnow
from webapp.monitoring import stats


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels); parsing also proves the format is valid."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_who_may_scrape(app, staff_client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token")
    client = app.test_client()  # nobody signed in
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert staff_client.get("/metrics").status_code == 404
    scraped = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert scraped.status_code == 200
    assert scraped.content_type.startswith("text/plain; version=")


def test_no_token_configured_means_admins_only(app, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    client = app.test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert admin_client.get("/metrics").status_code == 200


def test_figures(app, redis_broker, admin_client, admin):
    """Two waiting pings, a paused queue, and a completed report rolled up into the counters."""
    service.submit(admin, "ping", {})
    service.submit(admin, "ping", {})
    pauses.pause("exports", admin)
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=2)
    make_job(admin, "completed", with_file=False, created_at=minute - timedelta(seconds=3),
             started_at=minute, completed_at=minute + timedelta(seconds=4))  # fmt: skip
    stats.rollup()
    found = samples(admin_client.get("/metrics").get_data(as_text=True))
    assert found[("tamam_jobs", (("state", "pending"), ("type", "ping")))] == 2
    assert found[("tamam_queue_messages", (("queue", "default"), ("state", "ready")))] == 2
    assert found[("tamam_queue_paused", (("queue", "exports"),))] == 1
    assert found[("tamam_queue_paused", (("queue", "default"),))] == 0
    key = (("status", "completed"), ("type", "sales_report"))
    assert found[("tamam_jobs_finished_total", key)] == 1
    runtime = "tamam_job_runtime_seconds_bucket"
    assert found[(runtime, (("le", "2.5"), ("type", "sales_report")))] == 0
    assert found[(runtime, (("le", "5.0"), ("type", "sales_report")))] == 1
    assert found[(runtime, (("le", "+Inf"), ("type", "sales_report")))] == 1
    assert found[("tamam_job_runtime_seconds_sum", (("type", "sales_report"),))] == 4
    assert found[("tamam_job_wait_seconds_sum", (("type", "sales_report"),))] == 3
    assert found[("tamam_workers_live", ())] == 0
