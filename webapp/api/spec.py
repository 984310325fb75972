"""The OpenAPI 3.1 document, made by spectree from the routes and the pydantic models that
validate their requests: /v1/openapi.json, and a page for people at /v1/docs.

spectree validates each request before the view runs; its errors come back in the API's
envelope (422, naming each bad field) through `before`. Responses are checked against their
models only where API_VALIDATE_RESPONSES is true (by default under TESTING): the test suite and
schemathesis hold every answer to the document, and in production re-reading and validating
each body the view just built would cost a status poll a third of its time.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData, Tag
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin

from webapp.api.errors import ApiError, api_language
from webapp.i18n import DEFAULT_LANGUAGE, N_
from webapp.i18n import gettext as _

TITLE = "Tamam API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Ask for long work (a sales report, an orders export), get 202 Accepted at once, poll the "
    "job (honouring Retry-After) and download its file from a signed link. Every request needs "
    "a personal token: `Authorization: Bearer tamam_...` (make one on your profile page). "
    'Every error answers `{"error": {"code", "message", "details"}}`.'
)
JOBS = Tag(name="jobs", description="Requests for work and the jobs they make.")


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """A pydantic error location as the field a client sent: 'from', 'limit', 'body'."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ".".join(parts) or "body"


# What each field's pattern means, said when its value does not match it.
PATTERN_WORDS = {
    "from": N_("must be a date written as YYYY-MM-DD"),
    "to": N_("must be a date written as YYYY-MM-DD"),
    "callback_url": N_("must be an http or https URL"),
    "cursor": N_("is not a cursor this API gave"),
}
OTHER_FORM = N_("is not written in the expected form")
# Our own validators' messages (schemas.py), as pydantic passes them on.
OWN_WORDS = {N_("must be a real date written as YYYY-MM-DD")}
OBJECT_TYPES = {"model_type", "model_attributes_type", "dict_type"}


def _translated(error: dict[str, Any], field: str, english: str) -> str:
    """A pydantic error in the request's language, by its type; pydantic's English for a type
    not listed here (those a well-meant request does not meet)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("is not a field of this request")
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace(" or ", ", ")
        return _("must be one of %(allowed)s", allowed=allowed)
    if kind == "string_type":
        return _("must be text")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("must be a whole number")
    if kind == "string_too_long":
        return _("must be at most %(max)s characters long", max=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("must be at least %(min)s characters long", min=ctx.get("min_length"))
    if kind == "greater_than_equal":
        return _("must be at least %(min)s", min=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("must be at most %(max)s", max=ctx.get("le"))
    if kind == "string_pattern_mismatch":
        return _(PATTERN_WORDS.get(field, OTHER_FORM))
    if kind in OBJECT_TYPES:
        return _("must be a JSON object")
    if kind == "value_error" and english in OWN_WORDS:
        return _(english)
    return english


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    english_only = api_language() == DEFAULT_LANGUAGE  # English: word for word as it was
    details = []
    for error in errors:
        message = str(error.get("msg", "is not valid"))
        message = message.removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = "is not a field of this request"
        field = field_name(error.get("loc") or ())
        if not english_only:
            message = _translated(error, field, message)
        details.append({"field": field, "message": message})
    return details


def reject_invalid(req: Any, resp: Any, req_validation_error: Any, instance: Any,
                   *rest: Any) -> None:  # fmt: skip
    """spectree's `before` hook: a request that fails validation becomes our 422."""
    if req_validation_error is None:
        return
    details = _field_errors(req_validation_error.errors(include_url=False))
    names = ", ".join(dict.fromkeys(item["field"] for item in details))
    raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.", fields=names),
                   details)  # fmt: skip


def validates_responses() -> bool:
    """API_VALIDATE_RESPONSES, by default true under TESTING only."""
    return bool(current_app.config.get("API_VALIDATE_RESPONSES", current_app.testing))


class ApiPlugin(FlaskPlugin):  # type: ignore[misc]
    """spectree's Flask plugin, with response validation where validates_responses() says."""

    def request_validation(
        self, request: Any, query: Any, json: Any, form: Any, headers: Any, cookies: Any
    ) -> None:
        """Validate what the route has models for; nothing to read when it has none."""
        if all(model is None for model in (query, json, form, headers, cookies)):
            request.context = Context(None, None, None, None, None)
            return
        super().request_validation(request, query, json, form, headers, cookies)

    def validate_response(
        self, resp: Any, resp_model: Any, skip_validation: bool, force_resp_serialize: bool
    ) -> tuple[Any, Any]:
        """The view's own response as it is, unless responses are validated here."""
        if isinstance(resp, Response) and not validates_responses():
            return resp, None
        return super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)


spec = SpecTree(
    "flask",
    backend=ApiPlugin,
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    path="v1/_spectree",  # spectree's own routes are never registered: ours serve the document
    mode="strict",
    annotations=False,
    before=reject_invalid,
    naming_strategy=lambda model: model.__name__,  # plain names: one model per name here
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(type="http", scheme="bearer", bearer_format="tamam_..."),
        )
    ],
    security={"bearer": []},
)


def document() -> dict[str, Any]:
    """The OpenAPI document (built once per process, on first use, from the app's routes)."""
    return spec.spec  # type: ignore[no-any-return]
