"""Job types, each declared once: name, queue, attempts, time limit, TTL, params and work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webapp.engine.errors import UNEXPECTED, UnknownJobType

QUEUES = ("default", "reports", "exports", "notifications")


@dataclass
class JobContext:
    """What a job's work function receives."""

    job_id: str
    user_id: int
    params: dict[str, Any]
    attempt: int
    out_dir: Path
    progress: Callable[..., None]


@dataclass(frozen=True)
class JobType:
    """The declaration of one kind of job."""

    name: str
    label: str
    run: Callable[[JobContext], dict[str, Any] | None]
    validate: Callable[[Mapping[str, Any]], dict[str, Any]]
    queue: str = "default"
    max_attempts: int = 3
    time_limit: int = 60  # seconds per attempt
    result_ttl: int = 24 * 3600  # seconds a result is kept
    backoff: float = 10.0  # seconds before the 2nd attempt; doubles each time
    max_backoff: float = 15 * 60
    error_code: str = UNEXPECTED  # the code of unexpected failures of this type
    size_hint: Callable[[Mapping[str, Any]], int] | None = None
    produces_file: bool = False
    notify_owner: bool = False  # email the owner a download link when it completes
    admin_only: bool = False  # the machinery's own work: staff never see it offered
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_name(self) -> str:
        """The Dramatiq actor that runs jobs of this type."""
        return f"job_{self.name}"

    def backoff_seconds(self, attempt: int) -> float:
        """Delay before the attempt after `attempt` (1-based): backoff, 2x, 4x ... capped."""
        return float(min(self.max_backoff, self.backoff * 2 ** max(0, attempt - 1)))


_TYPES: dict[str, JobType] = {}


def register(job_type: JobType) -> JobType:
    """Add (or replace) a job type."""
    if job_type.queue not in QUEUES:
        raise ValueError(f"{job_type.name}: queue must be one of {QUEUES}")
    _TYPES[job_type.name] = job_type
    return job_type


def get(name: str) -> JobType:
    """The job type called `name`; UnknownJobType if there is none."""
    _ensure_catalog()
    try:
        return _TYPES[name]
    except KeyError:
        known = ", ".join(sorted(_TYPES))
        raise UnknownJobType(f"Unknown job type {name!r}. Known types: {known}.") from None


def all_types() -> list[JobType]:
    """Every registered job type, by name."""
    _ensure_catalog()
    return [_TYPES[name] for name in sorted(_TYPES)]


def _ensure_catalog() -> None:
    from webapp.engine import catalog  # noqa: F401  (registers the built-in types)
