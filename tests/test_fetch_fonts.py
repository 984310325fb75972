"""scripts/fetch_fonts.py: pinned, verified, cached, loud on failure (no network: file:// URLs)."""

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

REGULAR, BOLD = b"regular font bytes", b"bold font bytes"


def load_script() -> ModuleType:
    """Import scripts/fetch_fonts.py (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "fetch_fonts", PROJECT_ROOT / "scripts" / "fetch_fonts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_fonts = load_script()


def pins(regular: bytes = REGULAR, bold: bytes = BOLD) -> dict[str, str]:
    """The FILES mapping for the given font bodies."""
    return {
        "DejaVuSans.ttf": hashlib.sha256(regular).hexdigest(),
        "DejaVuSans-Bold.ttf": hashlib.sha256(bold).hexdigest(),
    }


def make_tarball(path: Path, regular: bytes = REGULAR, bold: bytes = BOLD) -> str:
    """Write an npm-like .tgz holding both fonts under package/ttf; return its integrity."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in (("DejaVuSans.ttf", regular), ("DejaVuSans-Bold.ttf", bold)):
            info = tarfile.TarInfo(f"package/ttf/{name}")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    data = buffer.getvalue()
    path.write_bytes(data)
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_pins_dejavu_from_the_npm_registry() -> None:
    """The pinned release is dejavu-fonts-ttf 2.37.3 from the npm registry, sha512-checked."""
    assert fetch_fonts.VERSION == "2.37.3"
    assert fetch_fonts.URL.startswith("https://registry.npmjs.org/dejavu-fonts-ttf/-/")
    assert fetch_fonts.URL.endswith(f"/dejavu-fonts-ttf-{fetch_fonts.VERSION}.tgz")
    assert fetch_fonts.INTEGRITY.startswith("sha512-")
    assert set(fetch_fonts.FILES) == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert all(len(digest) == 64 for digest in fetch_fonts.FILES.values())


def test_verified_tarball_is_extracted(tmp_path: Path) -> None:
    """A tarball matching its integrity is unpacked: only the two fonts are written."""
    tgz, dest = tmp_path / "fonts.tgz", tmp_path / "fonts"
    integrity = make_tarball(tgz)
    message = fetch_fonts.fetch(dest_dir=dest, url=tgz.as_uri(), integrity=integrity, files=pins())
    assert message.startswith("Fetched DejaVu Sans")
    assert (dest / "DejaVuSans.ttf").read_bytes() == REGULAR
    assert (dest / "DejaVuSans-Bold.ttf").read_bytes() == BOLD
    assert sorted(p.name for p in dest.iterdir()) == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]


def test_files_already_in_place_are_not_downloaded_again(tmp_path: Path) -> None:
    """When the right files are there, nothing is fetched (the URL is not even opened)."""
    (tmp_path / "DejaVuSans.ttf").write_bytes(REGULAR)
    (tmp_path / "DejaVuSans-Bold.ttf").write_bytes(BOLD)
    message = fetch_fonts.fetch(
        dest_dir=tmp_path,
        url=(tmp_path / "does-not-exist.tgz").as_uri(),
        integrity="sha512-unused",
        files=pins(),
    )
    assert "already in place" in message


def test_tampered_tarball_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """A tarball that does not match the pinned integrity is refused; no file appears."""
    tgz, dest = tmp_path / "fonts.tgz", tmp_path / "fonts"
    make_tarball(tgz)
    other = make_tarball(tmp_path / "other.tgz", regular=b"something else")
    with pytest.raises(fetch_fonts.FetchError, match="does not match the pinned integrity"):
        fetch_fonts.fetch(dest_dir=dest, url=tgz.as_uri(), integrity=other, files=pins())
    assert not dest.exists()


def test_a_font_with_the_wrong_hash_writes_nothing(tmp_path: Path) -> None:
    """When one font in a genuine tarball differs from its pin, neither font is written."""
    tgz, dest = tmp_path / "fonts.tgz", tmp_path / "fonts"
    integrity = make_tarball(tgz, bold=b"not the pinned bold")
    with pytest.raises(fetch_fonts.FetchError, match=r"is pinned\. Nothing was written"):
        fetch_fonts.fetch(dest_dir=dest, url=tgz.as_uri(), integrity=integrity, files=pins())
    assert not dest.exists()


def test_changed_file_is_replaced(tmp_path: Path) -> None:
    """A font in place with the wrong contents (an old version, an edit) is fetched anew."""
    tgz, dest = tmp_path / "fonts.tgz", tmp_path / "fonts"
    integrity = make_tarball(tgz)
    dest.mkdir()
    (dest / "DejaVuSans.ttf").write_bytes(b"old")
    (dest / "DejaVuSans-Bold.ttf").write_bytes(BOLD)
    fetch_fonts.fetch(dest_dir=dest, url=tgz.as_uri(), integrity=integrity, files=pins())
    assert (dest / "DejaVuSans.ttf").read_bytes() == REGULAR


def test_download_failure_exits_non_zero_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the tarball cannot be had, the command exits 1 and says what to do."""
    monkeypatch.setattr(fetch_fonts, "URL", (tmp_path / "missing.tgz").as_uri())
    code = fetch_fonts.main(["--dest", str(tmp_path / "fonts")])
    assert code == 1
    err = capsys.readouterr().err
    assert "fetch_fonts: ERROR: Could not download" in err and "--tarball" in err


def test_the_real_fonts_are_in_place() -> None:
    """`make setup-dev` fetched the pinned fonts, and they have the pinned hashes."""
    assert fetch_fonts.missing() == [], "run `make setup` or `python scripts/fetch_fonts.py`"
