"""GET /download/<token>: a job's result file, from a signed link.

The link is a capability: it works without a session until it expires, for whoever holds it
(a script, a colleague who got the email). DOWNLOAD_REQUIRES_LOGIN=true asks for the owner or
an admin to be signed in as well. Every download is a line on the job's timeline.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request, send_file
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from webapp.downloads import bp
from webapp.engine.clock import db_time
from webapp.engine.links import BadLink, file_name_of, read_token, result_file
from webapp.engine.service import get_job, get_job_for
from webapp.extensions import db, login_manager
from webapp.i18n import N_
from webapp.i18n import gettext as _
from webapp.models.job import Job, JobEvent

TAMPERED = N_(
    "This download link is not valid: it was changed or copied incompletely. "
    "Open the job from My jobs to get a working link."
)


@bp.after_request
def private_headers(response: Response) -> Response:
    """Nothing from here is cached, sniffed, or leaks the token in a Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _requires_login() -> bool:
    return bool(current_app.config.get("DOWNLOAD_REQUIRES_LOGIN", False))


def _job_for(job_id: str) -> Job | None:
    """The link's job: anyone's with a capability link, only a visible one under login."""
    if _requires_login():
        return get_job_for(current_user, job_id)
    return get_job(job_id)


def record_download(job: Job) -> None:
    """Add 'Downloaded from <address> [by <email>]' to the job's timeline."""
    address = (request.remote_addr or "unknown address")[:64]
    if current_user.is_authenticated:
        detail = N_("Downloaded from %(address)s by %(email)s") % {
            "address": address, "email": current_user.email}  # fmt: skip
    else:
        detail = N_("Downloaded from %(address)s") % {"address": address}
    db.session.add(JobEvent(job_id=job.id, kind="downloaded", detail=detail, at=db_time()))
    db.session.commit()


@bp.get("/download/<token>")
def download(token: str) -> Response | tuple[str, int]:
    """Serve the file of a genuine, unexpired link (to its owner or an admin under login)."""
    if _requires_login() and not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    try:
        link = read_token(token)
    except BadLink:
        abort(403, description=_(TAMPERED))
    job = _job_for(link.job_id)
    if job is None:
        if _requires_login():
            abort(404)
        abort(410, description=_("This result no longer exists."))
    if file_name_of(job) != link.file_name:
        abort(403, description=_(TAMPERED))
    path = result_file(job)
    if path is None:
        return render_template("downloads/result_expired.html", job=job), 410
    if link.expired:
        return render_template("downloads/link_expired.html", job=job), 410
    content_type = str((job.result_data or {}).get("content_type") or "application/octet-stream")
    response = send_file(
        path,
        mimetype=content_type.split(";")[0].strip(),
        as_attachment=True,
        download_name=secure_filename(link.file_name) or "download",
        max_age=0,
    )
    record_download(job)
    return response
