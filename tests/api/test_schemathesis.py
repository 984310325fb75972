"""Schemathesis against /v1/openapi.json: generated requests, valid and not, to every
operation, with a real token; no server error, and every check of schemathesis passes.

Driven through schemathesis's Python API (`as_strategy` + hypothesis), one test per
operation and generation mode.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.api.conftest import bearer, new_token
from tests.staff.helpers import make_job


def within_business_rules(case: schemathesis.Case) -> schemathesis.Case:
    """Valid data the document cannot describe: a period in order and under the span limit,
    no made-up cursor.

    A callback_url needs a signing secret and a public address (tests/api/test_webhooks.py);
    everything else the document allows must be accepted (schemathesis's positive check).
    """
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)  # opaque: only the API makes valid ones
    body = case.body
    if isinstance(body, dict) and "file" in body:  # an import: a file the kind can take
        body["file"] = IMPORT_FILES.get((case.path_parameters or {}).get("kind"), b"")
    if isinstance(body, dict):
        body.pop("callback_url", None)
        if isinstance(body.get("from"), str) and isinstance(body.get("to"), str):
            start, end = sorted([date.fromisoformat(body["from"]), date.fromisoformat(body["to"])])
            body["from"] = start.isoformat()
            # start + 365 days would overflow after 9999-12-31; start + (end - start) cannot
            body["to"] = (start + min(end - start, timedelta(days=365))).isoformat()
    return case


IMPORT_FILES = {
    "customers": b"email,name,region\r\nsam@example.com,Sam,North\r\n",
    "products": b"sku,name,category,unit_price\r\nIMP-9,Lamp,Home,9.50\r\n",
    "prices": b"sku,unit_price\r\nIMP-9,9.50\r\n",
}
OPERATIONS = [
    ("POST", "/v1/reports/sales"),
    ("POST", "/v1/exports/orders"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/{job_id}"),
    ("DELETE", "/v1/jobs/{job_id}"),
    ("GET", "/v1/jobs/{job_id}/download"),
    ("GET", "/v1/jobs/{job_id}/webhooks"),
    ("POST", "/v1/imports/{kind}"),
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_keeps_its_contract(app, staff, stub_broker, monkeypatch, method, path,
                                            mode):  # fmt: skip
    """Responses match the document (status codes, headers, bodies); never a 5xx."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    for status in ("pending", "processing", "completed", "failed", "cancelled"):
        make_job(staff, status)
    headers = bearer(new_token(staff))
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    assert {(m.upper(), p) for p, ops in schema.raw_schema["paths"].items() for m in ops} == set(
        OPERATIONS)  # fmt: skip
    operation = schema[path][method]

    strategy = operation.as_strategy(generation_mode=mode)
    if path == "/v1/imports/{kind}":  # a multipart body is a set of parts: a bare `True` or a
        # list cannot be written as one (the test client fails before anything is sent)
        strategy = strategy.filter(lambda case: case.body is None or isinstance(case.body, dict))
    if mode == GenerationMode.POSITIVE:
        strategy = strategy.map(within_business_rules)

    @given(case=strategy)
    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)

    run()
