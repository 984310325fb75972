"""The public ends of notifications, each with its own credentials instead of a session.

- /unsubscribe/<token>: the link in every bulk email (and its List-Unsubscribe header). GET
  asks, POST records the opt-out; a mail client's one-click POST (RFC 8058) works the same.
  The signed token is the credential, so the POST carries no CSRF token.
- /hooks/sms/status: Twilio's StatusCallback, checked with X-Twilio-Signature (HMAC-SHA1 of
  the URL and the sorted form fields with the auth token); it records what became of a
  message (delivered, undelivered with its error code) on its outbox row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from webapp.extensions import csrf, db
from webapp.models.ops import OutboxMessage
from webapp.models.sales import Customer
from webapp.notifications import optouts
from webapp.notify import bp

CHANNEL_WORDS = {"email": _l("emails"), "sms": _l("text messages"),
                 "whatsapp": _l("WhatsApp messages")}  # fmt: skip


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int] | str:
    """Ask (GET), then record (POST) that the customer leaves the token's channel."""
    found = optouts.read_token(token)
    customer = db.session.get(Customer, found[0]) if found else None
    if found is None or customer is None:
        return render_template("notify/unsubscribe.html", bad=True), 404
    channel = found[1]
    done = request.method == "POST"
    if done:
        with db.engine.begin() as conn:
            optouts.opt_out(conn, [customer.id], channel, "link")
    return render_template(
        "notify/unsubscribe.html",
        bad=False,
        done=done,
        words=CHANNEL_WORDS[channel],
        address=_masked(customer.email if channel == "email" else customer.phone or ""),
    )


csrf.exempt(unsubscribe)  # the signed token is the credential (and mail clients post alone)


def _masked(address: str) -> str:
    """'s***@example.com', '+9665******67': enough to recognise, not to harvest."""
    if "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address[:5] + "*" * max(0, len(address) - 7) + address[-2:]


def twilio_signature(url: str, form: dict[str, str], token: str) -> str:
    """Twilio's X-Twilio-Signature for a POST to `url` with `form`."""
    data = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@bp.post("/hooks/sms/status")
def sms_status() -> Response:
    """Record Twilio's news about a message (MessageSid, MessageStatus, ErrorCode)."""
    config = current_app.config
    token = str(config.get("TWILIO_AUTH_TOKEN", ""))
    url = str(config.get("SMS_STATUS_CALLBACK_URL", ""))
    form = {key: request.form[key] for key in request.form}
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not url or not hmac.compare_digest(given, twilio_signature(url, form, token)):
        abort(403)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")[:20]
    if sid and status:
        values: dict[str, object] = {"delivery_status": status}
        if form.get("ErrorCode"):
            values["last_error"] = f"Twilio {form['ErrorCode']}: {status}"
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.provider_id == sid).values(**values)
        )
        if form.get("ErrorCode") in {"21610"}:  # the recipient replied STOP
            ids = db.session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.provider_id == sid)
            ).all()
            optouts.opt_out_rows(db.session.connection(), list(ids), "provider")
        db.session.commit()
    return Response(status=204)


csrf.exempt(sms_status)  # Twilio signs its requests; it has no session
