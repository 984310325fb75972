"""GET /metrics for Prometheus: a signed-in admin, or `Authorization: Bearer METRICS_TOKEN`."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.wrappers import Response

from webapp.monitoring.metrics import render_metrics

bp = Blueprint("metrics", __name__)


def _token_matches() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), token.encode())  # any text, not only ASCII
    )


@bp.get("/metrics")
def metrics() -> Response:
    """The figures in Prometheus text format; 401 without credentials, 404 for staff."""
    if not _token_matches():
        if not current_user.is_authenticated:
            return Response(
                "Sign in as an admin or send Authorization: Bearer <METRICS_TOKEN>.\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        if not current_user.is_admin:
            abort(404)
    return Response(render_metrics(), mimetype=CONTENT_TYPE_LATEST)
