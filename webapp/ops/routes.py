"""/ops: the dashboard of queues, workers, charts, alerts and the audit log.

The page works without JavaScript: pause, resume and ping are plain POST forms. With it, app.js
refreshes the live part (/ops/live) every 5 s and the charts (/ops/charts) every minute, one
request each, and the ping's answers (/ops/ping/<token>) poll every second until all are in.
"""

from __future__ import annotations

import re
from types import ModuleType

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from webapp.engine import pauses
from webapp.engine.recovery import SCAN_BATCH
from webapp.engine.registry import QUEUES
from webapp.i18n import N_
from webapp.i18n import gettext as _
from webapp.jobs.routes import is_htmx, page_response
from webapp.monitoring import audit, ping
from webapp.ops import bp, dashboard, present
from webapp.ops.present import bdi, plural, resumed_words

AUDIT_LINES = 20
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,40}")
# Pages of /ops built elsewhere; linked once their endpoints exist.
OTHER_PAGES = (("ops.failed", N_("Failed jobs")), ("ops.search", N_("Search all jobs")))


@bp.context_processor
def helpers() -> dict[str, ModuleType]:
    """The ops templates say figures in words through webapp.ops.present."""
    return {"present": present}


def other_pages() -> list[tuple[str, str]]:
    """(url, label) of the other ops pages that exist in this app."""
    return [
        (url_for(endpoint), _(label))
        for endpoint, label in OTHER_PAGES
        if endpoint in current_app.view_functions
    ]


@bp.get("/")
def index() -> Response:
    """The dashboard."""
    periods = dashboard.chart_set()  # first: reading the roll-ups ends the session's transaction
    body = render_template(
        "ops/index.html",
        live=dashboard.live(),
        periods=periods,
        history=dashboard.alert_history(),
        audit_lines=audit.recent(AUDIT_LINES),
        pages=other_pages(),
    )
    return page_response(body)


@bp.get("/live")
def live() -> Response:
    """The live part alone (alerts, queues, workers), for app.js's refresh."""
    if not is_htmx():
        return redirect(url_for("ops.index"))
    return page_response(render_template("ops/_live.html", live=dashboard.live()))


@bp.get("/charts")
def charts() -> Response:
    """The charts alone, for app.js's refresh once a minute."""
    if not is_htmx():
        return redirect(url_for("ops.index", _anchor="charts"))
    return page_response(render_template("ops/_chart_set.html", periods=dashboard.chart_set()))


def said(words: str, queue: str) -> Markup:
    """A flash about a queue in the reader's language, the queue's name isolated as data."""
    return Markup(_(words, queue=bdi(queue)))  # the name is escaped by bdi(), the words ours


def known_queue(queue: str) -> str:
    """The queue's name if the app declares it; 404 otherwise."""
    if queue not in QUEUES:
        abort(404)
    return queue


@bp.post("/queues/<queue>/pause")
def pause_queue(queue: str) -> Response:
    """Pause a queue: its jobs stay pending until it is resumed."""
    queue = known_queue(queue)
    if pauses.pause(queue, current_user):
        audit.record(current_user, "pause", "queue", queue)
        flash(
            said(N_("Queue %(queue)s paused: its jobs wait until you resume it."), queue), "success"
        )
    else:
        flash(said(N_("Queue %(queue)s was already paused; nothing changed."), queue), "info")
    return redirect(url_for("ops.index", _anchor="queues"))


@bp.post("/queues/<queue>/resume")
def resume_queue(queue: str) -> Response:
    """Resume a queue and send its waiting jobs to the workers again."""
    queue = known_queue(queue)
    sent = pauses.resume(queue, current_user)
    if sent is None:
        flash(said(N_("Queue %(queue)s was not paused; nothing changed."), queue), "info")
    else:
        audit.record(current_user, "resume", "queue", queue, f"{plural(sent, 'job')} sent")
        flash(resumed_words(queue, sent, SCAN_BATCH), "success")
    return redirect(url_for("ops.index", _anchor="queues"))


@bp.post("/ping")
def send_ping() -> Response:
    """Send a ping to every queue; the answers follow at /ops/ping/<token>."""
    token = ping.send_pings()
    if not is_htmx():
        if token is None:
            flash(_("No Redis: there are no workers to ping with a stub broker."), "error")
            return redirect(url_for("ops.index", _anchor="ping"))
        return redirect(url_for("ops.ping_answers", token=token))
    answers = [] if token is None else ping.results(token)
    return page_response(
        render_template("ops/_ping.html", token=token, answers=answers, no_redis=token is None)
    )


@bp.get("/ping/<token>")
def ping_answers(token: str) -> Response:
    """Each queue's answer so far; the partial polls itself while a queue is still waiting."""
    if not TOKEN.fullmatch(token):
        abort(404)
    template = "ops/_ping.html" if is_htmx() else "ops/ping.html"
    return page_response(render_template(template, token=token, answers=ping.results(token)))
