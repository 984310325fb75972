#!/usr/bin/env python3
"""Fetch the pinned DejaVu Sans fonts for the report PDFs (standard library only).

DejaVu Sans has Arabic and Latin glyphs, so one font sets both languages' reports. The npm
registry's tarball is checked against its pinned sha512 integrity string before anything is
extracted; each extracted font is checked against its own pinned sha256. When the right files
are already in place nothing is downloaded. Any other outcome exits non-zero with a message
that says what to do. The fonts are never committed (see .gitignore).

    python scripts/fetch_fonts.py            # what `make setup` and `make setup-dev` call
    python scripts/fetch_fonts.py --tarball dejavu-fonts-ttf-2.37.3.tgz   # offline, a local copy
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
from collections.abc import Mapping
from pathlib import Path

VERSION = "2.37.3"
URL = f"https://registry.npmjs.org/dejavu-fonts-ttf/-/dejavu-fonts-ttf-{VERSION}.tgz"
# `npm view dejavu-fonts-ttf@2.37.3 dist.integrity`
INTEGRITY = "sha512-f1hd7jJbeQa1VWcw+K2KrTXS50zTMaHpVC4XIKJpNcDeYR5ajMtj/iLlQDYNvLOKamUB3ARVVCf79lNwNVztSQ=="  # noqa: E501
# Each member of that tarball, and the sha256 it has there, so files in place are checked
# without a download.
FILES: Mapping[str, str] = {
    "DejaVuSans.ttf": "7da195a74c55bef988d0d48f9508bd5d849425c1770dba5d7bfc6ce9ed848954",
    "DejaVuSans-Bold.ttf": "e6476c1b80502924294eed40894c5b18e06c181444ca953e5334262df9c27724",
}
MEMBER_DIR = "package/ttf"
DEST_DIR = Path(__file__).resolve().parent.parent / "webapp" / "generators" / "fonts"


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


def download(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at `url` (https:// or file://), or a FetchError that names the URL."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(
            f"Could not download {url}: {exc}.\n"
            "Check the network (or the HTTPS_PROXY setting), then run this again; offline, "
            f"pass a copy of the tarball with --tarball, or put DejaVu Sans {VERSION}'s "
            f"{', '.join(FILES)} in {DEST_DIR} yourself."
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


def missing(dest_dir: Path = DEST_DIR, files: Mapping[str, str] = FILES) -> list[str]:
    """The font files that are absent from `dest_dir` or differ from their pinned sha256."""
    return [name for name, digest in files.items() if sha256_of(dest_dir / name) != digest]


def fetch(
    dest_dir: Path = DEST_DIR,
    url: str = URL,
    integrity: str = INTEGRITY,
    files: Mapping[str, str] = FILES,
    member_dir: str = MEMBER_DIR,
) -> str:
    """Put the pinned fonts in `dest_dir` unless they are already there; return what was done."""
    wanted = missing(dest_dir, files)
    if not wanted:
        return f"DejaVu Sans {VERSION} is already in place in {dest_dir}."
    tarball = download(url)
    if not integrity_matches(tarball, integrity):
        raise FetchError(
            f"The tarball from {url} does not match the pinned integrity {integrity}.\n"
            "Nothing was written. It may have been tampered with or cut short: run this again; "
            "if it keeps failing, do not work around it, tell whoever maintains this script."
        )
    fonts = {}
    for name in wanted:  # every file is checked before any is written
        data = extract(tarball, f"{member_dir}/{name}")
        got = hashlib.sha256(data).hexdigest()
        if got != files[name]:
            raise FetchError(
                f"{name} has sha256 {got}, but {files[name]} is pinned. Nothing was written."
            )
        fonts[name] = data
    for name, data in fonts.items():
        write_atomically(dest_dir / name, data)
    return f"Fetched DejaVu Sans {VERSION} ({', '.join(fonts)}) into {dest_dir}."


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="use this local .tgz instead of the network")
    parser.add_argument("--dest", type=Path, default=DEST_DIR, help="where to write the fonts")
    args = parser.parse_args(argv)
    url = args.tarball.resolve().as_uri() if args.tarball else URL
    try:
        print(fetch(dest_dir=args.dest, url=url))
    except FetchError as exc:
        print(f"fetch_fonts: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
