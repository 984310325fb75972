"""Sign-in at /login, sign-out at /logout, and the profile page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.auth import bp
from webapp.auth.forms import LoginForm, ProfileForm
from webapp.auth.service import authenticate
from webapp.extensions import db
from webapp.query import text_arg


def _safe_next(target: str | None) -> str:
    """Only follow ?next= to a path on this site.

    Browsers read a backslash as a slash and drop tabs and newlines, so `/\\evil.example`
    or `/<tab>/evil.example` would leave the site: anything with those is refused too.
    """
    if target and target.isprintable() and "\\" not in target and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    next_url = _safe_next(text_arg(request.args, "next", max_length=2000))
    form = LoginForm()
    status, retry_after = 200, 0
    if form.validate_on_submit():
        result = authenticate(form.email.data or "", form.password.data or "")
        if result.user is not None:
            session.clear()  # a fresh session at sign-in
            login_user(result.user, remember=bool(form.remember.data))
            flash(f"Signed in as {result.user.email}.", "success")
            return redirect(next_url)
        form.form_errors.append(result.error or "")
        retry_after = result.retry_after
        status = 429 if retry_after else 401
    elif request.method == "POST":
        status = 400
    response = make_response(render_template("auth/login.html", form=form), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
def logout() -> Response:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Response:
    """Let users turn the 'your report is ready' emails on or off."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.email_notifications = bool(form.email_notifications.data)
        db.session.commit()
        flash("Your preferences are saved.", "success")
        return redirect(url_for("auth.profile"))
    from webapp.auth.api_access import render_profile

    return render_profile(form=form)
