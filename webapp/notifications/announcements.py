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
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from webapp.engine.errors import ParamError
from webapp.engine.registry import JobContext
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from webapp.i18n import gettext as _
from webapp.notifications import optouts
from webapp.notifications.audience import Audience, audience_from, check_placeholders, fill
from webapp.notifications.fanout import Batch, Draft, FanOut, batch_size
from webapp.notifications.outbox import FAILED, SKIPPED
from webapp.notifications.phones import BadNumber, to_e164

CHANNELS = {"email": _l("Email"), "sms": "SMS", "whatsapp": "WhatsApp"}
SUBJECT_MAX = 150
BODY_MAX = 1600  # Twilio's longest message body
# Stored as a delivery's reason (kept in English), shown through _() on the report.
OPTED_OUT = N_("opted out")
NO_PHONE = N_("no phone number")


def validate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check the message, the audience and the channels; count the audience now."""
    subject = " ".join(str(raw.get("subject") or "").split())
    body = str(raw.get("body") or "").replace("\r\n", "\n").strip()
    channels = raw.get("channels") or []
    if isinstance(channels, str):
        channels = [c for c in channels.replace(",", " ").split() if c]
    channels = [c for c in CHANNELS if c in set(channels)]
    if not channels:
        raise ParamError("channels", _("Choose at least one channel: email, SMS or WhatsApp."))
    if "email" in channels and not subject:
        raise ParamError("subject", _("An email needs a subject."))
    if len(subject) > SUBJECT_MAX:
        raise ParamError(
            "subject", _("A subject can be at most %(max)s characters long.", max=SUBJECT_MAX)
        )
    if not body:
        raise ParamError("body", _("Write the message."))
    if len(body) > BODY_MAX:
        raise ParamError(
            "body",
            _("A message can be at most %(max)s characters long.", max=format_number(BODY_MAX)),
        )
    check_placeholders(subject, "subject")
    check_placeholders(body, "body")
    audience = audience_from(raw)
    recipients = audience.count()
    if recipients == 0:
        raise ParamError("audience", _("No customer is in this audience."))
    params = {"subject": subject, "body": body, **audience.as_params(), "channels": channels,
              "recipients": recipients}  # fmt: skip
    return {**params, **fixed_words_language(raw)}


def fixed_words_language(raw: Mapping[str, Any]) -> dict[str, str]:
    """{"language": "ar"} when the emails' fixed words (footer, headings) are not in English.

    The staff member's own words are sent as written; only the words Tamam adds follow this.
    English, the default, is not kept, so a job's parameters stay as they were without it.
    """
    language = str(raw.get("language") or DEFAULT_LANGUAGE).strip().lower()
    if language not in LANGUAGES:
        raise ParamError("language", _("Choose English or Arabic."))
    return {} if language == DEFAULT_LANGUAGE else {"language": language}


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
                draft.body = {
                    "template": "bulk",
                    "text": text,
                    "unsubscribe": url,
                    "language": params.get("language", DEFAULT_LANGUAGE),
                }
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
