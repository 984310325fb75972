"""New import (/imports/new): choose a kind, upload a file, check only or apply; templates.

The body limit of this one view is IMPORT_MAX_BYTES (plus the form's own few bytes), not
MAX_CONTENT_LENGTH; the view is exempt from CSRFProtect's early check (which would read the
body under the smaller limit first) and the form checks its CSRF token itself. A file over the
limit, of the wrong type, or without the kind's columns is refused here, before any job exists.
"""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from webapp.engine import service
from webapp.engine.errors import ParamError
from webapp.extensions import csrf
from webapp.i18n import gettext as _
from webapp.importers.kinds import KINDS
from webapp.importers.reading import CONTENT_TYPES, FORMATS, FileRefused
from webapp.importers.template import template_bytes, template_name
from webapp.importers.uploads import max_bytes, size_words, stage, submit_import
from webapp.imports import bp
from webapp.imports.forms import KIND_HINTS, KIND_LABELS, MODE_HINTS, NewImportForm

FORM_OVERHEAD = 64 * 1024  # the multipart envelope and the form's other fields


def too_large_words() -> str:
    """What a person reads when the upload is over the limit."""
    return _("The file is larger than %(size)s, the most one import takes: split it into "
             "smaller files.", size=size_words(max_bytes()))  # fmt: skip


def _read_body() -> bool:
    """Parse the POST body under the import limit; False when it is over the limit."""
    request.max_content_length = max_bytes() + FORM_OVERHEAD
    try:
        request.files  # noqa: B018  (parses the multipart body now, once)
    except RequestEntityTooLarge:
        return False
    return True


@bp.route("/imports/new", methods=["GET", "POST"])
def new_import() -> Response | tuple[str, int]:
    """The New import form; on success, the new job's page."""
    fits = request.method != "POST" or _read_body()
    form = NewImportForm() if fits else NewImportForm(formdata=None)
    status = 200
    if not fits:
        form.file.errors = [too_large_words()]
        status = 413
    elif form.validate_on_submit():
        job_id = _submit(form)
        if job_id:
            return redirect(url_for("jobs.show", job_id=job_id), 303)
        status = 400
    elif form.is_submitted():
        status = 400
        if form.csrf_token.errors:
            form.form_errors.append(_("The form had expired: choose the file again and resend it."))
    context = {
        "form": form,
        "kinds": KINDS,
        "kind_hints": KIND_HINTS,
        "kind_labels": KIND_LABELS,
        "mode_hints": MODE_HINTS,
        "formats": FORMATS,
        "max_bytes": max_bytes(),
        "max_words": size_words(max_bytes()),
        "too_large": too_large_words(),
        "name_max": service.NAME_MAX,
    }
    return render_template("imports/new.html", **context), status


csrf.exempt(new_import)  # the form checks its token once the body is read under the right limit


def _submit(form: NewImportForm) -> str | None:
    """Stage the upload and make the job; its id, or None with the form's messages set."""
    kind, mode = form.kind.data or "", form.mode.data or ""
    if kind not in KINDS:
        form.kind.errors = [_("Choose what to import.")]
        return None
    if mode not in ("check", "apply"):
        form.mode.errors = [_("Choose check only or check and apply.")]
        return None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a file to import.")]
        return None
    try:
        name = service.clean_name(form.name.data)
        staged = stage(kind, upload.filename, upload.stream)
        job = submit_import(current_user, kind, mode, staged, name)
    except FileRefused as exc:
        form.file.errors = [str(exc)]
        return None
    except ParamError as exc:
        target = form.name if exc.field == "name" else form.file
        target.errors = [exc.message]
        return None
    return job.id


@bp.get("/imports/templates/<kind>.<fmt>")
def template(kind: str, fmt: str) -> Response:
    """A kind's template: its columns and one example row, as CSV or XLSX."""
    found = KINDS.get(kind)
    if found is None or fmt not in FORMATS:
        abort(404)
    response = make_response(template_bytes(found, fmt))
    response.headers["Content-Type"] = CONTENT_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{template_name(found, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
