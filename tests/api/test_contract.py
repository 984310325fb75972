"""Seed 001's examples, key for key: the 202, and the status in progress, completed, failed;
plus cancelled, the list, cancel and download, with the HTTP of RFC 9110."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.api.conftest import ORDERS, SALES, bearer, fetch, new_token
from tests.staff.helpers import CSV_BODY, make_job
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
COMMON = {"job_id", "type", "name", "status", "progress", "message", "created_at", "updated_at"}


def test_post_sales_report_answers_202_with_seed_001s_body(api, auth, stub_broker):
    """202, Location and Retry-After; job_id, status pending, created_at, ETA, status_url."""
    response = api.post("/v1/reports/sales", json=SALES, headers=auth)
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"job_id", "status", "created_at", "estimated_completion", "status_url"}
    assert body["job_id"].startswith("job-") and body["status"] == "pending"
    assert RFC3339.match(body["created_at"])
    assert body["estimated_completion"] is None or RFC3339.match(body["estimated_completion"])
    assert body["status_url"] == f"/v1/jobs/{body['job_id']}"
    assert response.headers["Location"] == body["status_url"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    job = db.session.get(Job, body["job_id"])
    assert job.type == "sales_report"
    assert job.input_data == {"date_from": "2025-01-01", "date_to": "2025-01-31", "format": "pdf"}


def test_post_orders_export_maps_its_filters(api, auth, stub_broker):
    """from/to/format and the optional status and region reach the job's parameters."""
    response = api.post("/v1/exports/orders", json={**ORDERS, "status": "paid"}, headers=auth)
    assert response.status_code == 202
    job = db.session.get(Job, response.get_json()["job_id"])
    assert (job.type, job.input_data) == ("orders_export", {
        "date_from": "2025-01-01", "date_to": "2025-01-31", "format": "csv",
        "status": "paid", "region": "North",
    })  # fmt: skip


