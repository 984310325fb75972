"""The API's request and response models (pydantic): they validate each request and, through
spectree, are the OpenAPI document, so the two cannot drift apart.

Shape is checked here (types, enums, real dates, unknown fields); what depends on the data
(the period's order and length) is checked by the job type's own validate(), as for the forms.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from webapp.models.sales import ORDER_STATUSES, REGIONS

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
IsoDate = Annotated[
    str,
    Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"}, examples=["2025-01-01"]),
]
Status = Literal["pending", "processing", "completed", "failed", "cancelled"]
JobTypeName = Literal["sales_report", "orders_export", "bulk_import"]
OrderStatus = Literal[ORDER_STATUSES]  # type: ignore[valid-type]
Region = Literal[REGIONS]  # type: ignore[valid-type]


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date written as YYYY-MM-DD") from None
    return value


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    date_from: IsoDate = Field(alias="from", description="First day of the period (included).")
    to: IsoDate = Field(description="Last day of the period (included).")
    name: str | None = Field(None, max_length=120, description="Your own label for the job.")
    callback_url: str | None = Field(
        None,
        max_length=2000,
        pattern=r"^https?://[^\s/?#@]+(/[^\s]*)?$",
        json_schema_extra={"format": "uri"},
        description="http(s) URL POSTed the job's final status, signed per Standard Webhooks.",
    )

    language: Literal["en", "ar"] | None = Field(
        None,
        description="The language the file is written in: en (the default) or ar. Not the "
        "language of the API's messages, which follow Accept-Language.",
    )

    _dates = field_validator("date_from", "to")(_real_date)


class SalesReportRequest(_Request):
    """POST /v1/reports/sales: seed 001's body."""

    format: Literal["pdf", "excel", "csv"]


class OrdersExportRequest(_Request):
    """POST /v1/exports/orders: the period, a format and the optional filters."""

    format: Literal["excel", "csv"]
    status: OrderStatus | None = Field(None, description="Only orders in this status.")
    region: Region | None = Field(None, description="Only orders from this region.")


class JobAccepted(BaseModel):
    """202 Accepted: where to ask about the job, and when it will probably be done."""

    job_id: str
    status: Status = Field(
        description="pending for a new job; a replayed Idempotency-Key gives the job's status now"
    )
    created_at: str
    estimated_completion: str | None
    status_url: str


class Result(BaseModel):
    """A completed job's file: a signed link anyone holding it may use until expires_at."""

    file_url: str
    expires_at: str
    size_bytes: int
    content_type: str


class JobErrorBody(BaseModel):
    """Why a job failed: a stable code (README), a message, details."""

    code: str
    message: str
    details: str


class JobStatus(BaseModel):
    """Seed 001's status body; result/completed_at, error/failed_at or cancelled_at by status."""

    job_id: str
    type: str
    name: str | None
    status: Status
    progress: int = Field(ge=0, le=100)
    message: str
    created_at: str
    updated_at: str
    estimated_completion: str | None = None
    completed_at: str | None = None
    result: Result | None = None
    failed_at: str | None = None
    error: JobErrorBody | None = None
    cancelled_at: str | None = None
    counts: dict[str, int] | None = Field(
        None, description="An import's rows: created, updated, unchanged and rejected."
    )


class JobList(BaseModel):
    """A page of the user's jobs, newest first; `next_cursor` asks for the next page."""

    jobs: list[JobStatus]
    next_cursor: str | None


class JobListQuery(BaseModel):
    """Filters and paging of GET /v1/jobs."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    type: JobTypeName | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="next_cursor of the last page.",
    )


class WebhookAttempt(BaseModel):
    """One try at delivering the job's webhook."""

    webhook_id: str
    url: str
    delivery_status: Literal["pending", "sent", "failed"]
    at: str
    status_code: int | None
    duration_ms: int
    error: str | None


class WebhookAttempts(BaseModel):
    """Every delivery attempt of the job's webhook, oldest first."""

    attempts: list[WebhookAttempt]


class ErrorDetail(BaseModel):
    """The error's code (stable, listed in the README), message and details."""

    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error the API answers."""

    error: ErrorDetail


class Empty(BaseModel):
    """No body."""
