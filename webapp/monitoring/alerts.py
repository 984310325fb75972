"""Alerts: checked by the scheduler every BACKLOG_CHECK_INTERVAL, each one a row with a life.

A condition seen for the first time opens an alert: a WARNING log line with the figures, a
banner on /ops, and an email to the admins and a POST to ALERT_WEBHOOK_URL, both written to
the outbox in the same transaction as the alert row. While it stays open nothing is repeated,
except a reminder every ALERT_RENOTIFY_SECONDS. When the condition clears, the alert is
resolved and a "resolved" notice goes the same way. Every change is a conditional UPDATE, so
two checks racing (a scheduler handing over to another) never notify twice.

Conditions, per queue: more waiting messages than the queue's threshold; the oldest due job
waiting longer than ALERT_OLDEST_PENDING_SECONDS; work and no live worker; a failure rate over
ALERT_FAILURE_RATE in the last ALERT_FAILURE_WINDOW_SECONDS; dead letters growing since the
last check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, normalise
from webapp.i18n import gettext as _
from webapp.models.ops import Alert, JobMinute, MonitorMark
from webapp.models.user import User
from webapp.monitoring.alert_words import TITLES, alert_title, alert_words
from webapp.monitoring.status import OpsStatus, QueueStatus, backlog_threshold, ops_status
from webapp.notifications import outbox

log = logging.getLogger("tamam.monitor")

BACKLOG, WAIT, NO_WORKER, FAILURE_RATE, DEAD_LETTERS = (
    "backlog",
    "long_wait",
    "no_worker",
    "failure_rate",
    "dead_letters",
)


@dataclass(frozen=True)
class Condition:
    """Something wrong right now: which kind, on which queue, and its figures in words."""

    kind: str
    queue: str
    words: str
    figures: dict[str, Any]

    @property
    def key(self) -> str:
        """One open alert per kind and queue."""
        return f"{self.kind}:{self.queue}"


@dataclass
class CheckReport:
    """What one check did."""

    opened: list[str]
    reminded: list[str]
    resolved: list[str]
    conditions: list[Condition]


def _failure_rates(window_seconds: int) -> dict[str, tuple[int, int]]:
    """(failed, finished) per queue over the window, from the per-minute roll-ups."""
    rows = db.session.execute(
        select(JobMinute.queue, func.sum(JobMinute.failed), func.sum(JobMinute.completed))
        .where(JobMinute.minute >= db_time(-window_seconds))
        .group_by(JobMinute.queue)
    ).all()
    return {q: (int(f or 0), int(f or 0) + int(c or 0)) for q, f, c in rows}


def _dead_growth(queue: QueueStatus) -> int:
    """How many dead letters the queue gained since the last check (remembered in a mark)."""
    name = f"dead:{queue.queue}"
    before = db.session.scalar(select(MonitorMark.value).where(MonitorMark.name == name))
    if before is None:
        db.session.execute(insert(MonitorMark).values(name=name, value=queue.dead, at=db_time()))
    else:
        db.session.execute(
            update(MonitorMark)
            .where(MonitorMark.name == name)
            .values(value=queue.dead, at=db_time())
        )
    db.session.commit()
    return 0 if before is None else queue.dead - int(before)


def conditions(status: OpsStatus) -> list[Condition]:
    """Everything wrong with the machinery right now."""
    config = current_app.config
    found: list[Condition] = []
    window = int(config["ALERT_FAILURE_WINDOW_SECONDS"])
    rates = _failure_rates(window)
    for q in status.queues:

        def add(kind: str, words: str, queue: str = q.queue, **figures: Any) -> None:
            found.append(Condition(kind, queue, words, figures))

        threshold = backlog_threshold(q.queue)
        if q.ready > threshold:
            add(
                BACKLOG,
                f"{q.ready} messages waiting in {q.queue} (threshold {threshold})",
                size=q.ready,
                threshold=threshold,
            )
        waited, limit = q.oldest_pending_seconds, int(config["ALERT_OLDEST_PENDING_SECONDS"])
        if waited is not None and waited > limit and not q.paused:  # paused: waiting is expected
            add(
                WAIT,
                f"the oldest job in {q.queue} has waited {waited:.0f} s (threshold {limit} s)",
                oldest_pending_seconds=waited,
                threshold=limit,
            )
        has_work = q.oldest_pending_seconds is not None or q.processing
        if has_work and not q.workers and not q.paused:
            add(
                NO_WORKER,
                f"{q.queue} has {q.pending} waiting and {q.processing} running"
                " jobs and no live worker",
                pending=q.pending,
                processing=q.processing,
            )
        failed, finished = rates.get(q.queue, (0, 0))
        rate, most = (failed / finished if finished else 0.0), float(config["ALERT_FAILURE_RATE"])
        if finished >= int(config["ALERT_FAILURE_MIN_JOBS"]) and rate > most:
            add(
                FAILURE_RATE,
                f"{failed} of {finished} jobs in {q.queue} failed in the last"
                f" {window // 60} minutes ({rate:.0%}, threshold {most:.0%})",
                failed=failed,
                finished=finished,
                rate=round(rate, 3),
            )
        grown = _dead_growth(q)
        if grown > 0:
            add(
                DEAD_LETTERS,
                f"{grown} more dead-lettered messages in {q.queue} ({q.dead} in all)",
                dead=q.dead,
                grown=grown,
            )
    return found


def recipients() -> list[str]:
    """Every active admin's email, and ALERT_EMAIL's addresses."""
    return sorted(recipient_languages())


def recipient_languages() -> dict[str, str]:
    """Each recipient's language: an admin's own (English when unset or unknown), English
    for ALERT_EMAIL's addresses."""
    admins = db.session.execute(
        select(User.email, User.language).where(User.role == "admin", User.disabled.is_(False))
    ).all()
    extra = [a.strip() for a in str(current_app.config.get("ALERT_EMAIL", "")).split(",")]
    found = {a: DEFAULT_LANGUAGE for a in extra if a}
    found.update({email: normalise(language) or DEFAULT_LANGUAGE for email, language in admins})
    return found


