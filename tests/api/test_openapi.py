"""/v1/openapi.json is OpenAPI 3.1 made from the models that validate requests; /v1/docs
describes it for people from our own origin, with no script."""

from __future__ import annotations

from webapp.api.schemas import JobStatus, OrdersExportRequest, SalesReportRequest


def test_the_document_is_openapi_3_1_with_every_operation(api):
    """Open to all, 3.1, bearer security, each path and method of the API."""
    response = api.get("/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "tamam_...",
    }  # fmt: skip
    operations = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert operations == {
        ("post", "/v1/reports/sales"), ("post", "/v1/exports/orders"), ("get", "/v1/jobs"),
        ("get", "/v1/jobs/{job_id}"), ("delete", "/v1/jobs/{job_id}"),
        ("get", "/v1/jobs/{job_id}/download"), ("get", "/v1/jobs/{job_id}/webhooks"),
        ("post", "/v1/imports/{kind}"),
    }  # fmt: skip
    sales = doc["paths"]["/v1/reports/sales"]["post"]
    assert "202" in sales["responses"] and "422" in sales["responses"]


def test_the_document_is_the_validating_models(api):
    """The request and status schemas are the pydantic models' own JSON Schema."""
    schemas = api.get("/v1/openapi.json").get_json()["components"]["schemas"]
    for model in (SalesReportRequest, OrdersExportRequest):
        own = model.model_json_schema(ref_template="#/components/schemas/{model}")
        assert schemas[model.__name__]["properties"] == own["properties"]
        assert set(schemas[model.__name__]["required"]) == {"from", "to", "format"}
    assert schemas["SalesReportRequest"]["properties"]["format"]["enum"] == ["pdf", "excel", "csv"]
    assert schemas["OrdersExportRequest"]["properties"]["format"]["enum"] == ["excel", "csv"]
    assert set(schemas["JobStatus"]["properties"]) == set(JobStatus.model_fields)


def test_the_docs_page_is_served_from_our_origin_without_script(api):
    """HTML rendered on the server under the app's CSP: no script, no third-party URL."""
    response = api.get("/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html and "cdn" not in html.lower()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for text in ("POST /v1/reports/sales", "GET /v1/jobs/{job_id}", "SalesReportRequest",
                 "/v1/openapi.json"):  # fmt: skip
        assert text in html
    assert "Set-Cookie" not in response.headers
