#!/usr/bin/env python3
"""Fetch the pinned htmx release into webapp/static/vendor/ (standard library only).

The npm registry's tarball is checked against its pinned sha512 integrity string before
anything is extracted; the extracted file is checked against its own pinned sha256. When the
right file is already in place nothing is downloaded. Any other outcome exits non-zero with a
message that says what to do.

    python scripts/fetch_htmx.py            # what `make run` and `make test` call
    python scripts/fetch_htmx.py --tarball htmx.org-2.0.11.tgz   # offline, from a local copy
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

VERSION = "2.0.11"
URL = f"https://registry.npmjs.org/htmx.org/-/htmx.org-{VERSION}.tgz"
# `npm view htmx.org@2.0.11 dist.integrity`
INTEGRITY = "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="  # noqa: E501
MEMBER = "package/dist/htmx.min.js"
# sha256 of MEMBER inside that tarball, so a file already in place is checked without a download.
FILE_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
DEST = Path(__file__).resolve().parent.parent / "webapp" / "static" / "vendor" / "htmx.min.js"


class FetchError(RuntimeError):
    """The pinned file could not be put in place; the message says why and what to do."""


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


def download(url: str, timeout: float = 30.0) -> bytes:
    """The bytes at `url` (https:// or file://), or a FetchError that names the URL."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(
            f"Could not download {url}: {exc}.\n"
            "Check the network (or the HTTPS_PROXY setting), then run this again; offline, "
            f"pass a copy of the tarball with --tarball, or put htmx {VERSION}'s "
            f"dist/htmx.min.js at {DEST} yourself."
        ) from exc


def extract(tarball: bytes, member: str = MEMBER) -> bytes:
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


def fetch(
    dest: Path = DEST,
    url: str = URL,
    integrity: str = INTEGRITY,
    file_sha256: str = FILE_SHA256,
    member: str = MEMBER,
) -> str:
    """Put the pinned file at `dest` unless it is already there; return what was done."""
    if sha256_of(dest) == file_sha256:
        return f"htmx {VERSION} is already in place at {dest}."
    tarball = download(url)
    if not integrity_matches(tarball, integrity):
        raise FetchError(
            f"The tarball from {url} does not match the pinned integrity {integrity}.\n"
            "Nothing was written. It may have been tampered with or cut short: run this again; "
            "if it keeps failing, do not work around it, tell whoever maintains this script."
        )
    data = extract(tarball, member)
    got = hashlib.sha256(data).hexdigest()
    if got != file_sha256:
        raise FetchError(
            f"{member} has sha256 {got}, but {file_sha256} is pinned. Nothing was written."
        )
    write_atomically(dest, data)
    return f"Fetched htmx {VERSION} into {dest}."


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="use this local .tgz instead of the network")
    parser.add_argument("--dest", type=Path, default=DEST, help="where to write htmx.min.js")
    args = parser.parse_args(argv)
    url = args.tarball.resolve().as_uri() if args.tarball else URL
    try:
        print(fetch(dest=args.dest, url=url))
    except FetchError as exc:
        print(f"fetch_htmx: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
