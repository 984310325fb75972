"""Sign-in at /login, sign-out at /logout, and the profile page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from webapp.auth import bp
from webapp.auth.forms import LoginForm, ProfileForm
from webapp.auth.service import authenticate
from webapp.extensions import db
from webapp.i18n import LANGUAGE_COOKIE, LANGUAGES
from webapp.i18n import gettext as _
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


def _signed_in_as(email: str) -> Markup:
    """'Signed in as <email>.', the email isolated as data (it reads left to right)."""
    return Markup(_("Signed in as %(email)s.", email=Markup("<bdi>%s</bdi>") % email))


# A year: the choice is a preference, kept until changed.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def _remember_language(code: str) -> Response:
    """Keep the language chosen on the sign-in page (a cookie) and show the page again.

    A GET link (`/login?lang=ar`): it changes nothing but how pages read to this browser, and
    the sign-in page is open to everyone. A signed-in user's own choice (profile) still comes
    first.
    """
    kept = {key: values for key, values in request.args.lists() if key != "lang"}
    response = redirect(url_for("auth.login", **kept))
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Show the sign-in form and sign the user in; `?lang=` switches its language."""
    if request.method == "GET" and "lang" in request.args:
        return _remember_language(request.args.get("lang", ""))
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
            refresh()  # the user's own language, if they chose one, from this flash on
            flash(_signed_in_as(result.user.email), "success")
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
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Response:
    """Let users turn the 'your report is ready' emails on or off and choose their language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.email_notifications = bool(form.email_notifications.data)
        if "language" in request.form:
            chosen = request.form["language"]
            current_user.language = chosen if chosen in LANGUAGES else None
        db.session.commit()
        refresh()  # the flash speaks the language just chosen
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.profile"))
    from webapp.auth.api_access import render_profile

    return render_profile(form=form)
