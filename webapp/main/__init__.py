"""The signed-in home page."""

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/home")
def home() -> str:
    """The landing page after sign-in."""
    return render_template("main/home.html")
