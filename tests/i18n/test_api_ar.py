"""The JSON API in Arabic: with `Accept-Language: ar` every error's message and each detail's
message are Arabic while the codes, statuses and fields stay exactly as in English; without the
header the answers are English, word for word as before. The `language` field of a report or
an export is stored ('ar') or left out (English), and anything else is a 422 naming it. The
docs page speaks the page's language around the document's English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.i18n.leftovers import english_leftovers
from tests.staff.helpers import make_job
from webapp.api.errors import CODES
from webapp.api.tokens import create_token
from webapp.engine.service import get_job
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.notifications.job_webhook import rotate_secret

SALES = {"from": "2025-01-01", "to": "2025-01-31", "format": "pdf"}
ORDERS = {"from": "2025-01-01", "to": "2025-01-31", "format": "csv", "region": "North"}
AR = {"Accept-Language": "ar"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    """A client with no session: the API's callers are scripts."""
    return app.test_client()


@pytest.fixture
def secret(staff: User) -> str:
    """A token of the staff user."""
    return create_token(staff, "test")[1]


@pytest.fixture(autouse=True)
def _fresh_limits(app: Flask) -> Iterator[None]:
    """Each test counts POSTs from zero."""
    from webapp.api.limits import limiter

    with app.app_context():
        limiter.reset()
    yield


def headers(secret: str | None, language: str | None) -> dict[str, str]:
    """A bearer header (when given a secret) and Accept-Language (when given one)."""
    sent = {"Authorization": f"Bearer {secret}"} if secret else {}
    if language:
        sent["Accept-Language"] = language
    return sent


def error_of(response: Any) -> dict[str, Any]:
    """The envelope's error, after checking its code matches the status."""
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert CODES[body["error"]["code"]][0] == response.status_code
    return body["error"]


def arabic(text: str) -> bool:
    """True when the text is mostly Arabic: Arabic letters, and no English sentence."""
    return bool(ARABIC.search(text)) and not re.search(r"\b[A-Za-z]+ [a-z]+ [a-z]+\b", text)


def both(api: FlaskClient, method: str, path: str, secret: str | None,
         **kwargs: Any) -> tuple[Any, Any]:  # fmt: skip
    """The same request without Accept-Language, then with Accept-Language: ar."""
    call = getattr(api, method)
    english = call(path, headers=headers(secret, None), **kwargs)
    ar = call(path, headers=headers(secret, "ar"), **kwargs)
    return english, ar


