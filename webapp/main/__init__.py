"""The signed-in home page: the staff's start."""

from flask import Blueprint, render_template
from flask_login import current_user

from webapp.jobs.present import job_view
from webapp.main import start

bp = Blueprint("main", __name__)


@bp.get("/home")
def home() -> str:
    """Running jobs with live bars, ready downloads, recent failures and the two forms."""
    return render_template(
        "main/home.html",
        running=[job_view(job, admin=current_user.is_admin) for job in start.running(current_user)],
        ready=start.ready_downloads(current_user),
        failures=start.recent_failures(current_user),
        section_size=start.SECTION_SIZE,
        failure_days=start.FAILURE_DAYS,
        show_owner=current_user.is_admin,  # as in the rows the polls return
    )
