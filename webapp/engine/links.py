"""Signed download links: an itsdangerous token holding the job id, the file name and the TTL.

The token is signed with SECRET_KEY (salt "download") and carries the time it was made, so it
is bound to the job, its file and its expiry (made at + TTL, DOWNLOAD_LINK_TTL by default;
an email may give its links another TTL). A link is a capability, like a storage service's
temporary URL: whoever holds it may download the file until it expires, unless
DOWNLOAD_REQUIRES_LOGIN asks for the owner (or an admin) to be signed in as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.engine.storage import result_path
from webapp.models.job import COMPLETED, Job
from webapp.models.types import utcnow

SALT = "download"


class BadLink(Exception):
    """The token was not signed by us, or was changed after signing."""


@dataclass(frozen=True)
class Link:
    """What a genuine token says: which job's file, and whether the link is past its TTL."""

    job_id: str
    file_name: str
    expired: bool


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_ttl() -> int:
    """Seconds a download link stays valid (DOWNLOAD_LINK_TTL, default one hour)."""
    return int(current_app.config.get("DOWNLOAD_LINK_TTL", 3600))


def file_name_of(job: Job) -> str | None:
    """The result's file name, if the job produced one."""
    name = (job.result_data or {}).get("file_name")
    return name if isinstance(name, str) and name else None


def make_token(job: Job, ttl: int | None = None) -> str:
    """A fresh signed token for the job's result file, valid `ttl` s (DOWNLOAD_LINK_TTL)."""
    seconds = link_ttl() if ttl is None else int(ttl)
    return str(_serializer().dumps([job.id, file_name_of(job) or "", seconds]))


def read_token(token: str) -> Link:
    """Check a token's signature and age; raises BadLink when it was not made by us.

    Tokens of two parts (job, file) from before links carried their TTL get DOWNLOAD_LINK_TTL.
    """
    try:
        payload, made_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:  # SignatureExpired is one too, but no max_age is given here
        raise BadLink(token) from None
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        raise BadLink(token)
    job_id, file_name, *rest = payload
    ttl = rest[0] if rest else link_ttl()
    if not (isinstance(job_id, str) and job_id and isinstance(file_name, str) and file_name):
        raise BadLink(token)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise BadLink(token)
    expired = made_at.timestamp() + ttl < time.time()
    return Link(job_id=job_id, file_name=file_name, expired=expired)


def path_for(endpoint: str, **values: Any) -> str:
    """The URL path of an endpoint, with or without a request (workers have none)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


def absolute_url(endpoint: str, **values: Any) -> str:
    """BASE_URL followed by the endpoint's path: for emails and other links sent away."""
    adapter = current_app.url_map.bind("localhost")
    return str(current_app.config["BASE_URL"]).rstrip("/") + adapter.build(endpoint, values)


def signed_download_url(job: Job, external: bool = False, ttl: int | None = None) -> str:
    """A fresh signed link to the job's file (absolute, on BASE_URL, when `external`)."""
    token = make_token(job, ttl)
    if external:
        return absolute_url("downloads.download", token=token)
    return path_for("downloads.download", token=token)


def result_expired(job: Job) -> bool:
    """True when a completed job's file was removed, or is past its time to live."""
    if job.status != COMPLETED or file_name_of(job) is None:
        return False
    return job.purged_at is not None or job.expires_at <= utcnow()


def result_file(job: Job) -> Path | None:
    """The job's result file when it can still be downloaded, else None."""
    name = file_name_of(job)
    if job.status != COMPLETED or name is None or result_expired(job):
        return None
    stored_as = (job.result_data or {}).get("stored_as", name)  # older rows: the name alone
    return result_path(job.id, stored_as) if isinstance(stored_as, str) else None


def download_url_if_available(job: Job) -> str | None:
    """A signed link when the file can be downloaded now; None otherwise."""
    return signed_download_url(job) if result_file(job) is not None else None
