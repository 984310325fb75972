"""Development: mail and SMS land in the outbox folder, and admins read them at /dev/outbox."""

from __future__ import annotations

import re

from webapp.extensions import db
from webapp.notifications import outbox


def _deliver(channel: str, recipient: str, subject: str, body: dict, key: str) -> str | None:
    with db.engine.begin() as conn:
        outbox_id = outbox.add(conn, key, channel, recipient, subject, body)
    return outbox.deliver(outbox_id)


def _written(app_client, name_part: str) -> str:
    page = app_client.get("/dev/outbox").get_data(as_text=True)
    found = re.findall(r'href="/dev/outbox/([^"]+)"', page)
    assert found, page
    return next(n for n in found if n.endswith(name_part))


def test_admins_read_mail_and_sms_written_in_development(dev_mail, admin_client):
    """An email (with its HTML, sandboxed) and an SMS, newest first, with who and what."""
    body = {
        "template": "bulk",
        "text": "Hello Amal,\n\nNew teas are in.",
        "unsubscribe": "https://x.example/u/1",
    }
    assert _deliver("email", "amal@example.com", "New teas", body, "t-dev-1") == "sent"
    assert (
        _deliver("sms", "+966501234567", "", {"text": "Your order SO-1 is confirmed"}, "t-dev-2")
        == "sent"
    )
    page = admin_client.get("/dev/outbox").get_data(as_text=True)
    assert "2 messages" in page
    assert page.index("Your order SO-1 is confirmed") < page.index("New teas")  # newest first
    sms = admin_client.get(f"/dev/outbox/{_written(admin_client, '.sms')}").get_data(as_text=True)
    assert "+966501234567" in sms and "Idempotency-Key" in sms and "t-dev-2" in sms
    name = _written(admin_client, ".eml")
    mail = admin_client.get(f"/dev/outbox/{name}").get_data(as_text=True)
    assert "amal@example.com" in mail and "New teas are in." in mail
    assert "List-Unsubscribe" in mail and "View the HTML version" in mail
    html = admin_client.get(f"/dev/outbox/{name}/html")
    assert html.status_code == 200 and "<p>Hello Amal,</p>" in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"].startswith("sandbox;")


def test_staff_and_production_get_404(dev_mail, staff_client, app, monkeypatch):
    """Only admins, only outside production; names outside the folder's pattern are refused."""
    assert staff_client.get("/dev/outbox").status_code == 404


def test_not_in_production_and_no_path_tricks(dev_mail, admin_client, app, monkeypatch):
    """Production answers 404; a name that is not a message file is 404 too."""
    assert admin_client.get("/dev/outbox/..%2Fsecret_key").status_code == 404
    assert admin_client.get("/dev/outbox/20250101-000000-abcdef12.txt").status_code == 404
    monkeypatch.setitem(app.config, "TAMAM_ENV", "production")
    assert admin_client.get("/dev/outbox").status_code == 404
