"""Notifications in Arabic: the announcement and confirmation forms, their errors, the delivery
report, the unsubscribe page, and the emails (a staff member's in their own language, a
customer's fixed words in the language chosen on the form)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_from
from tests.i18n.leftovers import english_leftovers
from tests.notifications.conftest import _forget_customers, inbox, twilio  # noqa: F401
from tests.notifications.helpers import REGION, make_customers, make_orders
from tests.notifications.test_fanout import DAY, opt_out, run
from tests.staff.helpers import make_job
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.user import User
from webapp.notifications import optouts, outbox, ready
from webapp.notifications.channels import compose_email

AR = {"Accept-Language": "ar"}
ANNOUNCE = "/notify/announcements/new"
CONFIRM = "/notify/confirmations/new"


def main_part(html: str) -> str:
    """The page's <main> (the layout around it is the core area's)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match is not None
    return match.group(0)


def html_tag(html: str) -> str:
    """The document's <html ...> tag."""
    match = re.search(r"<html[^>]*>", html)
    assert match is not None
    return match.group(0)


def announcement(client: FlaskClient, **values: object) -> dict[str, object]:
    """A filled announcement form (region audience, email and SMS)."""
    data: dict[str, object] = {
        "csrf_token": csrf_from(client, ANNOUNCE),
        "subject": "Hello {first_name}",
        "body": "Dear {name},\n\nOur {region} shop has new teas.",
        "audience": "region",
        "region": REGION,
        "channels": ["email", "sms"],
        "date_from": "",
        "date_to": "",
        "action": "preview",
    }
    data.update(values)
    return data


def test_the_announcement_form_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """The empty form: no English of ours; the same form in English is unchanged."""
    staff_client.get(ANNOUNCE)  # shows (and so clears) the sign-in flash, the core's words
    page = staff_client.get(ANNOUNCE, headers=AR).get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert english_leftovers(main_part(page)) == []
    for words in ("إعلان جديد", "من تصله", "العملاء في منطقة", "القنوات", "معاينة", "إرسال"):
        assert words in page
    assert re.search(r'<input[^>]*checked[^>]*value="ar"', page)  # follows the page's language
    english = staff_client.get(ANNOUNCE).get_data(as_text=True)
    assert "New announcement" in english and "Who gets it" in english
    assert "Customers in a region" in english
    assert re.search(r'<input[^>]*checked[^>]*value="en"', english)


def test_the_preview_and_its_errors_in_arabic(
    app: Flask, stub_broker: object, staff_client: FlaskClient
) -> None:
    """The preview's reach and counts, and a validator's message, in Arabic; user data in
    <bdi> or dir=auto."""
    ids = make_customers(5) + make_customers(2, phones=False, start=5)
    opt_out(ids[:1], "email")
    staff_client.get(ANNOUNCE)  # clears the sign-in flash
    page = staff_client.post(ANNOUNCE, data=announcement(staff_client), headers=AR)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert english_leftovers(main_part(html)) == []
    assert "إرسال إلى 7 عملاء" in html
    assert "سيصل إلى 6" in html and "1 ألغوا الاشتراك" in html and "2 بلا رقم هاتف" in html
    assert "العملاء في <bdi>Testland</bdi>" in html
    wrong = announcement(staff_client, body="Hi {nmae}", channels=[], action="send")
    page = staff_client.post(ANNOUNCE, data=wrong, headers=AR)
    assert page.status_code == 400
    assert "اختر قناة واحدة على الأقل" in page.get_data(as_text=True)
    english = staff_client.post(ANNOUNCE, data=announcement(staff_client)).get_data(as_text=True)
    assert "Send to 7 customers" in english and "Customers in <bdi>Testland</bdi>" in english
    assert re.search(r"<strong>Email</strong>: 6 will get it\s*<span class=\"muted\">"
                     r"\(1 opted out\)", english)  # fmt: skip


def test_the_confirmations_form_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """Confirm orders: the form and an error under its field."""
    staff_client.get(CONFIRM)  # clears the sign-in flash
    page = staff_client.get(CONFIRM, headers=AR).get_data(as_text=True)
    assert english_leftovers(main_part(page)) == []
    assert "تأكيد الطلبات" in page and "كل طلبات يوم" in page and "إرسال التأكيدات" in page
    data = {"csrf_token": csrf_from(staff_client, CONFIRM), "which": "date", "date": "soon"}
    page = staff_client.post(CONFIRM, data=data, headers=AR).get_data(as_text=True)
    assert "اكتب اليوم بالصيغة سنة-شهر-يوم" in page
    assert english_leftovers(main_part(page)) == []
    english = staff_client.get(CONFIRM).get_data(as_text=True)
    assert "Confirm orders" in english and "Every order of a day" in english


