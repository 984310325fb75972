"""One error envelope for every API answer that is not a success.

`{"error": {"code": ..., "message": ..., "details": ...}}`; the codes are stable and listed in
the README. Handlers here are called by the app-wide ones (webapp.errors) for /v1 paths, so
routing errors (404, 405), body limits (413) and the rate limit (429) get the same shape.

Messages are in the request's `Accept-Language` (Arabic or English; English without one),
codes never change. Each answer says its language in `Content-Language`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from flask import current_app, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.i18n import DEFAULT_LANGUAGE, N_, header_language
from webapp.i18n import gettext as _

log = logging.getLogger("tamam.api")

PREFIX = "/v1"

# code: (HTTP status, what it means) -- listed in the README.
CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, N_("The request could not be read (for example a bad query parameter).")),
    "malformed_json": (400, N_("The body is not valid JSON.")),
    "unauthorized": (401, N_("No token, an unknown token or a revoked one.")),
    "not_found": (404, N_("No such resource, or not yours: both answer the same.")),
    "method_not_allowed": (405, N_("The path exists but not with this method (see Allow).")),
    "job_final": (409, N_("The job already finished: there is nothing to cancel.")),
    "job_not_completed": (409, N_("The job has no file to download (yet, or ever).")),
    "idempotency_key_reused": (409, N_("This Idempotency-Key was used with another request.")),
    "result_expired": (410, N_("The job's file was removed after its time to live.")),
    "payload_too_large": (413, N_("The body is over MAX_CONTENT_LENGTH.")),
    "unsupported_media_type": (415, N_("POST bodies must be application/json.")),
    "validation_failed": (
        422,
        N_("The body is well-formed but some fields are wrong; see details."),
    ),
    "rate_limited": (429, N_("Too many POSTs with this token; wait for Retry-After seconds.")),
    "internal_error": (500, N_("Something went wrong on our side; it is logged.")),
    "service_unavailable": (503, N_("A service the API needs is down; try again shortly.")),
}
BY_STATUS = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
             409: "job_final", 410: "result_expired", 413: "payload_too_large",
             415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
             500: "internal_error", 503: "service_unavailable"}  # fmt: skip


# Werkzeug's own descriptions of the errors it raises (routing, body limits), said again in
# the request's language where they are shown (English stays werkzeug's, word for word).
WERKZEUG_WORDS = (
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("The server does not support the media type transmitted in the request."),
)


def api_language() -> str:
    """The language of an API answer: the best of Accept-Language we speak, else English.

    As webapp.i18n.select_locale decides for the API's blueprints, and also for /v1 paths no
    route matched (which belong to no blueprint): never the session's or a cookie's.
    """
    if "Accept-Language" not in request.headers:
        return DEFAULT_LANGUAGE
    return header_language() or DEFAULT_LANGUAGE


@contextmanager
def in_api_language() -> Iterator[None]:
    """Translate inside the block in api_language(), whatever blueprint the request has."""
    with force_locale(api_language()):
        yield


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _patterns(msgids: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for msgid in msgids:
        parts, last = [], 0
        for match in PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last : match.start()]))
            parts.append(f"(?P<{match.group(1)}>.+?)")
            last = match.end()
        parts.append(re.escape(msgid[last:]))
        compiled.append((re.compile("".join(parts) + r"\Z", re.S), msgid))
    return tuple(compiled)


def say_known(text: str, msgids: Iterable[str]) -> str:
    """English written elsewhere (werkzeug, another area's module) in the request's language,
    when it is one of `msgids` (placeholders filled back in as they were); else as it is."""
    if api_language() == DEFAULT_LANGUAGE:
        return text
    for pattern, msgid in _patterns(tuple(msgids)):
        match = pattern.match(text)
        if match is not None:
            return _(msgid, **match.groupdict()) if match.groupdict() else _(msgid)
    return text


class ApiError(Exception):
    """An error the API answers with its envelope."""

    def __init__(self, code: str, message: str, details: Any = None, *,
                 headers: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.code = code
        self.status = CODES[code][0]
        self.message = message
        self.details = details
        self.headers = headers or {}


KNOWN_WORDS = WERKZEUG_WORDS + tuple(meaning for _status, meaning in CODES.values())


def is_api_request() -> bool:
    """True for every path under /v1, matched by a route or not."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def envelope(code: str, message: str, details: Any = None, status: int | None = None,
             headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The JSON response for an error."""
    response = jsonify(error={"code": code, "message": message, "details": details})
    response.status_code = status or CODES[code][0]
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="tamam"')
    response.headers["Cache-Control"] = "no-store"
    speaks(response)
    return response


def speaks(response: Response) -> Response:
    """Content-Language of an API answer, and Vary: Accept-Language (its words follow it)."""
    response.headers["Content-Language"] = api_language()
    response.vary.add("Accept-Language")
    return response


def api_error(error: ApiError) -> Response:
    """An ApiError raised by a view or a hook."""
    return envelope(error.code, error.message, error.details, error.status, error.headers)


def http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, 429...) in the envelope."""
    status = error.code or 500
    code = BY_STATUS.get(status, "bad_request" if status < 500 else "internal_error")
    headers: dict[str, str] = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods or []))
    with in_api_language():  # a path no route matched has no blueprint: the header decides
        if status == 429:
            headers["Retry-After"] = str(_rate_limit_retry_after())
            message = _("Too many requests with this token; try again after Retry-After seconds.")
        elif status == 404:
            message = _("Not found.")
        else:
            message = say_known(error.description or CODES[code][1], KNOWN_WORDS)
    return envelope(code, message, None, status, headers)


def server_error(error: Exception) -> Response:
    """Anything unexpected: logged, and a 500 that says nothing of the inside."""
    log.exception("API error on %s %s", request.method, request.path)
    with in_api_language():
        message = _("Internal server error.")
    return envelope("internal_error", message, None, 500)


def _rate_limit_retry_after() -> int:
    """Seconds until the breached window resets (at least 1)."""
    from webapp.api.limits import limiter

    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # storage trouble: a minute is a safe answer
        current_app.logger.warning("Could not read the rate limit window", exc_info=True)
    return 60
