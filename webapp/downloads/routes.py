"""GET /download/<token>: the owner's (or an admin's) result file, from a signed link."""

from __future__ import annotations

from flask import abort, render_template, send_file
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from webapp.downloads import bp
from webapp.engine.links import BadLink, file_name_of, read_token, result_file
from webapp.engine.service import get_job_for

TAMPERED = (
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


@bp.get("/download/<token>")
def download(token: str) -> Response | tuple[str, int]:
    """Serve the file of a signed link to its signed-in owner or an admin."""
    try:
        link = read_token(token)
    except BadLink:
        abort(403, description=TAMPERED)
    job = get_job_for(current_user, link.job_id)
    if job is None:
        abort(404)
    if file_name_of(job) != link.file_name:
        abort(403, description=TAMPERED)
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
    return response
