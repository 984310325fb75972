"""Sign-in, sign-out and the user service."""

import hmac

from flask import Blueprint

from webapp.extensions import db, login_manager
from webapp.models.user import User, password_fingerprint
from webapp.query import parse_int

bp = Blueprint("auth", __name__)

from webapp.auth import api_access, routes  # noqa: E402,F401


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Reload the user from '<id>.<fingerprint>' (User.get_id); None if disabled or stale.

    A fingerprint that no longer matches the password hash means the password changed since
    this session or remember cookie was made: it no longer signs anyone in.
    """
    number, _, fingerprint = user_id.partition(".")
    try:
        key = parse_int(number, minimum=1, maximum=2**63 - 1)
    except ValueError:
        return None
    user = db.session.get(User, key)
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(fingerprint, password_fingerprint(user.password_hash)):
        return None
    return user