def same_but_arabic(english: Any, ar: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Same status, code, detail fields and headers but Content-Language; Arabic words."""
    assert english.status_code == ar.status_code
    en_error, ar_error = error_of(english), error_of(ar)
    assert en_error["code"] == ar_error["code"]
    assert not ARABIC.search(en_error["message"]) and arabic(ar_error["message"])
    if isinstance(en_error["details"], list):
        assert [d["field"] for d in en_error["details"]] == [
            d["field"] for d in ar_error["details"]
        ]
        for detail in ar_error["details"]:
            assert arabic(detail["message"]), detail
    else:
        assert en_error["details"] == ar_error["details"]
    assert english.headers["Content-Language"] == "en"
    assert ar.headers["Content-Language"] == "ar"
    assert "Accept-Language" in ar.headers["Vary"]
    return en_error, ar_error


def test_401_in_arabic(api, staff):
    """No token and an unknown one: Arabic, code unauthorized, WWW-Authenticate as before."""
    en, ar = same_but_arabic(*both(api, "get", "/v1/jobs", None))
    assert en["message"].startswith("Send a personal API token")
    assert "Authorization: Bearer <token>" in ar["message"]
    english, arabic_ = both(api, "get", "/v1/jobs", "tamam_unknown")
    same_but_arabic(english, arabic_)
    assert english.headers["WWW-Authenticate"] == arabic_.headers["WWW-Authenticate"]


def test_404_and_405_in_arabic(api, staff, secret):
    """A path no route matches (no blueprint: the header still decides), a missing job, and
    a method the path does not take."""
    en, ar = same_but_arabic(*both(api, "get", "/v1/nothing-here", secret))
    assert en["message"] == "Not found." and ar["message"] == "غير موجود."
    en, ar = same_but_arabic(*both(api, "get", "/v1/jobs/job-missing", secret))
    assert en["message"] == "There is no job with this id."
    english, ar_response = both(api, "put", "/v1/jobs", secret)
    en, ar = same_but_arabic(english, ar_response)
    assert en["message"] == "The method is not allowed for the requested URL."
    assert english.headers["Allow"] == ar_response.headers["Allow"]


def test_409_and_410_in_arabic(api, staff, secret, stub_broker):
    """Cancelling a final job, downloading before the file and after it is gone."""
    done = make_job(staff, "completed")
    en, ar = same_but_arabic(*both(api, "delete", f"/v1/jobs/{done.id}", secret))
    assert en["message"] == "The job is already completed; there is nothing to cancel."
    assert "completed" in ar["message"] and en["details"] == {"status": "completed"}
    waiting = make_job(staff, "pending")
    en, ar = same_but_arabic(*both(api, "get", f"/v1/jobs/{waiting.id}/download", secret))
    assert en["message"] == "The job is pending: it has no file to download."
    done.purged_at = utcnow()
    db.session.commit()
    same_but_arabic(*both(api, "get", f"/v1/jobs/{done.id}/download", secret))


def test_idempotency_errors_in_arabic(api, staff, secret, stub_broker):
    """A reused key is a 409, a bad key a 422 naming Idempotency-Key: Arabic, same codes."""
    sent = {"Idempotency-Key": "k-1"}
    assert api.post("/v1/reports/sales", json=SALES,
                    headers={**headers(secret, None), **sent}).status_code == 202  # fmt: skip
    english = api.post("/v1/reports/sales", json={**SALES, "format": "csv"},
                       headers={**headers(secret, None), **sent})  # fmt: skip
    ar = api.post("/v1/reports/sales", json={**SALES, "format": "csv"},
                  headers={**headers(secret, "ar"), **sent})  # fmt: skip
    en, _ar = same_but_arabic(english, ar)
    assert en["code"] == "idempotency_key_reused"
    assert en["message"] == "This Idempotency-Key was already used with another request."
    bad = {"Idempotency-Key": "x" * 300}
    english = api.post("/v1/reports/sales", json=SALES, headers={**headers(secret, None), **bad})
    ar = api.post("/v1/reports/sales", json=SALES, headers={**headers(secret, "ar-SA"), **bad})
    en, _ar = same_but_arabic(english, ar)
    assert en["details"] == [{"field": "Idempotency-Key",
                              "message": "must be 1 to 255 printable characters"}]  # fmt: skip


def test_413_415_and_400_in_arabic(api, app, staff, secret, monkeypatch, stub_broker):
    """Too large, not JSON, JSON that does not parse."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    body = {**SALES, "name": "x" * 2000}
    same_but_arabic(*both(api, "post", "/v1/reports/sales", secret, json=body))
    en, _ar = same_but_arabic(
        *both(api, "post", "/v1/reports/sales", secret, data={"from": "2025-01-01"})
    )
    assert en["code"] == "unsupported_media_type"
    en, _ar = same_but_arabic(*both(api, "post", "/v1/reports/sales", secret, data="{nope",
                                    content_type="application/json"))  # fmt: skip
    assert en["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"format": "pdf"}, ["from", "to"]),  # missing
        ({**SALES, "format": "docx"}, ["format"]),  # not one of
        ({**SALES, "from": "2025-02-30"}, ["from"]),  # not a real date
        ({**SALES, "to": "31/01/2025"}, ["to"]),  # date format
        ({**SALES, "name": "x" * 121}, ["name"]),  # too long
        ({**SALES, "name": 5}, ["name"]),  # wrong type
        ({**SALES, "colour": "red"}, ["colour"]),  # unknown field
        ({**SALES, "to": "2024-12-01"}, ["to"]),  # the job type's own check (order)
        ({**SALES, "callback_url": "ftp://example.com/hook"}, ["callback_url"]),
        ([1, 2], ["body"]),  # not an object
    ],
)
def test_422_details_in_arabic(api, staff, secret, stub_broker, body, fields):
    """pydantic's and the job type's refusals: each detail's message in Arabic, same fields."""
    english, ar = both(api, "post", "/v1/reports/sales", secret, json=body)
    en, _ar_error = same_but_arabic(english, ar)
    assert en["code"] == "validation_failed"
    assert [d["field"] for d in en["details"]] == fields


def test_422_english_is_word_for_word_as_before(api, staff, secret, stub_broker):
    """Without Accept-Language, pydantic's own English and the API's, unchanged."""
    response = api.post("/v1/reports/sales", json={"format": "pdf", "colour": 1},
                        headers=headers(secret, None))  # fmt: skip
    error = error_of(response)
    assert error["message"] == "Some fields are not valid: from, to, colour."
    assert error["details"] == [
        {"field": "from", "message": "Field required"},
        {"field": "to", "message": "Field required"},
        {"field": "colour", "message": "is not a field of this request"},
    ]
    assert response.headers["Content-Language"] == "en"


