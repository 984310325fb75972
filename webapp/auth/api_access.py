"""The profile page's API section: personal tokens (make, name, list, revoke) and the webhook
signing secret (make, rotate). Each secret is shown once, on the page answering the POST that
made it, and never stored where it could be read again (a token is kept only as its hash)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.api.tokens import REVOKED, TokenError, create_token, revoke_token, tokens_of
from webapp.auth import bp
from webapp.auth.forms import ConfirmForm, ProfileForm, TokenForm
from webapp.i18n import gettext as _
from webapp.notifications.job_webhook import rotate_secret, secret_of


def render_profile(status: int = 200, form: ProfileForm | None = None, **shown: str) -> Response:
    """The profile page; `shown` holds a secret made by this very request, if any."""
    response = make_response(
        render_template(
            "auth/profile.html",
            form=form or ProfileForm(obj=current_user),
            token_form=TokenForm(),
            confirm_form=ConfirmForm(),
            tokens=tokens_of(current_user),
            webhook_secret=secret_of(current_user.id),
            **shown,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # a page that may show a secret
    return response


@bp.post("/profile/tokens")
@login_required
def create_api_token() -> Response:
    """Make a token and show its secret, this once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return render_profile(400)
    try:
        token, secret = create_token(current_user, form.name.data or "")
    except TokenError as exc:
        form.name.errors = [str(exc)]
        return render_profile(400)
    return render_profile(201, new_token=secret, new_token_name=token.name)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> Response:
    """Revoke one of the user's tokens: it stops working at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = revoke_token(current_user, token_id)
    except TokenError:
        abort(404)
    flash(_(REVOKED, name=token.name, prefix=token.prefix), "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/webhook-secret")
@login_required
def rotate_webhook_secret() -> Response:
    """Make (or replace) the webhook signing secret and show it, this once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return render_profile(201, new_webhook_secret=rotate_secret(current_user))
