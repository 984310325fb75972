"""/metrics in Prometheus text format, built with prometheus_client from the database and Redis.

Every process answers alike: the figures are read at scrape time (a custom collector), not
kept in one process's memory. Job counters and duration histograms come from `job_totals`
(grown by the per-minute roll-up, so they lag by about a minute and never go down); the
rest is the ops page's own figures. Histogram buckets are summed from the roll-up's finer
ones (25 % apart), so a bucket's count may hold jobs up to 25 % over its `le`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from webapp.engine.pauses import paused_queues
from webapp.extensions import db
from webapp.models.job import ACTIVE_STATUSES, Job
from webapp.models.ops import Alert, JobTotal
from webapp.monitoring.stats import upper_edge
from webapp.monitoring.status import ops_status

BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)


def prometheus_buckets(histogram: Mapping[str, int]) -> list[tuple[str, float]]:
    """Cumulative (le, count) pairs from a roll-up histogram, ending with +Inf."""
    counts = sorted((upper_edge(int(bucket)), int(n)) for bucket, n in histogram.items())
    pairs = []
    for le in BUCKETS:
        pairs.append((str(float(le)), float(sum(n for edge, n in counts if edge <= le * 1.0001))))
    pairs.append(("+Inf", float(sum(n for _, n in counts))))
    return pairs


class TamamCollector(Collector):
    """Reads every figure when scraped."""

    def collect(self) -> Iterator[Metric]:
        """Yield the metric families."""
        status = ops_status()
        by_state = GaugeMetricFamily(
            "tamam_jobs", "Jobs waiting or running, by state and type.", labels=["state", "type"]
        )
        rows = db.session.execute(
            select(Job.status, Job.type, func.count())
            .where(Job.status.in_(ACTIVE_STATUSES))
            .group_by(Job.status, Job.type)
        ).all()
        for state, job_type, count in rows:
            by_state.add_metric([state, job_type], int(count))
        yield by_state

        finished = CounterMetricFamily(
            "tamam_jobs_finished",
            "Jobs that completed or failed, by type and status (from the roll-up).",
            labels=["type", "status"],
        )
        runtime = HistogramMetricFamily(
            "tamam_job_runtime_seconds", "Runtime of completed jobs.", labels=["type"]
        )
        wait = HistogramMetricFamily(
            "tamam_job_wait_seconds", "Wait (started - created) of completed jobs.", labels=["type"]
        )
        for total in db.session.scalars(select(JobTotal).order_by(JobTotal.type)):
            finished.add_metric([total.type, total.status], total.count)
            if total.status == "completed":
                runtime.add_metric(
                    [total.type], prometheus_buckets(total.run_hist or {}), total.run_sum
                )
                wait.add_metric(
                    [total.type], prometheus_buckets(total.wait_hist or {}), total.wait_sum
                )
        yield from (finished, runtime, wait)

        messages = GaugeMetricFamily(
            "tamam_queue_messages", "Broker messages per queue.", labels=["queue", "state"]
        )
        rows_gauge = GaugeMetricFamily(
            "tamam_queue_jobs", "Job rows per queue.", labels=["queue", "state"]
        )
        oldest = GaugeMetricFamily(
            "tamam_queue_oldest_pending_seconds",
            "Measured age of the oldest due pending job.",
            labels=["queue"],
        )
        threads = GaugeMetricFamily(
            "tamam_queue_worker_threads", "Live worker threads serving the queue.", labels=["queue"]
        )
        paused = GaugeMetricFamily("tamam_queue_paused", "1 while paused.", labels=["queue"])
        pauses = paused_queues()
        for q in status.queues:
            for state, value in (("ready", q.ready), ("delayed", q.delayed), ("dead", q.dead)):
                messages.add_metric([q.queue, state], value)
            rows_gauge.add_metric([q.queue, "pending"], q.pending)
            rows_gauge.add_metric([q.queue, "processing"], q.processing)
            oldest.add_metric([q.queue], q.oldest_pending_seconds or 0.0)
            threads.add_metric([q.queue], q.threads)
            paused.add_metric([q.queue], 1 if q.queue in pauses else 0)
        yield from (messages, rows_gauge, oldest, threads, paused)

        yield GaugeMetricFamily("tamam_workers_live", "Live worker processes.", status.live_workers)
        yield GaugeMetricFamily(
            "tamam_workers_stale", "Worker processes whose heartbeat stopped.", status.stale_workers
        )
        alerts = GaugeMetricFamily("tamam_alerts_open", "Open alerts by kind.", labels=["kind"])
        for kind, count in db.session.execute(
            select(Alert.kind, func.count()).where(Alert.resolved_at.is_(None)).group_by(Alert.kind)
        ):
            alerts.add_metric([kind], int(count))
        yield alerts
        db.session.rollback()


def render_metrics() -> bytes:
    """The exposition text, read fresh."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TamamCollector())
    return generate_latest(registry)
