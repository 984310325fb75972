"""Notifications that staff send and the machinery's public ends: announcements and order
confirmations (pages), unsubscribe links and the SMS provider's status callbacks (public, each
with its own credentials), and, in development, the outbox folder at /dev/outbox (admins)."""

from flask import Blueprint

bp = Blueprint("notify", __name__)

from webapp.notify import dev_outbox, hooks, routes  # noqa: E402,F401  (registers the routes)
