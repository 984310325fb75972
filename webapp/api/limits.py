"""Flask-Limiter: a per-token limit on the API's POSTs, counted in the app's Redis."""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter

from webapp.api.auth import bearer_secret


def token_key() -> str:
    """Count per presented token (hashed: the secret never reaches Redis); else per address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "addr:" + (request.remote_addr or "unknown")


def post_limit() -> str:
    """API_RATE_LIMIT, read per request so that tests and deployments can change it."""
    return str(current_app.config.get("API_RATE_LIMIT") or "60 per minute")


# No limit applies unless a view asks for one; headers are ours (Retry-After only on 429, where
# the 202's own Retry-After, from the ETA, must not be overwritten by the window's reset).
limiter = Limiter(
    token_key,
    headers_enabled=False,
    key_prefix="tamam-api",
    strategy="fixed-window",
    swallow_errors=True,  # Redis down: let the request through rather than fail it
)
post_rate_limit = limiter.shared_limit(post_limit, scope="api-post", methods=["POST"])


def init_app(app: Flask) -> None:
    """Count in the app's Redis (RATELIMIT_STORAGE_URI, else REDIS_URL).

    Only decorated views have limits, and their decorator checks them; the extension's own
    before_request pass (for app-wide limits, of which there are none) is taken off, so that
    no other request, page or API, pays for it.
    """
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
