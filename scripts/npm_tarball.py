"""Files from a pinned npm registry tarball, checked (standard library only).

What scripts/fetch_htmx.py and scripts/fetch_fonts.py share: the tarball is checked against its
pinned integrity string (`npm view <package>@<version> dist.integrity`) before anything is read
out of it; each file is checked against its own pinned sha256, so files already in place are
checked without a download; every file is checked before any is written, and each is written
atomically. Any failure is a FetchError whose message says what to do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path


class FetchError(RuntimeError):
    """The pinned files could not be put in place; the message says why and what to do."""


def integrity_matches(data: bytes, integrity: str) -> bool:
    """True when `data` has the npm-style `sha512-<base64>` integrity given."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha256", "sha384", "sha512"} or not expected:
        raise FetchError(f"Unsupported integrity string {integrity!r}.")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    return hmac.compare_digest(actual, expected)


def sha256_of(path: Path) -> str | None:
    """Hex sha256 of the file, or None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def download(url: str, by_hand: str, timeout: float = 60.0) -> bytes:
    """The bytes at `url` (https:// or file://), or a FetchError that names the URL and says
    what to put where by hand (`by_hand`) when offline."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(
            f"Could not download {url}: {exc}.\n"
            "Check the network (or the HTTPS_PROXY setting), then run this again; offline, "
            f"pass a copy of the tarball with --tarball, or {by_hand} yourself."
        ) from exc


def extract(tarball: bytes, member: str) -> bytes:
    """Read one member out of a .tgz held in memory (nothing is written from the archive)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            handle = archive.extractfile(member)
            if handle is None:
                raise FetchError(f"{member} in the tarball is not a regular file.")
            return handle.read()
    except KeyError as exc:
        raise FetchError(f"The tarball has no {member}.") from exc
    except tarfile.TarError as exc:
        raise FetchError(f"The tarball could not be read: {exc}") from exc


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def missing(wanted: Mapping[Path, tuple[str, str]]) -> list[Path]:
    """The destinations (of dest -> (member, sha256)) absent or not matching their sha256."""
    return [dest for dest, (_, digest) in wanted.items() if sha256_of(dest) != digest]


def fetch_files(
    wanted: Mapping[Path, tuple[str, str]], url: str, integrity: str, by_hand: str
) -> list[Path]:
    """Put each dest -> (tarball member, sha256) in place unless it already is; the ones
    written (none when every file was in place: nothing is downloaded then)."""
    absent = missing(wanted)
    if not absent:
        return []
    tarball = download(url, by_hand)
    if not integrity_matches(tarball, integrity):
        raise FetchError(
            f"The tarball from {url} does not match the pinned integrity {integrity}.\n"
            "Nothing was written. It may have been tampered with or cut short: run this again; "
            "if it keeps failing, do not work around it, tell whoever maintains this script."
        )
    files = {}
    for dest in absent:  # every file is checked before any is written
        member, digest = wanted[dest]
        data = extract(tarball, member)
        got = hashlib.sha256(data).hexdigest()
        if got != digest:
            raise FetchError(f"{member} has sha256 {got}, but {digest} is pinned. "
                             "Nothing was written.")  # fmt: skip
        files[dest] = data
    for dest, data in files.items():
        write_atomically(dest, data)
    return list(files)