def test_eta_sets_estimated_completion_and_retry_after(api, auth, stub_broker, staff):
    """With a history for the type, the 202 carries an estimate and Retry-After until it."""
    now = utcnow()
    make_job(staff, "completed", started_at=now - timedelta(seconds=31), completed_at=now)
    response = api.post("/v1/reports/sales", json=SALES, headers=auth)
    body = response.get_json()
    assert RFC3339.match(body["estimated_completion"])
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"from", "to", "format"}),
        ({**SALES, "format": "docx"}, {"format"}),
        ({**SALES, "from": "2025-02-30", "to": "01/31/2025"}, {"from", "to"}),
        ({**SALES, "from": 20250101}, {"from"}),
        ({**SALES, "to": "2024-12-01"}, {"to"}),
        ({**SALES, "colour": "red"}, {"colour"}),
        ({**SALES, "name": "x" * 121}, {"name"}),
        ([SALES], {"body"}),
        ("2025", {"body"}),
        (None, {"body"}),
    ],
)
def test_invalid_input_is_422_naming_each_bad_field(api, auth, stub_broker, body, fields):
    """Every bad field is named in details; nothing is queued."""
    response = api.post(
        "/v1/reports/sales", data=json.dumps(body), content_type="application/json", headers=auth
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert {item["field"] for item in error["details"]} == fields
    assert all(item["message"] for item in error["details"])
    assert db.session.query(Job).count() == 0


def test_orders_export_refuses_pdf_and_unknown_filters(api, auth, stub_broker):
    """Exports are Excel or CSV; status and region come from fixed lists."""
    response = api.post(
        "/v1/exports/orders", json={**ORDERS, "format": "pdf", "region": "Mars"}, headers=auth
    )
    assert response.status_code == 422
    assert {d["field"] for d in response.get_json()["error"]["details"]} == {"format", "region"}


def test_status_while_processing_is_seed_001s_first_shape(api, auth, staff):
    """job_id, status, progress, message, created_at, updated_at; Retry-After while running."""
    job = make_job(staff, "processing", progress=65, message="Processing data…",
                   started_at=utcnow())  # fmt: skip
    response = api.get(f"/v1/jobs/{job.id}", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == COMMON | {"estimated_completion"}
    assert (body["status"], body["progress"], body["message"]) == (
        "processing", 65, "Processing data…",
    )  # fmt: skip
    assert RFC3339.match(body["created_at"]) and RFC3339.match(body["updated_at"])
    assert int(response.headers["Retry-After"]) >= 1


def test_status_when_completed_has_result_and_completed_at(api, auth, staff, app):
    """result {file_url, expires_at, size_bytes, content_type}; no Retry-After when final."""
    job = make_job(staff, "completed")
    response = api.get(f"/v1/jobs/{job.id}", headers=auth)
    body = response.get_json()
    assert set(body) == COMMON | {"completed_at", "result"}
    assert body["progress"] == 100 and RFC3339.match(body["completed_at"])
    result = body["result"]
    assert set(result) == {"file_url", "expires_at", "size_bytes", "content_type"}
    assert result["size_bytes"] == len(CSV_BODY)
    assert result["content_type"] == "text/csv; charset=utf-8"
    assert RFC3339.match(result["expires_at"])
    assert "Retry-After" not in response.headers
    assert result["file_url"].startswith(app.config["BASE_URL"] + "/download/")
    path = result["file_url"].removeprefix(app.config["BASE_URL"])
    assert fetch(api, path)[:2] == (200, CSV_BODY)  # the link alone: no token, no session


def test_status_when_failed_has_error_and_failed_at(api, auth, staff):
    """error {code, message, details} and failed_at, as in seed 001."""
    job = make_job(staff, "failed", error_code="E7005", error_message="Report generation failed",
                   error_details="Not enough data for the period", failed_at=utcnow())  # fmt: skip
    body = api.get(f"/v1/jobs/{job.id}", headers=auth).get_json()
    assert set(body) == COMMON | {"failed_at", "error"}
    assert body["error"] == {
        "code": "E7005", "message": "Report generation failed",
        "details": "Not enough data for the period",
    }  # fmt: skip
    assert RFC3339.match(body["failed_at"])


def test_status_when_cancelled_has_cancelled_at(api, auth, staff):
    """cancelled_at, nothing else beyond the common keys."""
    job = make_job(staff, "cancelled", cancelled_at=utcnow())
    body = api.get(f"/v1/jobs/{job.id}", headers=auth).get_json()
    assert set(body) == COMMON | {"cancelled_at"} and RFC3339.match(body["cancelled_at"])


def test_list_filters_and_pages_with_a_cursor(api, auth, staff, other_staff):
    """Own jobs only, newest first, by status and type, in pages joined by next_cursor."""
    start = utcnow() - timedelta(hours=1)
    mine = [make_job(staff, "completed" if i % 2 else "pending", created_at=start + timedelta(
        minutes=i)) for i in range(5)]  # fmt: skip
    make_job(staff, "pending", job_type="orders_export", created_at=start + timedelta(minutes=9))
    make_job(other_staff, "pending")
    seen, cursor = [], None
    while True:
        query = "/v1/jobs?limit=2&type=sales_report" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, headers=auth).get_json()
        seen += [job["job_id"] for job in page["jobs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [job.id for job in reversed(mine)]
    pending = api.get("/v1/jobs?status=pending&type=sales_report", headers=auth).get_json()
    assert [j["job_id"] for j in pending["jobs"]] == [mine[4].id, mine[2].id, mine[0].id]
    assert api.get("/v1/jobs?status=done", headers=auth).status_code == 422
    assert api.get("/v1/jobs?cursor=abc", headers=auth).status_code == 422
    assert api.get("/v1/jobs?limit=0", headers=auth).status_code == 422


def test_delete_cancels_a_waiting_job_and_409s_a_final_one(api, auth, staff, stub_broker):
    """200 with the cancelled status for a waiting job, 202 for a running one, 409 when final."""
    waiting = make_job(staff, "pending")
    response = api.delete(f"/v1/jobs/{waiting.id}", headers=auth)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    running = make_job(staff, "processing", started_at=utcnow())
    response = api.delete(f"/v1/jobs/{running.id}", headers=auth)
    assert response.status_code == 202 and response.headers["Location"] == f"/v1/jobs/{running.id}"
    assert response.get_json()["status"] == "processing"
    again = api.delete(f"/v1/jobs/{waiting.id}", headers=auth)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "job_final"


def test_download_redirects_to_a_fresh_signed_link(api, auth, staff, app):
    """303 to BASE_URL/download/<token> once completed; 409 before; 410 once purged."""
    done = make_job(staff, "completed")
    response = api.get(f"/v1/jobs/{done.id}/download", headers=auth)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(app.config["BASE_URL"] + "/download/")
    assert fetch(api, location.removeprefix(app.config["BASE_URL"]))[1] == CSV_BODY
    waiting = make_job(staff, "pending")
    conflict = api.get(f"/v1/jobs/{waiting.id}/download", headers=auth)
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "job_not_completed"
    done.purged_at = utcnow()
    db.session.commit()
    gone = api.get(f"/v1/jobs/{done.id}/download", headers=auth)
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "result_expired"


def test_another_users_job_is_404_exactly_like_a_missing_one(api, staff, other_staff):
    """Same status, same body, for every job route."""
    job = make_job(staff, "completed")
    other = bearer(new_token(other_staff))
    for suffix in ("", "/download", "/webhooks"):
        theirs = api.get(f"/v1/jobs/{job.id}{suffix}", headers=other)
        missing = api.get(f"/v1/jobs/job-20250101-nothing{suffix}", headers=other)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.get_data() == missing.get_data()
    assert api.delete(f"/v1/jobs/{job.id}", headers=other).status_code == 404
    assert db.session.get(Job, job.id).status == "completed"
