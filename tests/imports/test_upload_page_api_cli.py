"""Uploads through the page, the API and the CLI: refused before a job when unusable, else 202."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.imports.helpers import (
    csv_bytes,
    customers_file,
    imported_customers,
    run,
    xlsx_bytes,
)
from webapp.api.tokens import create_token
from webapp.engine.service import get_job
from webapp.extensions import db
from webapp.models.job import Job


def job_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Job)) or 0


def post_upload(client, data: bytes, name: str, kind="customers", mode="apply", token=None):
    token = token or csrf_from(client, "/imports/new")
    form = {"csrf_token": token, "kind": kind, "mode": mode, "name": "",
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return client.post("/imports/new", data=form, content_type="multipart/form-data")


def test_the_page_uploads_and_goes_to_the_job(stub_broker, staff_client):
    """A good file makes one job with the file kept, and the browser goes to its page."""
    response = post_upload(staff_client, csv_bytes(customers_file(2)), "people.csv")
    assert response.status_code == 303
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    job = get_job(job_id)
    assert job.type == "bulk_import" and job.input_data["file_name"] == "people.csv"
    done = run(job_id)
    assert done.result_data["counts"]["created"] == 2
    page = staff_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Created" in page and "people.csv" in page and "Check and apply" in page


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (xlsx_bytes(customers_file(1)), "people.csv", "named .csv but holds a ZIP archive"),
        (csv_bytes(customers_file(1)), "people.xlsx", "named .xlsx but holds text"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "old.xlsx", "an old Excel (.xls)"),
        (b"%PDF-1.7 rest", "report.csv", "holds a PDF document"),
        (csv_bytes(customers_file(1)), "people.txt", "The file has .txt: choose a .csv or .xlsx"),
        (b"", "empty.csv", "The file is empty."),
        (csv_bytes([["name", "region"], ["A", "North"]]), "cols.csv", "has no email column"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_before_a_job(
    stub_broker, staff_client, data, name, words
):
    """Wrong content for the extension, an unknown extension, no columns: 400, words, no job."""
    response = post_upload(staff_client, data, name)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert job_count() == 0


def test_a_file_over_the_limit_is_refused_with_words_not_a_500(stub_broker, staff_client, app,
                                                                monkeypatch):  # fmt: skip
    """Over IMPORT_MAX_BYTES: the body is not even read (413) and the page says the limit."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024)
    token = csrf_from(staff_client, "/imports/new")
    response = post_upload(staff_client, b"email,name,region\n" + b"x" * 200_000, "big.csv",
                           token=token)  # fmt: skip
    assert response.status_code == 413
    assert "The file is larger than 1 KiB" in response.get_data(as_text=True)
    just_over = post_upload(staff_client, b"email,name,region\n" + b"x" * 2000, "big.csv",
                            token=token)  # fmt: skip
    assert just_over.status_code == 400  # under the body limit, over the file limit
    assert "The file is larger than 1 KiB" in just_over.get_data(as_text=True)
    assert job_count() == 0


def test_a_file_over_max_content_length_but_under_the_import_limit_is_taken(
    stub_broker, staff_client, app, monkeypatch
):
    """The page's limit is IMPORT_MAX_BYTES, not the site-wide MAX_CONTENT_LENGTH."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    data = csv_bytes(customers_file(100))
    assert len(data) > 2048
    assert post_upload(staff_client, data, "people.csv").status_code == 303


def test_the_form_needs_its_csrf_token(stub_broker, staff_client):
    """Exempt from the early check, the form still refuses a post without its token."""
    response = post_upload(staff_client, csv_bytes(customers_file(1)), "a.csv", token="forged")
    assert response.status_code == 400 and job_count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_have_the_columns_and_an_example_that_imports(stub_broker, staff_client, fmt):
    """Each kind's template downloads; the customers one imports as it is (one row created)."""
    for kind in ("customers", "products", "prices"):
        response = staff_client.get(f"/imports/templates/{kind}.{fmt}")
        assert response.status_code == 200
        assert f'filename="{kind}-template.{fmt}"' in response.headers["Content-Disposition"]
    data = staff_client.get(f"/imports/templates/customers.{fmt}").get_data()
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        assert [cell.value for cell in sheet[1]] == ["email", "name", "region", "phone",
                                                     "customer_since"]  # fmt: skip
    job_id = post_upload(staff_client, data, f"template.{fmt}").headers["Location"].rsplit("/")[-1]
    assert run(job_id).result_data["counts"]["created"] == 1
    assert imported_customers() == {}  # its example is example.com, not the tests' domain
    from tests.imports.helpers import forget_imports
    from webapp.models.sales import Customer

    db.session.execute(Customer.__table__.delete().where(
        Customer.email == "layla.haddad@example.com"))  # fmt: skip
    db.session.commit()
    forget_imports()


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def bearer(staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(staff, 'imports')[1]}"}