@pytest.mark.usefixtures("inbox", "twilio")  # a real SMTP server and a fake Twilio
def test_the_delivery_report_in_arabic(
    app: Flask, stub_broker: object, staff_client: FlaskClient
) -> None:
    """The report on the job's page: headings, columns and the known reasons in Arabic."""
    ids = make_customers(3) + make_customers(1, phones=False, start=3)
    opt_out(ids[:1], "sms")
    data = announcement(staff_client, action="send", language="ar")
    answer = staff_client.post(ANNOUNCE, data=data)
    assert answer.status_code == 303
    job_id = answer.headers["Location"].rsplit("/", 1)[-1]
    run(db.session.get(Job, job_id))
    html = staff_client.get(f"/jobs/{job_id}", headers=AR).get_data(as_text=True)
    report = re.search(r'<div class="delivery-report".*?id="report-csv"[^>]*>[^<]*</a>', html, re.S)
    assert report is not None, html
    assert english_leftovers(report.group(0)) == []
    assert "تقرير التسليم" in html and "أُرسلت" in html and "لا يوجد رقم هاتف" in html
    assert "ألغى الاشتراك" in html and "كل عمليات التسليم بصيغة CSV" in html
    english = staff_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Delivery report" in english and "no phone number" in english


def test_a_customers_email_follows_the_forms_language(app: Flask, app_ctx: Flask) -> None:
    """The staff member's words as written; the footer in the language chosen on the form,
    the layout right to left; English by default."""
    [customer] = make_customers(1)
    url = optouts.unsubscribe_url(customer)
    for language, footer, tag in (
        ("ar", "وصلتك هذه الرسالة لأنك من عملاء Tamam.", '<html lang="ar" dir="rtl">'),
        ("en", "You get this message as a customer of Tamam.", '<html lang="en" dir="ltr">'),
    ):
        body = {"template": "bulk", "text": "Hello from the shop", "unsubscribe": url,
                "language": language}  # fmt: skip
        with db.engine.begin() as conn:
            row_id = outbox.add(conn, f"t-lang-{language}", "email", "a@x.example", "Hi", body)
        row = _row(row_id)
        _to, subject, text, html, _headers = compose_email(row)
        assert subject == "Hi" and "Hello from the shop" in text and footer in text
        assert html is not None and html_tag(html) == tag and footer in html


def _row(row_id: int) -> object:
    from webapp.models.ops import OutboxMessage

    found = db.session.get(OutboxMessage, row_id)
    assert found is not None
    return found


def test_an_order_confirmation_in_arabic(app: Flask, app_ctx: Flask) -> None:
    """Chosen Arabic: the subject, the SMS and the email's table words are Arabic."""
    from webapp.notifications import confirmations

    ids = make_customers(1)
    make_orders(ids, DAY)
    rows = db.session.execute(confirmations._orders({"date": DAY.isoformat()})).all()
    email, sms = confirmations.drafts_for(rows, set(), "ar")
    assert email.subject.startswith("تم تأكيد طلبك NT-")
    assert sms.body["text"].startswith("Tamam: تم تأكيد طلبك NT-")
    html = _render(email.body, email.subject)
    assert "المجموع الفرعي" in html and "الضريبة" in html and "شكرًا لطلبك" in html
    body = html.split("</head>", 1)[1]  # the <title> is the subject, with the order's number
    assert english_leftovers(body, allowed=frozenset({"Customer"})) == []  # the name: data
    english_email, _sms = confirmations.drafts_for(rows, set())
    assert english_email.subject.startswith("Your order NT-")
    assert "Subtotal" in _render(english_email.body, english_email.subject)


def _render(body: dict[str, object], subject: str) -> str:
    """The HTML of an email row with this body and subject."""
    row = SimpleNamespace(id=0, key="k", channel="email", recipient="a@x.example",
                          subject=subject, body=body, in_doubt=False, created_at=None)  # fmt: skip
    html = compose_email(row)[3]
    assert html is not None
    return html


def test_the_job_ready_email_speaks_the_owners_language(app: Flask, staff: User) -> None:
    """Staff who chose Arabic get the ready email in Arabic, right to left; others English."""
    job = make_job(staff, "completed", job_type="orders_export")
    english = ready.compose(job.id)
    assert not isinstance(english, str)
    assert english.subject == "Your orders export is ready"
    assert "This link works for 1 hour." in english.text
    assert html_tag(english.html) == '<html lang="en" dir="ltr">'
    staff.language = "ar"
    db.session.commit()
    arabic = ready.compose(job.id)
    assert not isinstance(arabic, str)
    assert arabic.subject.startswith("جاهز للتنزيل:")
    assert "يعمل هذا الرابط لمدة ساعة واحدة." in arabic.text
    assert html_tag(arabic.html) == '<html lang="ar" dir="rtl">'
    assert "مرحبًا Sara Staff،" in arabic.html and "تنزيل الملف" in arabic.html


def test_the_unsubscribe_page_in_arabic(app: Flask, client: FlaskClient) -> None:
    """The customer's page asks and confirms in the browser's language."""
    [customer] = make_customers(1)
    path = re.sub(r"^https?://[^/]+", "", optouts.unsubscribe_url(customer, "email"))
    page = client.get(path, headers=AR).get_data(as_text=True)
    assert english_leftovers(main_part(page)) == []
    assert "إلغاء الاشتراك؟" in page and "إيقاف رسائل البريد الإلكتروني إلى" in page
    done = client.post(path, headers=AR).get_data(as_text=True)
    assert "أُلغي اشتراكك" in done and english_leftovers(main_part(done)) == []
    assert "Unsubscribe?" in client.get(path).get_data(as_text=True)
