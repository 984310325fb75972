"""/dev/outbox: in development (no MAIL_SERVER, no SMS provider), what would have been sent.

Admins only, and never in production: anyone else, or any request in production, gets 404.
An email's HTML is served on its own under a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.notifications import devbox
from webapp.notify import bp

PAGE = 100
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _allowed() -> None:
    if current_app.config.get("TAMAM_ENV") == "production" or not current_user.is_admin:
        abort(404)


@bp.get("/dev/outbox")
def dev_outbox() -> str:
    """The newest messages in the outbox folder, a page at a time."""
    _allowed()
    names = devbox.names()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    shown = [e for n in names[(page - 1) * PAGE : page * PAGE] if (e := devbox.entry(n))]
    return render_template(
        "notify/dev_outbox.html",
        entries=shown,
        total=len(names),
        page=page,
        pages=max(1, -(-len(names) // PAGE)),
        folder=str(devbox.folder()),
    )


@bp.get("/dev/outbox/<name>")
def dev_message(name: str) -> str:
    """One message: its headers and text (and a link to an email's HTML)."""
    _allowed()
    message = devbox.read(name)
    if message is None:
        abort(404)
    return render_template("notify/dev_message.html", message=message)


@bp.get("/dev/outbox/<name>/html")
def dev_message_html(name: str) -> Response:
    """An email's HTML part as its recipient's mail client would show it, sandboxed."""
    _allowed()
    message = devbox.read(name)
    if message is None or message.html is None:
        abort(404)
    response = make_response(message.html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = SANDBOX
    return response
