"""The delivery report on a fan-out job's page (the job page's live part includes it)."""

from __future__ import annotations

from typing import Any

from webapp.i18n import gettext as _
from webapp.models.job import Job
from webapp.notifications import report


def delivery_view(job: Job) -> dict[str, Any] | None:
    """The report and its CSV link for announcement and confirmation jobs; None for others."""
    if job.type not in report.FANOUT_TYPES:
        return None
    found = report.report(job.id)
    return {
        "report": found,
        "columns": [("sent", _("Sent")), ("failed", _("Failed")), ("opted_out", _("Opted out")),
                    ("skipped", _("Skipped")), ("waiting", _("Waiting")),
                    ("cancelled", _("Not sent"))],
        "csv_url": None if found.empty else report.signed_csv_url(job.id),
    }  # fmt: skip
