"""The admins' pages for the machinery: /ops (queues, workers, charts, alerts, audit),
the failed jobs with their retry and discard actions, and the search over every job.

Staff get 404 on every ops URL and action, exactly as for a page that does not exist.
"""

from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("ops", __name__, url_prefix="/ops")


@bp.before_request
def admins_only() -> None:
    """Anyone but a signed-in admin gets 404 (sign-in itself is checked app-wide first)."""
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


from webapp.ops import failed_routes, routes, search_routes  # noqa: E402,F401  (adds routes)
