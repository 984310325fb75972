"""My jobs, a job's page, its partials, its flashes and the download pages, in Arabic.

Each page is read with Accept-Language: ar: no English is left on it (user data and codes are
marked as data), its key words are Arabic, and the English page still says what it said.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from tests.conftest import csrf_from
from tests.i18n.leftovers import english_leftovers
from tests.staff.helpers import HX, make_job
from webapp.engine.links import signed_download_url
from webapp.extensions import db
from webapp.models.job import JobEvent
from webapp.models.types import utcnow

AR = {"Accept-Language": "ar"}
HX_AR = {**HX, **AR}


def clean(html: str) -> str:
    """The page without the direction marks Babel puts in Arabic dates."""
    return html.replace("\u200f", "").replace("\u061c", "")


def arabic(client, url: str, headers: dict[str, str] | None = None) -> str:
    """GET `url` in Arabic and check that nothing English is left on it."""
    response = client.get(url, headers=headers or AR)
    assert response.status_code in (200, 410), response.status_code
    html = clean(response.get_data(as_text=True))
    assert english_leftovers(html) == []
    return html


@pytest.fixture
def staff_client(staff_client):
    """The signed-in staff client, its sign-in flash (English, at sign-in) already read."""
    staff_client.get("/jobs")
    return staff_client


@pytest.fixture
def admin_client(admin_client):
    """The signed-in admin client, its sign-in flash already read."""
    admin_client.get("/jobs")
    return admin_client


@pytest.fixture
def jobs(staff):
    """A running job with a progress message, a named completed one, and a failed one."""
    now = utcnow()
    running = make_job(staff, "processing", progress=24, message="Read 1,200 of 5,000 orders",
                       created_at=now - timedelta(minutes=3),
                       started_at=now - timedelta(minutes=2))  # fmt: skip
    done = make_job(staff, "completed", created_at=now - timedelta(hours=1), name="March close",
                    completed_at=now - timedelta(minutes=58), message="Done")  # fmt: skip
    failed = make_job(staff, "failed", created_at=now - timedelta(hours=2), attempts=3,
                      failed_at=now - timedelta(hours=1), message="Failed", error_code="E7002",
                      error_message="The attempt ran past the 900 s time limit.")  # fmt: skip
    db.session.add_all([
        JobEvent(job_id=running.id, kind="started", attempt=1, detail="Attempt 1 started",
                 at=now - timedelta(minutes=2)),
        JobEvent(job_id=failed.id, kind="attempt_failed", attempt=1, error_code="E7002",
                 detail="The attempt ran past the 900 s time limit.", at=now - timedelta(hours=1)),
        JobEvent(job_id=done.id, kind="downloaded", detail="Downloaded from 127.0.0.1 by a@b.c",
                 at=now - timedelta(minutes=30)),
    ])  # fmt: skip
    db.session.commit()
    return running, done, failed


def test_my_jobs_in_arabic(staff_client, jobs):
    """The list: headings, filters, badges, the bar's message, durations and results."""
    html = arabic(staff_client, "/jobs")
    for words in ("مهامي", "قيد التنفيذ", "مكتملة", "فشلت", "تقرير المبيعات", "تنزيل",
                  "قُرئ 1,200 من 5,000 طلب", "استغرقت وقتًا طويلًا", "أي حالة"):  # fmt: skip
        assert words in html, words
    assert "<bdi>March close</bdi>" in html
    assert 'aria-valuenow="24"' in html and 'aria-valuetext="24%: قُرئ 1,200 من 5,000 طلب"' in html
    english = staff_client.get("/jobs").get_data(as_text=True)
    assert "My jobs" in english and "Read 1,200 of 5,000 orders" in english
    assert "24&nbsp;%" in english and "E7002 · Took too long" in english
    assert ">March close</a>" in english and "<bdi>" not in english


def test_all_jobs_for_an_admin_in_arabic(admin_client, jobs):
    """Admins see the owner column and filter; emails are data."""
    html = arabic(admin_client, "/jobs")
    assert "كل المهام" in html and "المالك" in html and "الجميع" in html


def test_empty_states_in_arabic(staff_client, staff):
    """No jobs at all, then none that match the filters."""
    html = arabic(staff_client, "/jobs")
    assert "لا شيء هنا بعد" in html and "تقرير جديد" in html
    make_job(staff, "pending")
    html = arabic(staff_client, "/jobs?status=failed")
    assert "لا توجد مهام تطابق عوامل التصفية هذه." in html and "عرض كل المهام" in html


def test_a_running_job_page_in_arabic(staff_client, jobs):
    """The live part, the bar, the timeline, the parameters and the actions."""
    running, _done, _failed = jobs
    html = arabic(staff_client, f"/jobs/{running.id}")
    for words in ("قيد التنفيذ", "بدأت المحاولة 1", "السجل الزمني", "المعطيات", "إلغاء",
                  "1 مارس 2025", "تشغيل مجددًا بهذه المعطيات", "الاسم (لتمييزها)"):  # fmt: skip
        assert words in html, words
    assert "→ مهامي</a>" in html  # back, in a right-to-left page, points right
    live = arabic(staff_client, f"/jobs/{running.id}/live", HX_AR)
    assert 'role="progressbar"' in live and "قُرئ 1,200 من 5,000 طلب" in live
    row = arabic(staff_client, f"/jobs/{running.id}/row", HX_AR)
    assert "قيد التنفيذ منذ" in row
    english = staff_client.get(f"/jobs/{running.id}").get_data(as_text=True)
    assert "Attempt 1 started" in english and "<dt>From</dt><dd>1 Mar 2025</dd>" in english


