"""Typed SQLAlchemy models; importing this package registers every table."""

from webapp.models.job import Job, JobEvent, SchedulerLease, WorkerHeartbeat
from webapp.models.sales import Customer, Order, OrderLine, Product
from webapp.models.user import SignInThrottle, User

__all__ = [
    "Customer",
    "Job",
    "JobEvent",
    "Order",
    "OrderLine",
    "Product",
    "SchedulerLease",
    "SignInThrottle",
    "User",
    "WorkerHeartbeat",
]
