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
import sys
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_tarball import FetchError, fetch_files, sha256_of

__all__ = ["FetchError", "fetch", "main", "missing"]

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
    wanted = {dest_dir / name: (f"{member_dir}/{name}", digest) for name, digest in files.items()}
    by_hand = f"put DejaVu Sans {VERSION}'s {', '.join(files)} in {dest_dir}"
    written = fetch_files(wanted, url, integrity, by_hand)
    if not written:
        return f"DejaVu Sans {VERSION} is already in place in {dest_dir}."
    return f"Fetched DejaVu Sans {VERSION} ({', '.join(p.name for p in written)}) into {dest_dir}."


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
