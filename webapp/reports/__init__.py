"""The forms staff fill in to ask for a sales report or an orders export."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from webapp.reports import routes  # noqa: E402,F401  (registers the routes on bp)
