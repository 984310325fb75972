"""Sign-in, sign-out and the user service."""

from flask import Blueprint

from webapp.extensions import db, login_manager
from webapp.models.user import User

bp = Blueprint("auth", __name__)

from webapp.auth import routes  # noqa: E402,F401


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Reload the signed-in user from the session; disabled users are signed out."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
