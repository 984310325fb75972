"""Typed SQLAlchemy models; importing this package registers every table."""

from webapp.models.api import ApiToken, IdempotencyKey, JobCallback, OutboxAttempt, WebhookSecret
from webapp.models.imports import ImportBatch
from webapp.models.job import Job, JobEvent, SchedulerLease, WorkerHeartbeat
from webapp.models.notify import OptOut
from webapp.models.ops import (
    Alert,
    AuditEvent,
    JobMinute,
    JobTotal,
    MonitorMark,
    OutboxMessage,
    QueuePause,
)
from webapp.models.sales import Customer, Order, OrderLine, Product
from webapp.models.user import SignInThrottle, User

__all__ = [
    "Alert",
    "ApiToken",
    "AuditEvent",
    "Customer",
    "IdempotencyKey",
    "ImportBatch",
    "Job",
    "JobCallback",
    "JobEvent",
    "JobMinute",
    "JobTotal",
    "MonitorMark",
    "OptOut",
    "Order",
    "OrderLine",
    "OutboxAttempt",
    "OutboxMessage",
    "Product",
    "QueuePause",
    "SchedulerLease",
    "SignInThrottle",
    "User",
    "WebhookSecret",
    "WorkerHeartbeat",
]
