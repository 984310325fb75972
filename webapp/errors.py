"""Error pages in the site layout; JSON for clients that ask for it."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.query import BadQuery

log = logging.getLogger(__name__)

PAGES = {403: "errors/403.html", 404: "errors/404.html", 410: "errors/410.html"}


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
        return render_template(template, error=error, code=code), code

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
