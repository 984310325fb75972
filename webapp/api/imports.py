"""POST /v1/imports/<kind>: a spreadsheet as multipart/form-data, answered 202 like the others.

A blueprint of its own (same /v1 prefix, same token, same envelope and OpenAPI document) so
that its body is multipart, not JSON, and may be as large as IMPORT_MAX_BYTES: the limit is set
before spectree reads the form. The file is checked as the New import page checks it (size,
content against extension, the kind's columns) before any job is made: 413 when too large,
415 when the body is not multipart, 422 for a file that cannot be imported.
"""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response as Resp
from spectree.model_adapter.pydantic_adapter import BaseFile
from spectree.models import Tag
from werkzeug.datastructures import FileStorage

from webapp.api import jobs
from webapp.api.auth import api_user, require_token
from webapp.api.errors import ApiError, speaks
from webapp.api.limits import post_rate_limit
from webapp.api.schemas import ErrorEnvelope, JobAccepted
from webapp.api.spec import spec
from webapp.engine.errors import ParamError
from webapp.engine.public import iso
from webapp.extensions import csrf
from webapp.i18n import gettext
from webapp.i18n import gettext as _
from webapp.importers.reading import FileRefused
from webapp.importers.uploads import max_bytes, size_words, stage, submit_import
from webapp.models.types import utcnow

bp = Blueprint("api_imports", __name__, url_prefix="/v1")
csrf.exempt(bp)  # a bearer token, never cookies (see webapp.api)
bp.before_request(require_token)

IMPORTS = Tag(name="imports", description="Spreadsheets to check and apply, row by row.")
FORM_OVERHEAD = 64 * 1024
ERRORS = {f"HTTP_{status}": ErrorEnvelope for status in (401, 404, 413, 415, 422, 429)}
# webapp.importers.uploads' refusal of a file over the limit (its catalog's words, not ours: a
# variable, so that extraction leaves it there): told apart from others in any language.
TOO_LARGE = (
    "The file is larger than %(size)s, the most one import takes: split it into smaller files."
)


class ImportUpload(BaseModel):
    """The multipart form: the file, and whether to apply it or check it only."""

    model_config = ConfigDict(extra="forbid")

    file: BaseFile = Field(description="The CSV (UTF-8 or Windows-1256) or XLSX file.")
    mode: Literal["check", "apply"] = Field(
        "apply", description="'check' writes nothing and counts what 'apply' would do."
    )
    name: str | None = Field(None, max_length=120, description="Your own label for the job.")


@bp.before_request
def multipart_under_the_import_limit() -> None:
    """415 unless multipart/form-data; the body may be up to IMPORT_MAX_BYTES."""
    if request.method != "POST":
        return
    if request.mimetype != "multipart/form-data":
        raise ApiError("unsupported_media_type",
                       _("Send the file as multipart/form-data with a part called 'file'."),
                       {"content_type": request.mimetype or None})  # fmt: skip
    request.max_content_length = max_bytes() + FORM_OVERHEAD


def _refused(message: str) -> ApiError:
    too_large = gettext(TOO_LARGE, size=size_words(max_bytes()))
    if message.startswith("The file is larger than") or message == too_large:
        return ApiError("payload_too_large", message, {"max_bytes": max_bytes()})
    return ApiError("validation_failed", _("Some fields are not valid: %(fields)s.", fields="file"),
                    [{"field": "file", "message": message}])  # fmt: skip


def _named(upload: FileStorage) -> str:
    """The part's file name; one without an extension gets the one its first bytes say."""
    name = upload.filename or "upload"
    if "." not in name.rsplit("/", 1)[-1]:
        head = upload.stream.read(4)
        upload.stream.seek(0)
        name += ".xlsx" if head == b"PK\x03\x04" else ".csv"
    return name


@bp.post("/imports/<any(customers, products, prices):kind>")
@post_rate_limit
@spec.validate(form=ImportUpload, resp=Resp(HTTP_202=JobAccepted, **ERRORS), tags=[IMPORTS],
               path_parameter_descriptions={"kind": "customers, products or prices."})  # fmt: skip
def create_import(kind: str) -> Response:
    """Upload a spreadsheet of customers, products or prices to check and (by default) apply.

    A part named without an extension is taken as .xlsx when it is a ZIP archive, else as .csv;
    a named one must hold what its extension says. Answers 202 Accepted with `Location` and
    `Retry-After`, like the other requests; the job's
    result has `counts` (created, updated, unchanged, rejected) and, when rows were rejected,
    a `file_url` to them with each problem named. The file may be up to IMPORT_MAX_BYTES.
    """
    form: ImportUpload = request.context.form  # type: ignore[attr-defined]
    upload = form.file
    if not isinstance(upload, FileStorage):
        raise _refused(_("Send the file in a part called 'file'."))
    try:
        staged = stage(kind, _named(upload), upload.stream)
        job = submit_import(api_user(), kind, form.mode, staged, form.name)
    except FileRefused as exc:
        raise _refused(str(exc)) from None
    except ParamError as exc:
        raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.",
                                              fields=exc.field),
                       [{"field": exc.field, "message": exc.message}]) from None  # fmt: skip
    now = utcnow()
    eta = jobs.eta(job, now)
    body = {"job_id": job.id, "status": "pending", "created_at": iso(job.created_at),
            "estimated_completion": iso(eta), "status_url": jobs.status_url(job.id)}  # fmt: skip
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = jobs.status_url(job.id)
    response.headers["Retry-After"] = str(jobs.retry_after(eta, now))
    response.headers["Cache-Control"] = "no-store"
    return speaks(response)
