"""The JSON API, /v1: seed 001's 202 Accepted pattern for integrators.

Requests authenticate with a personal token (`Authorization: Bearer tamam_...`), never with
the session cookie; the blueprint is exempt from CSRF for the same reason (a cross-site page
can make a browser send cookies, but not an Authorization header).
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/v1")

from webapp.api import routes  # noqa: E402,F401  (registers the routes on bp)
