"""New import (/imports/new) and the template files staff start from."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from webapp.imports import routes  # noqa: E402,F401  (registers the routes on bp)