def _email(event: str, kind: str, words: str, cleared_after: int | None) -> tuple[str, str]:
    """An alert email's subject and text in the current language."""
    title = alert_title(kind)
    if event == "resolved":
        subject = _("[Tamam] Resolved: %(title)s", title=title)
    else:
        subject = _("[Tamam] %(title)s", title=title)
    lines = [_("%(title)s: %(words)s.", title=title, words=alert_words(kind, words, cleared_after))]
    lines.append("")
    if event == "resolved":
        lines.append(_("This alert is resolved."))
    if event == "reminder":
        lines.append(_("It is still open."))
    lines.append("")
    lines.append(_("See %(url)s", url=f"{current_app.config['BASE_URL'].rstrip('/')}/ops"))
    return subject, "\n".join(lines) + "\n"


def _notify(
    conn: Connection,
    alert_id: int,
    event: str,
    kind: str,
    words: str,
    figures: dict[str, Any],
    at: datetime,
    cleared_after: int | None = None,
) -> list[int]:
    """Outbox rows for one alert event, in the caller's transaction: each recipient's email in
    their language, the webhook's body in English."""
    stamp = at.strftime("%Y%m%dT%H%M%S")
    ids = []
    for to, language in sorted(recipient_languages().items()):
        with force_locale(language):
            subject, text = _email(event, kind, words, cleared_after)
        key = f"alert:{alert_id}:{event}:{stamp}:{to}"
        ids.append(outbox.add(conn, key, "email", to, subject, {"text": text}))
    url = str(current_app.config.get("ALERT_WEBHOOK_URL", ""))
    if url:
        with force_locale(DEFAULT_LANGUAGE):
            subject, _text = _email(event, kind, words, cleared_after)
        title = TITLES.get(kind, kind)
        if cleared_after is not None:
            words = f"{words}; cleared after {_since(cleared_after)}"
        body = {
            "alert_id": alert_id,
            "event": event,
            "title": title,
            "summary": words,
            "figures": figures,
            "at": at.isoformat().replace("+00:00", "Z"),
        }
        ids.append(
            outbox.add(
                conn, f"alert:{alert_id}:{event}:{stamp}:webhook", "webhook", url, subject, body
            )
        )
    return ids


def check_alerts() -> CheckReport:
    """Open, remind and resolve alerts against the machinery's state right now."""
    status = ops_status()
    found = conditions(status)
    report = CheckReport([], [], [], found)
    now = status.at
    renotify = timedelta(seconds=int(current_app.config["ALERT_RENOTIFY_SECONDS"]))
    to_send: list[int] = []
    open_alerts = {
        a.key: a for a in db.session.scalars(select(Alert).where(Alert.resolved_at.is_(None)))
    }
    db.session.rollback()
    for condition in found:
        alert = open_alerts.get(condition.key)
        title = TITLES[condition.kind]
        if alert is None:
            to_send += _open(condition, title, now, report)
        elif alert.notified_at <= now - renotify:
            to_send += _remind(alert, condition, title, now, report)
        else:
            with db.engine.begin() as conn:
                conn.execute(
                    update(Alert).where(Alert.id == alert.id).values(latest=condition.words)
                )
    current = {c.key for c in found}
    for key, alert in open_alerts.items():
        if key not in current:
            to_send += _resolve(alert, now, report)
    outbox.dispatch(to_send)
    return report


def _open(condition: Condition, title: str, now: datetime, report: CheckReport) -> list[int]:
    try:
        with db.engine.begin() as conn:
            alert_id = conn.execute(
                insert(Alert)
                .values(
                    key=condition.key,
                    kind=condition.kind,
                    queue=condition.queue,
                    summary=condition.words,
                    latest=condition.words,
                    opened_at=now,
                    notified_at=now,
                )
                .returning(Alert.id)
            ).scalar_one()
            ids = _notify(
                conn, alert_id, "opened", condition.kind, condition.words, condition.figures, now
            )
    except IntegrityError:  # another check opened it first: idx_alerts_open is unique
        return []
    log.warning("%s: %s %s", title, condition.words, condition.figures)
    report.opened.append(condition.key)
    return ids


def _remind(
    alert: Alert, condition: Condition, title: str, now: datetime, report: CheckReport
) -> list[int]:
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Alert)
            .where(
                Alert.id == alert.id,
                Alert.notified_at == alert.notified_at,
                Alert.resolved_at.is_(None),
            )
            .values(notified_at=now, latest=condition.words)
        )
        if done.rowcount != 1:
            return []
        ids = _notify(
            conn, alert.id, "reminder", alert.kind, condition.words, condition.figures, now
        )
    log.warning("%s (still open since %s): %s", title, alert.opened_at, condition.words)
    report.reminded.append(condition.key)
    return ids


def _resolve(alert: Alert, now: datetime, report: CheckReport) -> list[int]:
    title = TITLES.get(alert.kind, alert.kind)
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Alert)
            .where(Alert.id == alert.id, Alert.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        if done.rowcount != 1:
            return []
        cleared_after = int((now - alert.opened_at).total_seconds())
        ids = _notify(conn, alert.id, "resolved", alert.kind, alert.summary, {}, now, cleared_after)
    words = f"{alert.summary}; cleared after {_since(cleared_after)}"
    log.info("Resolved: %s (%s)", title, words)
    report.resolved.append(alert.key)
    return ids


def _since(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