def api_post(client, path, data: bytes | None, name="people.csv", headers=None, **form):
    fields = dict(form)
    if data is not None:
        fields["file"] = (io.BytesIO(data), name)
    return client.post(path, data=fields, headers=headers, content_type="multipart/form-data")


def test_api_202_then_counts_in_the_status(stub_broker, app, bearer):
    """POST /v1/imports/customers answers 202 + Location; the status then has the counts."""
    client = app.test_client()
    response = api_post(client, "/v1/imports/customers", csv_bytes(customers_file(3)),
                        headers=bearer, mode="check")  # fmt: skip
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == f"/v1/jobs/{body['job_id']}"
    assert int(response.headers["Retry-After"]) >= 1
    run(body["job_id"])
    status = client.get(f"/v1/jobs/{body['job_id']}", headers=bearer).get_json()
    assert status["status"] == "completed"
    assert status["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert imported_customers() == {}  # check only


def test_api_errors_422_413_415_401_404(stub_broker, app, bearer, monkeypatch):
    """Every refusal is the API's envelope, and no job is made."""
    client = app.test_client()
    wrong = api_post(client, "/v1/imports/customers", xlsx_bytes(customers_file(1)),
                     name="people.csv", headers=bearer)  # fmt: skip
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"][0]["field"] == "file"
    assert "named .csv but holds" in wrong.get_json()["error"]["details"][0]["message"]
    missing = api_post(client, "/v1/imports/customers", None, headers=bearer, mode="apply")
    assert missing.status_code == 422
    bad_mode = api_post(client, "/v1/imports/customers", csv_bytes(customers_file(1)),
                        headers=bearer, mode="maybe")  # fmt: skip
    assert bad_mode.status_code == 422 and "mode" in bad_mode.get_json()["error"]["message"]
    as_json = client.post("/v1/imports/customers", json={"file": "x"}, headers=bearer)
    assert as_json.status_code == 415
    assert as_json.get_json()["error"]["code"] == "unsupported_media_type"
    assert api_post(client, "/v1/imports/customers", b"a", headers=None).status_code == 401
    unknown = api_post(client, "/v1/imports/orders", csv_bytes(customers_file(1)), headers=bearer)
    assert unknown.status_code == 404
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024)
    big = api_post(client, "/v1/imports/customers", b"email,name,region\n" + b"x" * 200_000,
                   headers=bearer)  # fmt: skip
    assert big.status_code == 413
    assert big.get_json()["error"]["code"] == "payload_too_large"
    assert job_count() == 0


def test_the_openapi_document_describes_the_upload(app):
    """The endpoint is in the OpenAPI document as multipart with a binary file."""
    doc = app.test_client().get("/v1/openapi.json").get_json()
    post = doc["paths"]["/v1/imports/{kind}"]["post"]
    assert "202" in post["responses"] and "413" in post["responses"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    text = json.dumps(doc["components"]["schemas"]["ImportUpload"])
    assert '"format": "binary"' in text


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_template_and_submit(stub_broker, app, staff, tmp_path):
    """`flask imports template` writes a file; `submit` prints the job id; `jobs show` counts."""
    runner = app.test_cli_runner()
    out = tmp_path / "customers.xlsx"
    result = runner.invoke(args=["imports", "template", "customers", str(out)])
    assert result.exit_code == 0 and out.is_file()
    data = tmp_path / "people.csv"
    data.write_bytes(csv_bytes(customers_file(2)))
    result = runner.invoke(args=["imports", "submit", "customers", str(data), "--user",
                                 staff.email, "--check-only"])  # fmt: skip
    assert result.exit_code == 0, result.output
    job_id = result.output.strip()
    assert get_job(job_id).input_data["mode"] == "check"
    run(job_id)
    shown = json.loads(runner.invoke(args=["jobs", "show", job_id]).output)
    assert shown["result"]["counts"] == {"created": 2, "updated": 0, "unchanged": 0,
                                         "rejected": 0}  # fmt: skip
    wrong = tmp_path / "people.xlsx"
    wrong.write_bytes(csv_bytes(customers_file(1)))
    refused = runner.invoke(args=["imports", "submit", "customers", str(wrong), "--user",
                                  staff.email])  # fmt: skip
    assert refused.exit_code != 0 and "named .xlsx but holds text" in refused.output
