"""Error pages in the site layout; JSON for clients that ask for it."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, N_, current_language
from webapp.i18n import gettext as _
from webapp.query import BadQuery

log = logging.getLogger(__name__)

PAGES = {403: "errors/403.html", 404: "errors/404.html", 410: "errors/410.html"}
# Werkzeug's words for the errors a page can meet, in our catalog (translated where shown).
TITLES = {
    400: N_("Bad request"),
    401: N_("Sign-in needed"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    410: N_("Gone"),
    413: N_("Too large"),
    415: N_("Unsupported file type"),
    422: N_("Can't be processed"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Unavailable for now"),
}
DESCRIPTIONS = {
    400: N_("The request could not be understood. Go back and try again."),
    401: N_("Sign in to open this page."),
    403: N_("Your account doesn't have access to this page, or the link was changed."),
    404: N_("The page or job doesn't exist, or it isn't yours."),
    405: N_("This address doesn't accept that kind of request."),
    409: N_("Something changed in the meantime. Reload the page and try again."),
    410: N_("This is no longer available."),
    413: N_("What you sent is too large."),
    415: N_("This type of file isn't accepted."),
    422: N_("What you sent could not be processed."),
    429: N_("Too many requests. Wait a moment and try again."),
    500: N_("The error has been logged. Nothing you sent was lost; please try again in a moment."),
    503: N_("The service is busy or paused. Try again in a moment."),
}


def error_words(error: HTTPException) -> tuple[str, str]:
    """The error's title and description in the reader's language.

    A description given with abort() is shown when a catalog has it; Werkzeug's default one
    (or one no catalog knows, in Arabic) gives way to ours.
    """
    code = error.code or 500
    title = _(TITLES[code]) if code in TITLES else _(error.name or "Error")
    description = error.description or ""
    default = description == type(error).description
    translated = _(description) if description else ""
    untranslated = translated == description and current_language() != DEFAULT_LANGUAGE
    if (default or not description or untranslated) and code in DESCRIPTIONS:
        translated = _(DESCRIPTIONS[code])
    return title, translated


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    from webapp.api import errors as api

    app.register_error_handler(api.ApiError, api.api_error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int]:
        code = error.code or 500
        if api.is_api_request():  # /v1: the API's one envelope, whatever the error
            return api.http_error(error), code
        if wants_json():
            return jsonify(error={"code": f"HTTP{code}", "message": error.description}), code
        template = PAGES.get(code, "errors/generic.html")
        title, description = error_words(error)
        return render_template(
            template, error=error, code=code, title=title, description=description
        ), code

    @app.errorhandler(BadQuery)
    def bad_query(error: BadQuery) -> tuple[Response | str, int]:
        # A query parameter that does not parse: 400 saying which one and why.
        return http_error(BadRequest(str(error)))

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[Response | str, int]:
        db.session.rollback()
        if api.is_api_request():
            return api.server_error(error), 500
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return jsonify(error={"code": "HTTP500", "message": "Internal server error"}), 500
        return render_template("errors/500.html"), 500
