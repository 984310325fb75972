"""The staff's job pages: My jobs, a job's page, its live partials and its actions."""

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from webapp.jobs import actions, routes  # noqa: E402,F401  (registers the routes on bp)
