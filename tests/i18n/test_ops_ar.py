"""The admins' ops pages in Arabic: /ops (alerts, queues, workers, charts, audit log, ping),
its partials, /ops/failed (filters, confirmation, flashes) and /ops/jobs; English unchanged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import insert

from tests.conftest import csrf_from
from tests.i18n.leftovers import english_leftovers
from tests.ops.dashboard_helpers import finish, roll_up_from, section, text
from tests.ops.failed_helpers import failed_job
from tests.staff.helpers import HX, make_job
from webapp.extensions import db
from webapp.models.job import WorkerHeartbeat
from webapp.models.ops import Alert
from webapp.models.types import utcnow
from webapp.monitoring import audit
from webapp.monitoring.bulk import Outcome

AR = {"Accept-Language": "ar"}
AR_HX = {**AR, **HX}


def main_part(html: str) -> str:
    """The page's own content (<main>) without the layout and the flashes (the sign-in's is
    the core area's); flashes() reads those."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    ours = match.group(0) if match else html
    return re.sub(r'<div class="flashes".*?</div>', "", ours, flags=re.S)


def flashes(html: str) -> list[str]:
    """The flash messages of a page, as HTML."""
    return re.findall(r'<p class="flash flash-\w+">(.*?)</p>', html, re.S)


def leftovers(html: str) -> list[str]:
    """English words left in our part of an Arabic page."""
    return english_leftovers(main_part(html))


def add_heartbeat(key: str, queues: str, threads: int, silent_for: float = 0) -> None:
    """A worker process's heartbeat row, last seen `silent_for` seconds ago (tests.jobs.helpers
    has the same; importing it would register its test job types for every later test)."""
    seen = utcnow() - timedelta(seconds=silent_for)
    host, pid, _ = key.split(":")
    with db.engine.begin() as conn:
        conn.execute(
            insert(WorkerHeartbeat).values(
                id=key, host=host, pid=int(pid), queues=queues, threads=threads,
                started_at=seen, last_seen_at=seen,
            )
        )  # fmt: skip


@pytest.fixture
def busy(staff, admin):  # type: ignore[no-untyped-def]
    """Everything /ops can show: alerts (one in today's words, one in an older wording),
    live and stale workers, a queue with problems, finished jobs rolled up, an audit line."""
    opened = utcnow() - timedelta(minutes=30)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Alert),
            [
                dict(key="backlog:exports", kind="backlog", queue="exports",
                     summary="1500 messages waiting in exports (threshold 1000)",
                     latest="1700 messages waiting in exports (threshold 1000)",
                     opened_at=opened, notified_at=opened, resolved_at=None),
                dict(key="failure_rate:reports", kind="failure_rate", queue="reports",
                     summary="6 of 10 jobs in reports failed in the last 15 minutes"
                             " (60%, threshold 50%)",
                     latest="", opened_at=opened, notified_at=opened, resolved_at=None),
                dict(key="no_worker:reports", kind="no_worker", queue="reports",
                     summary="reports has work and no live worker", latest="",
                     opened_at=opened - timedelta(hours=2), notified_at=opened,
                     resolved_at=opened - timedelta(hours=1)),
            ],
        )  # fmt: skip
    add_heartbeat("w1:101:aa", "reports,exports", 2)
    add_heartbeat("w2:202:bb", "reports", 4, silent_for=600)
    make_job(staff, "pending", queue="default", created_at=utcnow() - timedelta(hours=1))
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=3)
    for _ in range(3):
        finish(staff, "completed", minute + timedelta(seconds=20), wait=2.0, run=10.0)
    finish(staff, "failed", minute + timedelta(seconds=40), wait=2.0, run=10.0)
    roll_up_from(minute - timedelta(minutes=7))
    job = make_job(staff, "failed")
    audit.record(admin, "retry", "job", job.id, "Retried from the failed list")
    return job


def test_the_dashboard_in_arabic(admin_client, redis_broker, busy):  # type: ignore[no-untyped-def]
    """Every section of /ops in Arabic; alerts rebuilt from their figures; data kept apart."""
    html = admin_client.get("/ops/", headers=AR).get_data(as_text=True)
    assert leftovers(html) == []
    for words in ("التنبيهات", "الطوابير", "العمّال", "عمّال بلا نبض", "سجل التدقيق",
                  "سجل التنبيهات", "اختبار اتصال العمّال", "المهام المنتهية في كل دقيقة",
                  "الانتظار ومدة التشغيل", "معنى الأعمدة", "وقت التصفية (تقدير)",
                  "يحتاج إلى انتباه", "إعادة المحاولة", "رُصد تراكم في طابور"):  # fmt: skip
        assert words in html, words
    alerts = text(section(html, "alerts"))
    assert "1500 رسالة في الانتظار في exports (الحد 1000)" in alerts
    assert "الآن: 1700 رسالة في الانتظار" in alerts
    assert "فشلت 6 من 10 مهمة في reports خلال آخر 15 دقيقة (60%، والحد 50%)" in alerts
    history = section(html, "alert-history")
    assert '<span dir="auto" lang="en">reports has work and no live worker</span>' in history
    assert "<bdi>w1</bdi>" in html or 'dir="auto">w1<' in html
    assert "لا نبض منذ 10 د" in text(section(html, "workers"))


