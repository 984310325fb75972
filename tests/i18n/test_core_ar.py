"""The core pages in Arabic: the layout, sign-in, home, profile and the error pages.

Each page is read in Arabic (the browser's Accept-Language, or the user's own choice) and
must leave no English words of ours; a few key Arabic words are checked, and the English page
still says what it said.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.conftest import sign_in
from tests.i18n.leftovers import english_leftovers
from tests.staff.helpers import make_job
from tests.test_pages import probe_app, probe_client  # noqa: F401 (fixtures)
from webapp.engine.errors import NO_DATA
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.templating import exact_words, file_size, format_number, time_ago

ARABIC = {"Accept-Language": "ar"}


def arabic(user: User) -> None:
    """Make Arabic the user's own choice (the profile's)."""
    user.language = "ar"
    db.session.commit()


def test_sign_in_page_in_arabic(client: FlaskClient) -> None:
    """The sign-in page, its form and the language switch in Arabic; English unchanged."""
    html = client.get("/login", headers=ARABIC).get_data(as_text=True)
    assert english_leftovers(html) == []
    for words in (
        "تسجيل الدخول إلى Tamam",
        "البريد الإلكتروني",
        "كلمة المرور",
        "انتقل إلى المحتوى",
    ):
        assert words in html
    english = client.get("/login").get_data(as_text=True)
    assert "<h1>Sign in to Tamam</h1>" in english and "Keep me signed in on this device" in english


def test_sign_in_errors_in_arabic(client: FlaskClient, staff: User) -> None:
    """Field errors, the wrong-password error and Flask-Login's message speak Arabic."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    assert token
    empty = client.post("/login", data={"csrf_token": token.group(1)}, headers=ARABIC)
    assert empty.status_code == 400
    assert "أدخل بريدك الإلكتروني." in empty.text and "أدخل كلمة المرور." in empty.text
    assert english_leftovers(empty.text) == []
    wrong = client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": staff.email, "password": "not it at all"},
        headers=ARABIC,
    )
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة." in wrong.text
    redirected = client.get("/home", headers=ARABIC, follow_redirects=True)
    assert "سجّل الدخول للمتابعة." in redirected.text
    assert english_leftovers(redirected.text) == []


def test_home_in_arabic(client: FlaskClient, staff: User) -> None:
    """Home's sections, nav and headings in Arabic; the user's name is data (isolated)."""
    arabic(staff)
    sign_in(client, staff.email)
    html = client.get("/home").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert english_leftovers(html) == []
    for words in ("الرئيسية", "مهامي", "قيد التنفيذ الآن", "جاهزة للتنزيل", "تسجيل الخروج"):
        assert words in html
    assert "لم يفشل شيء خلال آخر 7 أيام." in html
    assert "سجّلت الدخول باسم <bdi>sara@example.com</bdi>." in html  # the flash, in Arabic
    assert '<span class="badge badge-role">موظف</span>' in html


def test_home_failure_advice_and_times_in_arabic(client: FlaskClient, staff: User) -> None:
    """What to do about a failure, its button and relative time are ours, in Arabic."""
    arabic(staff)
    make_job(staff, "failed", error_code=NO_DATA, failed_at=utcnow() - timedelta(hours=3))
    sign_in(client, staff.email)
    html = client.get("/home").get_data(as_text=True)
    for words in ("اختر فترة فيها طلبات.", "اختر فترة أخرى", "منذ 3 ساعات"):
        assert words in html


def test_admin_home_in_arabic(client: FlaskClient, admin: User) -> None:
    """The admins' section and the admin's nav label."""
    arabic(admin)
    sign_in(client, admin.email)
    html = client.get("/home").get_data(as_text=True)
    assert english_leftovers(html) == []
    assert "للمشرفين" in html and "كل المهام" in html and "مشرف" in html


def test_profile_in_arabic(client: FlaskClient, staff: User) -> None:
    """The profile with a token and a webhook secret: our words Arabic, the data isolated."""
    arabic(staff)
    sign_in(client, staff.email)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/profile").text)
    assert token
    made = client.post("/profile/tokens", data={"csrf_token": token.group(1), "name": "nightly"})
    assert made.status_code == 201
    assert english_leftovers(made.text) == []
    assert "انسخه الآن: لن يظهر إلا هذه المرة." in made.text
    client.post("/profile/webhook-secret", data={"csrf_token": token.group(1)})
    html = client.get("/profile").get_data(as_text=True)
    assert english_leftovers(html) == []
    for words in ("ملفك الشخصي", "رموز الوصول إلى API", "حفظ التفضيلات", "حسب لغة المتصفح"):
        assert words in html


@pytest.mark.parametrize(
    ("path", "method", "code", "words"),
    [
        ("/no-such-page", "get", 404, "لم نجد ما تبحث عنه"),
        ("/home", "put", 405, "هذا العنوان لا يقبل هذا النوع من الطلبات."),
    ],
)
def test_error_pages_in_arabic(
    client: FlaskClient, staff: User, path: str, method: str, code: int, words: str
) -> None:
    """404, 403 and a generic error page in Arabic."""
    arabic(staff)
    sign_in(client, staff.email)
    response = getattr(client, method)(path)
    assert response.status_code == code
    assert words in response.text and "العودة إلى الصفحة الرئيسية" in response.text
    assert english_leftovers(response.text) == []


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        ("/probe/forbidden", 403, "لا يملك حسابك صلاحية فتح هذه الصفحة"),
        ("/probe/crash", 500, "حدث خطأ من جهتنا"),
    ],
)
def test_forbidden_and_crash_pages_in_arabic(
    probe_client: FlaskClient,  # noqa: F811
    staff: User,
    path: str,
    code: int,
    words: str,
) -> None:
    """The 403 and 500 pages in Arabic."""
    probe_client.get("/home")  # shows (and so drops) the English sign-in flash
    arabic(staff)
    response = probe_client.get(path)
    assert response.status_code == code
    assert words in response.text
    assert english_leftovers(response.text) == []


def test_english_error_pages_unchanged(staff_client: FlaskClient) -> None:
    """The English 404 says what it said."""
    html = staff_client.get("/no-such-page").get_data(as_text=True)
    assert "We couldn't find that" in html and "Back to home" in html


def test_times_sizes_and_numbers_by_babel(app: Flask) -> None:
    """Relative and exact times, sizes and numbers in each language (Western digits)."""
    now = utcnow()
    moment = now.replace(year=2026, month=3, day=12, hour=14, minute=5)
    with app.test_request_context():
        assert time_ago(now - timedelta(minutes=3), now) == "3 minutes ago"
        assert time_ago(now + timedelta(hours=2), now) == "in 2 hours"
        assert time_ago(now, now) == "just now"
        assert exact_words(moment) == "12 Mar 2026, 14:05 UTC"
        assert file_size(1536) == "1.5 KB" and file_size(500) == "500 bytes"
        with force_locale("ar"):
            assert time_ago(now - timedelta(minutes=3), now) == "منذ 3 دقائق"
            assert time_ago(now - timedelta(minutes=2), now) == "منذ دقيقتين"
            assert time_ago(now + timedelta(hours=2), now) == "خلال ساعتين"
            assert time_ago(now, now) == "الآن"
            assert exact_words(moment) == "12 مارس 2026، 14:05 UTC"
            assert file_size(1536) == "1.5 KB" and file_size(500) == "500 بايت"
            assert format_number(12345) == "12,345"
