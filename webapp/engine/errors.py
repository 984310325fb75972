"""Stable error codes for failed jobs (documented in README.md) and the engine's exceptions."""

from __future__ import annotations

from typing import Any

from webapp.i18n import N_

# code: (title shown to users, what it means), in English: the pages translate them where
# they show them (the API's documents keep the English).
ERROR_CODES: dict[str, tuple[str, str]] = {
    "E7000": (
        N_("Unexpected error"),
        N_("The job raised an error it did not expect; admins see the traceback."),
    ),
    "E7002": (N_("Took too long"), N_("An attempt ran past the job type's time limit.")),
    "E7003": (
        N_("Worker lost"),
        N_("The worker running the job stopped (killed or crashed) on every attempt."),
    ),
    "E7005": (N_("Report generation failed"), N_("The report or export could not be produced.")),
    "E7006": (N_("Not enough data"), N_("There is no data for the requested period or filters.")),
    "E7007": (
        N_("Invalid parameters"),
        N_("The stored parameters are no longer valid for this job type."),
    ),
    "E7008": (
        N_("File could not be imported"),
        N_("The uploaded file is no longer kept, or could not be read as the kind of file chosen."),
    ),
}
UNEXPECTED, TIMEOUT, WORKER_LOST, GENERATION_FAILED, NO_DATA, INVALID_PARAMS, IMPORT_FILE = (
    "E7000", "E7002", "E7003", "E7005", "E7006", "E7007", "E7008",
)  # fmt: skip


class JobError(Exception):
    """A failure the job understands: a stable code, a plain message, optional details.

    `retry=False` fails the job at once (retrying cannot help, e.g. no data for the period).
    """

    def __init__(self, code: str, message: str, details: str = "", *, retry: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.retry = retry


class ParamError(ValueError):
    """Bad parameters for a job type; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownJobType(ValueError):
    """No job type by that name."""


class JobCancelled(Exception):
    """Raised from progress() when the job's owner asked to cancel it.

    Work that keeps what it did so far (an import's applied batches) raises it again with
    `detail` (how far it got, in words) and `result` (its figures), kept on the cancelled job.
    """

    def __init__(
        self, *args: object, detail: str = "", result: dict[str, Any] | None = None
    ) -> None:
        super().__init__(*args)
        self.detail = detail
        self.result = result


class ClaimLost(Exception):
    """Raised from progress() when this attempt no longer holds the job (recovered elsewhere)."""


class JobStateError(ValueError):
    """The job is not in a state that allows the requested change."""