def test_the_dashboard_in_english_is_unchanged(admin_client, redis_broker, busy):  # type: ignore[no-untyped-def]
    """No Accept-Language: the English words, and no Arabic in the ops part."""
    html = admin_client.get("/ops/").get_data(as_text=True)
    ours = main_part(html)
    assert not re.search(r"[\u0600-\u06ff]", ours)
    alerts = text(section(html, "alerts"))
    assert "Queue backlog detected · queue exports" in alerts
    assert "1500 messages waiting in exports (threshold 1000)" in alerts
    assert "1 live process, 2 threads; 1 stale" in text(section(html, "workers"))
    assert "Finished jobs per minute" in html and "60 min ago" in html
    assert "What the columns mean" in section(html, "queues")


def test_the_partials_in_arabic(admin_client, redis_broker, busy):  # type: ignore[no-untyped-def]
    """/ops/live and /ops/charts, as app.js fetches them."""
    live = admin_client.get("/ops/live", headers=AR_HX).get_data(as_text=True)
    assert english_leftovers(live) == []
    assert "قُرئت الأرقام في" in live
    charts = admin_client.get("/ops/charts", headers=AR_HX).get_data(as_text=True)
    assert english_leftovers(charts) == []
    assert "الساعة الأخيرة، دقيقةً بدقيقة" in charts
    assert "مهام في الدقيقة" in charts and "قبل 60 د" in charts
    titles = re.findall(r"<title data-at=\"[^\"]+\"[^>]*>([^<]+)</title>", charts)
    assert any("3 مكتملة، 1 فشلت؛ وسيط الانتظار" in title for title in titles)
    assert re.search(r"<th scope=\"col\" class=\"num\">مدة التشغيل، الوسيط</th>", charts)


def test_charts_with_nothing_finished_in_arabic(admin_client, redis_broker):  # type: ignore[no-untyped-def]
    """The empty charts say so in Arabic."""
    charts = admin_client.get("/ops/charts", headers=AR_HX).get_data(as_text=True)
    assert english_leftovers(charts) == []
    assert charts.count(">لم تنتهِ أي مهمة في هذه المدة</text>") == 2
    assert charts.count(">لا مدد: لم تنتهِ أي مهمة في هذه المدة</text>") == 2
    assert ": 0 مكتملة، 0 فشلت</title>" in charts


def test_ping_in_arabic(admin_client, stub_broker):  # type: ignore[no-untyped-def]
    """No Redis, and an unknown ping, both said in Arabic."""
    token = csrf_from(admin_client, "/ops/")
    partial = admin_client.post("/ops/ping", data={"csrf_token": token}, headers=AR_HX)
    body = partial.get_data(as_text=True)
    assert english_leftovers(body) == [] and "لا يوجد Redis" in body
    page = admin_client.get("/ops/ping/unknown-token", headers=AR).get_data(as_text=True)
    assert leftovers(page) == []
    assert "اختبار الاتصال هذا غير معروف" in page


def test_pause_and_resume_flashes_in_arabic(admin_client, redis_broker):  # type: ignore[no-untyped-def]
    """The flashes after Pause and Resume."""
    token = csrf_from(admin_client, "/ops/")
    admin_client.post("/ops/queues/exports/pause", data={"csrf_token": token}, headers=AR)
    page = admin_client.get("/ops/", headers=AR).get_data(as_text=True)
    said = flashes(page)
    assert said == ["أُوقف الطابور <bdi>exports</bdi> مؤقتًا: تنتظر مهامه حتى تستأنفه."]
    assert english_leftovers(said[0]) == []
    assert "متوقف مؤقتًا منذ" in page and "استئناف" in page
    assert leftovers(page) == []
    token = csrf_from(admin_client, "/ops/")
    admin_client.post("/ops/queues/exports/resume", data={"csrf_token": token}, headers=AR)
    page = admin_client.get("/ops/", headers=AR).get_data(as_text=True)
    assert "استُؤنف الطابور <bdi>exports</bdi>؛" in page
    assert "إيقاف مؤقت" in text(section(page, "audit"))


