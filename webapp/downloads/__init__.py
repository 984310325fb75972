"""Signed, expiring download links for job results, and the route that serves them."""

from flask import Blueprint

bp = Blueprint("downloads", __name__)

from webapp.downloads import routes  # noqa: E402,F401  (registers the routes on bp)