def test_a_waiting_job_says_its_place_in_arabic(staff_client, staff):
    """A pending job: its place in line and what the page does."""
    job = make_job(staff, "pending", message="Waiting for a worker")
    html = arabic(staff_client, f"/jobs/{job.id}")
    assert "في الانتظار" in html and "التالية في البدء" in html


def test_a_failed_job_page_in_arabic(admin_client, jobs):
    """The error's title and what it means, its code as a code; the admin's extras."""
    _running, _done, failed = jobs
    html = arabic(admin_client, f"/jobs/{failed.id}")
    for words in ("استغرقت وقتًا طويلًا", "تجاوزت المحاولة المهلة المحددة (900 ث).",
                  "تجاوزت إحدى المحاولات المهلة المحددة", "فشلت المحاولة 1",
                  "المحاولات المسموح بها", "<bdi>E7002</bdi>"):  # fmt: skip
        assert words in html, words


def test_a_completed_job_page_in_arabic(staff_client, jobs):
    """The download button, the file as data, the download line of the timeline."""
    _running, done, _failed = jobs
    html = arabic(staff_client, f"/jobs/{done.id}")
    assert "<bdi>March close</bdi>" in html and "<bdi>sales-report-" in html
    assert "نزّله <bdi>a@b.c</bdi> من <bdi>127.0.0.1</bdi>" in html


def test_flashes_in_arabic(staff_client, staff):
    """Cancel and rename say what they did in Arabic."""
    job = make_job(staff, "pending")
    token = csrf_from(staff_client, f"/jobs/{job.id}")
    staff_client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}, headers=AR)
    html = arabic(staff_client, f"/jobs/{job.id}")
    assert "أُلغيت المهمة." in html and "أُلغيت قبل أن تبدأ" in html
    staff_client.post(f"/jobs/{job.id}/name", data={"csrf_token": token, "name": "Q1"},
                      headers=AR)  # fmt: skip
    html = arabic(staff_client, f"/jobs/{job.id}")
    assert "سُمّيت «<bdi>Q1</bdi>»." in html or "سُمّيت «Q1»." in html


def test_download_pages_in_arabic(staff_client, staff, monkeypatch):
    """An expired link offers a fresh one; a removed result offers to run the job again."""
    job = make_job(staff, "completed")
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 10**7)
        old = signed_download_url(job)
    html = arabic(staff_client, old)
    assert "انتهت صلاحية رابط التنزيل هذا" in html and "اطلب رابطًا جديدًا" in html
    job.purged_at = utcnow()
    db.session.commit()
    html = arabic(staff_client, signed_download_url(job))
    assert "انتهت صلاحية هذه النتيجة" in html and "تشغيل مجددًا" in html
    assert b"This result has expired" in staff_client.get(signed_download_url(job)).get_data()


def test_stored_messages_are_translated_where_shown(app):
    """English as stored for the API; Arabic on the page, figures re-read, names as data."""
    from flask_babel import force_locale

    from webapp.jobs.messages import say, show

    with app.test_request_context():
        assert say("Wrote 3,000 of 10,000 orders") == "Wrote 3,000 of 10,000 orders"
        with force_locale("ar"):
            assert say("Wrote 3,000 of 10,000 orders") == "كُتب 3,000 من 10,000 طلب"
            assert say("Attempt 2 failed (E7003); retrying").startswith("فشلت المحاولة 2")
            assert show("report.csv is ready") == "<bdi>report.csv</bdi> جاهز"
            assert "<bdi>" not in say("report.csv is ready")
            nested = say(
                "Stopped at the owner's request: stopped after 1,000 rows; nothing was written"
            )
            assert nested == "توقفت بطلب من صاحبها: توقفت بعد 1,000 صف؛ لم يُكتب شيء"
            assert say("Scheduled to start in 2 h 30 min") == "مجدولة لتبدأ بعد 2 س 30 د"
            assert show("Something new <b>") == '<span dir="auto">Something new &lt;b&gt;</span>'


def test_admin_actions_on_a_job_in_arabic(admin_client, staff):
    """An admin cancels someone's job: the audit line says who, what and from where in Arabic."""
    job = make_job(staff, "pending")
    token = csrf_from(admin_client, f"/jobs/{job.id}")
    admin_client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}, headers=AR)
    html = arabic(admin_client, f"/jobs/{job.id}")
    assert "إجراءات المشرفين" in html and "أُلغيت من صفحة المهمة" in html
    assert "Cancelled from the job page" in admin_client.get(f"/jobs/{job.id}").get_data(True)
