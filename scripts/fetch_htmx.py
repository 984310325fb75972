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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_tarball import FetchError, fetch_files, sha256_of

__all__ = ["FetchError", "fetch", "main", "sha256_of"]

VERSION = "2.0.11"
URL = f"https://registry.npmjs.org/htmx.org/-/htmx.org-{VERSION}.tgz"
# `npm view htmx.org@2.0.11 dist.integrity`
INTEGRITY = "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="  # noqa: E501
MEMBER = "package/dist/htmx.min.js"
# sha256 of MEMBER inside that tarball, so a file already in place is checked without a download.
FILE_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
DEST = Path(__file__).resolve().parent.parent / "webapp" / "static" / "vendor" / "htmx.min.js"


def fetch(
    dest: Path = DEST,
    url: str = URL,
    integrity: str = INTEGRITY,
    file_sha256: str = FILE_SHA256,
    member: str = MEMBER,
) -> str:
    """Put the pinned file at `dest` unless it is already there; return what was done."""
    by_hand = f"put htmx {VERSION}'s dist/htmx.min.js at {dest}"
    if not fetch_files({dest: (member, file_sha256)}, url, integrity, by_hand):
        return f"htmx {VERSION} is already in place at {dest}."
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
