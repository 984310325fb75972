"""Announcement: staff write a message once; one job sends it to every customer of an audience.

Parameters: subject and body (with {name}-style placeholders), an audience (all customers, a
region, or those who ordered in a period) and channels (email, sms, whatsapp). Each customer
gets one message per channel: an email with an unsubscribe link, an SMS or WhatsApp message
where they have a phone number; customers who left a channel are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import current_app

from webapp.engine.errors import ParamError
from webapp.engine.registry import JobContext
from webapp.extensions import db
from webapp.notifications import optouts
from webapp.notifications.audience import Audience, audience_from, check_placeholders, fill
from webapp.notifications.fanout import Batch, Draft, FanOut, batch_size
from webapp.notifications.outbox import FAILED, SKIPPED
from webapp.notifications.phones import BadNumber, to_e164

CHANNELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp"}
SUBJECT_MAX = 150
BODY_MAX = 1600  # Twilio's longest message body
OPTED_OUT = "opted out"
NO_PHONE = "no phone number"


def validate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check the message, the audience and the channels; count the audience now."""
    subject = " ".join(str(raw.get("subject") or "").split())
    body = str(raw.get("body") or "").replace("\r\n", "\n").strip()
    channels = raw.get("channels") or []
    if isinstance(channels, str):
        channels = [c for c in channels.replace(",", " ").split() if c]
    channels = [c for c in CHANNELS if c in set(channels)]
    if not channels:
        raise ParamError("channels", "Choose at least one channel: email, SMS or WhatsApp.")
    if "email" in channels and not subject:
        raise ParamError("subject", "An email needs a subject.")
    if len(subject) > SUBJECT_MAX:
        raise ParamError("subject", f"A subject can be at most {SUBJECT_MAX} characters long.")
    if not body:
        raise ParamError("body", "Write the message.")
    if len(body) > BODY_MAX:
        raise ParamError("body", f"A message can be at most {BODY_MAX:,} characters long.")
    check_placeholders(subject, "subject")
    check_placeholders(body, "body")
    audience = audience_from(raw)
    recipients = audience.count()
    if recipients == 0:
        raise ParamError("audience", "No customer is in this audience.")
    return {"subject": subject, "body": body, **audience.as_params(), "channels": channels,
            "recipients": recipients}  # fmt: skip


def audience_of(params: Mapping[str, Any]) -> Audience:
    """The audience a job's parameters name."""
    return audience_from(params)


def drafts_for(job_id: str, params: Mapping[str, Any], customers: list[Any],
               left: set[tuple[int, str]]) -> list[Draft]:  # fmt: skip
    """Every delivery for a batch of customers, opted-out and unreachable ones as skipped."""
    region = str(current_app.config.get("NOTIFY_PHONE_REGION", "SA"))
    drafts = []
    for customer in customers:
        text = fill(params["body"], customer)
        subject = fill(params["subject"], customer)
        for channel in params["channels"]:
            key = f"{job_id}:{channel}:{customer.id}"
            draft = Draft(key, channel, customer.email, subject, customer_id=customer.id)
            if (customer.id, channel) in left:
                draft.status, draft.reason = SKIPPED, OPTED_OUT
            elif channel == "email":
                url = optouts.unsubscribe_url(customer.id, "email")
                draft.body = {"template": "bulk", "text": text, "unsubscribe": url}
            elif not customer.phone:
                draft.recipient, draft.status, draft.reason = "", SKIPPED, NO_PHONE
            else:
                draft.body = {"text": text}
                try:
                    draft.recipient = to_e164(customer.phone, region)
                except BadNumber as exc:
                    draft.recipient, draft.status, draft.reason = customer.phone, FAILED, str(exc)
            drafts.append(draft)
    return drafts


def run(ctx: JobContext) -> dict[str, Any]:
    """Send the announcement to its audience, batch by batch."""
    params = ctx.params
    audience = audience_of(params)
    fanout = FanOut(ctx, audience.count(), "customers", params["channels"])

    def batches() -> Iterator[Batch]:
        for customers in audience.batches(batch_size()):
            with db.engine.connect() as conn:
                left = optouts.opted_out(conn, [c.id for c in customers])
            yield Batch(len(customers), drafts_for(ctx.job_id, params, customers, left))

    fanout.run(batches())
    from webapp.notifications.report import counts

    return {"counts": counts(ctx.job_id)}