def test_the_failed_list_in_arabic(admin_client, redis_broker, staff):  # type: ignore[no-untyped-def]
    """Filters, rows, actions and the confirmation of everything matching."""
    for _ in range(2):
        failed_job(staff)
    html = admin_client.get("/ops/failed", headers=AR).get_data(as_text=True)
    assert leftovers(html) == []
    for words in ("المهام الفاشلة", "تصفية", "أي طابور", "إعادة محاولة المحدد", "استبعاد",
                  "الطابور", "3 من 3"):  # fmt: skip
        assert words in html, words
    confirm = admin_client.get("/ops/failed?confirm=retry&queue=reports", headers=AR)
    body = confirm.get_data(as_text=True)
    assert leftovers(body) == []
    assert "إعادة محاولة كل المهام الفاشلة المطابقة لـ الطابور <bdi>reports</bdi> (2)؟" in body
    assert "نعم، أعِد محاولة مهمتين" in body
    nothing = admin_client.get("/ops/failed?confirm=discard&queue=default", headers=AR)
    assert leftovers(nothing.get_data(as_text=True)) == []
    assert "لا شيء لاستبعاده." in nothing.get_data(as_text=True)
    empty = admin_client.get("/ops/failed?queue=default", headers=AR).get_data(as_text=True)
    assert leftovers(empty) == [] and "لا مهام فاشلة تطابق عوامل التصفية هذه." in empty


def test_failed_actions_flash_in_arabic(admin_client, redis_broker, staff):  # type: ignore[no-untyped-def]
    """Retry selected, nothing ticked, and discard of one job: their flashes."""
    jobs = [failed_job(staff) for _ in range(2)]
    token = csrf_from(admin_client, "/ops/failed")
    data = {"csrf_token": token, "action": "retry"}
    admin_client.post("/ops/failed/selected", data=data, headers=AR)
    page = admin_client.get("/ops/failed", headers=AR).get_data(as_text=True)
    assert "حدّد أولًا المهام التي تريد تنفيذ الإجراء عليها." in page
    ids = [job.id for job in jobs]
    data = {"csrf_token": token, "action": "discard", "ids": ids}
    admin_client.post("/ops/failed/selected", data=data, headers=AR)
    page = admin_client.get("/ops/failed", headers=AR).get_data(as_text=True)
    assert "استُبعدت مهمتان." in page


def test_the_search_in_arabic(admin_client, redis_broker, staff):  # type: ignore[no-untyped-def]
    """The search form, its results with their statuses, and no result."""
    make_job(staff, "pending")
    failed_job(staff)
    html = admin_client.get("/ops/jobs", headers=AR).get_data(as_text=True)
    assert leftovers(html) == []
    for words in ("البحث في المهام", "معرّف المهمة", "أي حالة", "في الانتظار", "فشلت", "طُلبت"):
        assert words in html, words
    none = admin_client.get("/ops/jobs?owner=nobody@example.com", headers=AR).get_data(as_text=True)
    assert leftovers(none) == [] and "لا مهمة تطابق هذا البحث." in none
    english = admin_client.get("/ops/jobs").get_data(as_text=True)
    assert "Any status" in english and ">Pending</option>" in english


def test_outcomes_and_alerts_in_words(app):  # type: ignore[no-untyped-def]
    """Every outcome part and every alert kind, in Arabic, and English as stored."""
    from webapp.ops.present import alert_words, outcome_words

    outcome = Outcome("retry", done=["a"] * 3, not_failed=1, missing=2)
    with app.test_request_context(), force_locale("ar"):
        assert outcome_words(outcome) == "أُعيدت محاولة 3 مهام؛ لم تعد 1 فاشلة؛ لم يُعثر على 2"
        assert (
            outcome_words(outcome, total=5) == "أُعيدت محاولة 3 من 5؛ لم تعد 1 فاشلة؛ لم يُعثر على 2"
        )
        said = {
            "long_wait": "the oldest job in default has waited 700 s (threshold 600 s)",
            "no_worker": "default has 3 waiting and 1 running jobs and no live worker",
            "dead_letters": "2 more dead-lettered messages in default (5 in all)",
        }
        for kind, words in said.items():
            assert english_leftovers(f"<p>{alert_words(kind, words)}</p>") == [], kind
    with app.test_request_context(), force_locale("en"):
        assert outcome_words(outcome) == outcome.words()
        assert outcome_words(outcome, total=5) == outcome.words(5)
        assert alert_words("dead_letters", said["dead_letters"]) == said["dead_letters"]