def test_query_and_callback_refusals_in_arabic(api, staff, secret, stub_broker):
    """The list's query (a limit out of range, a forged cursor) and callback_url's refusals:
    without a signing secret, and an unsafe URL."""
    same_but_arabic(*both(api, "get", "/v1/jobs?limit=500", secret))
    same_but_arabic(*both(api, "get", "/v1/jobs?cursor=bm9wZQ", secret))
    body = {**SALES, "callback_url": "http://127.0.0.1:9/hook"}
    en, ar = same_but_arabic(*both(api, "post", "/v1/reports/sales", secret, json=body))
    assert "profile" in en["details"][0]["message"]
    rotate_secret(staff)
    en, ar = same_but_arabic(*both(api, "post", "/v1/reports/sales", secret, json=body))
    assert "127.0.0.1" in ar["details"][0]["message"]


def test_429_in_arabic(api, app, staff, secret, monkeypatch, stub_broker):
    """Over the limit: Arabic words, the same code and Retry-After."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1 per minute")
    assert api.post("/v1/reports/sales", json=SALES, headers=headers(secret, None)).status_code \
        == 202  # fmt: skip
    english, ar = both(api, "post", "/v1/reports/sales", secret, json=SALES)
    en, _ar = same_but_arabic(english, ar)
    assert en["code"] == "rate_limited" and "Retry-After" in ar.headers


def test_the_language_field_is_a_job_parameter(api, staff, secret, stub_broker):
    """`language: ar` is stored, `en` and none leave the parameters as they always were, and
    anything else is a 422 naming `language` (no job made)."""
    for path, body in (("/v1/reports/sales", SALES), ("/v1/exports/orders", ORDERS)):
        made = api.post(path, json={**body, "language": "ar"}, headers=headers(secret, None))
        assert made.status_code == 202
        assert get_job(made.get_json()["job_id"]).input_data["language"] == "ar"
        for sent in ({**body, "language": "en"}, body):
            plain = api.post(path, json=sent, headers=headers(secret, "ar"))
            assert plain.status_code == 202
            assert "language" not in get_job(plain.get_json()["job_id"]).input_data
        refused = api.post(path, json={**body, "language": "fr"}, headers=headers(secret, None))
        assert refused.status_code == 422
        error = error_of(refused)
        assert [d["field"] for d in error["details"]] == ["language"]
        assert "language" in error["message"]


def test_the_openapi_document_shows_the_language_field(api):
    """Both requests' schemas have `language`: en or ar."""
    schemas = api.get("/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("SalesReportRequest", "OrdersExportRequest"):
        language = schemas[name]["properties"]["language"]
        assert {"en", "ar"} <= set(re.findall(r'"(en|ar)"', str(language).replace("'", '"')))


def test_a_jobs_progress_message_in_arabic(api, staff, secret):
    """The stored English progress message, said in Arabic when known; English as stored."""
    job = make_job(staff, "processing", progress=40, message="Read 3,000 of 10,000 orders")
    english = api.get(f"/v1/jobs/{job.id}", headers=headers(secret, None)).get_json()
    assert english["message"] == "Read 3,000 of 10,000 orders"
    ar = api.get(f"/v1/jobs/{job.id}", headers=headers(secret, "ar"))
    assert ar.headers["Content-Language"] == "ar"
    assert arabic(ar.get_json()["message"]) and "3,000" in ar.get_json()["message"]
    odd = make_job(staff, "processing", message="Something only this worker says")
    body = api.get(f"/v1/jobs/{odd.id}", headers=headers(secret, "ar")).get_json()
    assert body["message"] == "Something only this worker says"  # unknown: as stored
    listed = api.get("/v1/jobs", headers=headers(secret, "ar")).get_json()["jobs"]
    assert any(arabic(item["message"]) for item in listed)


def test_the_docs_page_in_arabic(api):
    """Right to left, its own words in Arabic, the document's descriptions marked English."""
    html = api.get("/v1/docs", headers=AR).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    for words in ("نقاط الوصول", "المعطيات", "المخططات", "الردود"):
        assert words in html
    assert english_leftovers(html) == []
    english = api.get("/v1/docs").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "<h2>Endpoints</h2>" in english
    assert english_leftovers(english) != []  # the checker sees English where it is
