"""scripts/fetch_htmx.py: pinned, verified, cached, loud on failure (no network: file:// URLs)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from webapp.settings import PROJECT_ROOT

BODY = b"var htmx=function(){};"


def load_script() -> ModuleType:
    """Import scripts/fetch_htmx.py (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "fetch_htmx", PROJECT_ROOT / "scripts" / "fetch_htmx.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_htmx = load_script()


def make_tarball(path: Path, body: bytes = BODY, member: str = "package/dist/htmx.min.js") -> str:
    """Write an npm-like .tgz holding `body` at `member`; return its sha512 integrity string."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    data = buffer.getvalue()
    path.write_bytes(data)
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_pins_a_2x_release_from_the_npm_registry() -> None:
    """The pinned release is htmx 2.0.x from the npm registry, with a sha512 integrity."""
    assert fetch_htmx.VERSION.startswith("2.0.")
    assert fetch_htmx.URL.startswith("https://registry.npmjs.org/htmx.org/-/")
    assert fetch_htmx.URL.endswith(f"/htmx.org-{fetch_htmx.VERSION}.tgz")
    assert fetch_htmx.INTEGRITY.startswith("sha512-")
    assert len(fetch_htmx.FILE_SHA256) == 64


def test_verified_tarball_is_extracted(tmp_path: Path) -> None:
    """A tarball matching its integrity is unpacked: only dist/htmx.min.js is written."""
    tgz, dest = tmp_path / "htmx.tgz", tmp_path / "static" / "vendor" / "htmx.min.js"
    integrity = make_tarball(tgz)
    message = fetch_htmx.fetch(
        dest=dest,
        url=tgz.as_uri(),
        integrity=integrity,
        file_sha256=hashlib.sha256(BODY).hexdigest(),
    )
    assert message.startswith("Fetched htmx")
    assert dest.read_bytes() == BODY
    assert sorted(p.name for p in dest.parent.iterdir()) == ["htmx.min.js"]


def test_file_already_in_place_is_not_downloaded_again(tmp_path: Path) -> None:
    """When the right file is there, nothing is fetched (the URL is not even opened)."""
    dest = tmp_path / "htmx.min.js"
    dest.write_bytes(BODY)
    message = fetch_htmx.fetch(
        dest=dest,
        url=(tmp_path / "does-not-exist.tgz").as_uri(),
        integrity="sha512-unused",
        file_sha256=hashlib.sha256(BODY).hexdigest(),
    )
    assert "already in place" in message


def test_tampered_tarball_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """A tarball that does not match the pinned integrity is refused; no file appears."""
    tgz, dest = tmp_path / "htmx.tgz", tmp_path / "htmx.min.js"
    make_tarball(tgz)
    other = make_tarball(tmp_path / "other.tgz", body=b"something else")
    with pytest.raises(fetch_htmx.FetchError, match="does not match the pinned integrity"):
        fetch_htmx.fetch(dest=dest, url=tgz.as_uri(), integrity=other, file_sha256="0" * 64)
    assert not dest.exists()


def test_changed_file_is_replaced(tmp_path: Path) -> None:
    """A file in place with the wrong contents (an old version, an edit) is fetched anew."""
    tgz, dest = tmp_path / "htmx.tgz", tmp_path / "htmx.min.js"
    integrity = make_tarball(tgz)
    dest.write_bytes(b"old")
    fetch_htmx.fetch(
        dest=dest,
        url=tgz.as_uri(),
        integrity=integrity,
        file_sha256=hashlib.sha256(BODY).hexdigest(),
    )
    assert dest.read_bytes() == BODY


def test_download_failure_exits_non_zero_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the tarball cannot be had, the command exits 1 and says what to do."""
    monkeypatch.setattr(fetch_htmx, "URL", (tmp_path / "missing.tgz").as_uri())
    code = fetch_htmx.main(["--dest", str(tmp_path / "htmx.min.js")])
    assert code == 1
    err = capsys.readouterr().err
    assert "fetch_htmx: ERROR: Could not download" in err and "--tarball" in err


def test_the_real_file_is_in_place() -> None:
    """`make test` fetched the pinned htmx, and it has the pinned hash."""
    assert fetch_htmx.sha256_of(fetch_htmx.DEST) == fetch_htmx.FILE_SHA256, (
        "run `make setup` or `python scripts/fetch_htmx.py`"
    )
