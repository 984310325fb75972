"""Bulk mail carries List-Unsubscribe; the link asks, then records the opt-out."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.notifications.helpers import make_customers, outbox_rows
from webapp.extensions import db
from webapp.models.notify import OptOut
from webapp.notifications import optouts, outbox


def _opt_outs() -> list[tuple[int, str, str]]:
    db.session.rollback()
    return [(o.customer_id, o.channel, o.source) for o in db.session.scalars(select(OptOut))]


def test_bulk_mail_has_list_unsubscribe_and_one_click(app, inbox, client):
    """RFC 2369 and 8058 headers on the message; a one-click POST to the link opts out."""
    [customer] = make_customers(1)
    url = optouts.unsubscribe_url(customer)
    body = {"template": "bulk", "text": "Hello", "unsubscribe": url}
    with db.engine.begin() as conn:
        outbox_id = outbox.add(conn, "t-unsub-1", "email", "person0@notify.example.com", "Hi", body)
    assert outbox.deliver(outbox_id) == "sent"
    [message] = inbox.messages
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.get_payload()[0].get_payload(decode=True).decode()
    path = url.removeprefix("https://tamam.example.com")
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert _opt_outs() == [(customer, "email", "link")]
    assert outbox_rows(id=outbox_id)[0].status == "sent"


def test_the_link_asks_first_then_records(app, client):
    """GET changes nothing and shows a masked address; POST records it; twice is harmless."""
    [customer] = make_customers(1)
    path = optouts.unsubscribe_url(customer, "sms").split("tamam.example.com")[-1]
    path = re.sub(r"^https?://[^/]+", "", path)
    page = client.get(path)
    assert page.status_code == 200 and "+9665" in page.get_data(as_text=True)
    assert "person0" not in page.get_data(as_text=True)
    assert _opt_outs() == []
    assert "You are unsubscribed" in client.post(path).get_data(as_text=True)
    client.post(path)
    assert _opt_outs() == [(customer, "sms", "link")]


def test_a_forged_or_changed_token_does_nothing(app, client):
    """A token not signed by us, or for another channel name, is refused."""
    [customer] = make_customers(1)
    token = optouts.unsubscribe_token(customer, "email")
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert optouts.read_token(optouts._serializer().dumps([customer, "fax"])) is None
    assert _opt_outs() == []
