"""Settings come from the environment once, with development defaults; production is strict."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app
from webapp.settings import PROJECT_ROOT, ConfigError, load_settings, normalise_database_url

SECRET_KEY_MESSAGE = "SECRET_KEY is not set. Outside development Tamam refuses to start without it"


def test_development_defaults_work_with_an_empty_environment(tmp_path: Path) -> None:
    """With nothing set: development, SQLite and files under the instance folder, local Redis."""
    settings = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings["TAMAM_ENV"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tamam.db'}"
    assert settings["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert settings["STORAGE_DIR"] == str(tmp_path / "storage")
    assert settings["MAIL_OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert settings["LOGIN_SLOWDOWN_AFTER"] == 3 and settings["LOGIN_LOCK_AFTER"] == 8


def test_development_secret_key_is_kept_and_reused(tmp_path: Path) -> None:
    """Without SECRET_KEY, development makes one under instance/ and every process reuses it."""
    first = load_settings({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_settings({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    """TAMAM_ENV=production without SECRET_KEY raises, saying what to set."""
    with pytest.raises(ConfigError, match=re.escape(SECRET_KEY_MESSAGE)):
        load_settings({"TAMAM_ENV": "production", "INSTANCE_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


def test_create_app_refuses_production_without_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The factory reads the environment and refuses to build a production app with no key."""
    monkeypatch.setenv("TAMAM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_wsgi_entry_point_exits_with_the_message(tmp_path: Path) -> None:
    """Starting the real entry point (what gunicorn and flask load) fails loudly, not quietly."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"TAMAM_ENV": "production", "INSTANCE_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert SECRET_KEY_MESSAGE in result.stderr


def test_production_with_secret_key_sends_cookies_over_https_only(tmp_path: Path) -> None:
    """In production the session and remember-me cookies are Secure."""
    settings = load_settings(
        {"TAMAM_ENV": "production", "SECRET_KEY": "k" * 40, "INSTANCE_DIR": str(tmp_path)}
    )
    assert settings["SECRET_KEY"] == "k" * 40
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    """A typo in TAMAM_ENV is an error, not a silent development mode."""
    with pytest.raises(ConfigError, match="TAMAM_ENV must be"):
        load_settings({"TAMAM_ENV": "prod", "INSTANCE_DIR": str(tmp_path)})


def test_whole_number_settings_must_be_numbers(tmp_path: Path) -> None:
    """A number setting with text in it names the setting in the error."""
    with pytest.raises(ConfigError, match="LOGIN_LOCK_AFTER must be a whole number"):
        load_settings({"LOGIN_LOCK_AFTER": "eight", "INSTANCE_DIR": str(tmp_path)})


def test_environment_values_override_defaults(tmp_path: Path) -> None:
    """Each value given in the environment is used as given."""
    settings = load_settings(
        {
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u:p@db:5432/tamam",
            "REDIS_URL": "redis://cache:6379/2",
            "STORAGE_DIR": str(tmp_path / "files"),
            "LOGIN_LOCK_SECONDS": "60",
            "SESSION_COOKIE_SECURE": "yes",
            "MAIL_USE_TLS": "false",
            "BASE_URL": "https://tamam.example/",
        }
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/tamam"
    assert settings["REDIS_URL"] == "redis://cache:6379/2"
    assert settings["STORAGE_DIR"] == str(tmp_path / "files")
    assert settings["LOGIN_LOCK_SECONDS"] == 60
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["MAIL_USE_TLS"] is False
    assert settings["BASE_URL"] == "https://tamam.example"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://h/db", "postgresql+psycopg://h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given: str, expected: str) -> None:
    """Plain PostgreSQL URLs are pointed at the psycopg 3 driver; others are left alone."""
    assert normalise_database_url(given) == expected


def setting_names() -> set[str]:
    """Every environment variable webapp/settings.py reads."""
    source = (PROJECT_ROOT / "webapp" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.get\(|, )"([A-Z_]+)"', source))


def test_env_example_documents_every_setting() -> None:
    """.env.example names every variable that settings.py reads, so none is a secret."""
    names = setting_names()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MAIL_SERVER"} <= names
    example = (PROJECT_ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^# ([A-Z_]+)=", example, re.M))
    assert names <= documented, f"missing from .env.example: {sorted(names - documented)}"


def test_readme_lists_every_setting() -> None:
    """The README's configuration table has a row for every setting."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = sorted(name for name in setting_names() if f"`{name}`" not in readme)
    assert not missing, f"missing from README.md: {missing}"


def test_development_finds_the_running_embedded_redis(tmp_path):
    """While `make run` runs, other dev commands use its Redis; production never does."""
    from webapp.settings import RUNNING_URL_FILE, load_settings

    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / RUNNING_URL_FILE).write_text("redis://127.0.0.1:45678/0")
    dev = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert dev["REDIS_URL"] == "redis://127.0.0.1:45678/0"
    prod = load_settings(
        {"INSTANCE_DIR": str(tmp_path), "TAMAM_ENV": "production", "SECRET_KEY": "x"}
    )
    assert prod["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    given = load_settings({"INSTANCE_DIR": str(tmp_path), "REDIS_URL": "redis://elsewhere:1/0"})
    assert given["REDIS_URL"] == "redis://elsewhere:1/0"


def test_base_url_follows_port_unless_set(tmp_path: Path) -> None:
    """Links in emails point at the port the web process listens on, unless BASE_URL says where."""
    assert load_settings({"INSTANCE_DIR": str(tmp_path)})["BASE_URL"] == "http://127.0.0.1:5000"
    on_5001 = load_settings({"INSTANCE_DIR": str(tmp_path), "PORT": "5001"})
    assert on_5001["BASE_URL"] == "http://127.0.0.1:5001"
    given = load_settings(
        {"INSTANCE_DIR": str(tmp_path), "PORT": "5001", "BASE_URL": "https://tamam.example.com/"}
    )
    assert given["BASE_URL"] == "https://tamam.example.com"
    with pytest.raises(ConfigError, match="PORT must be a whole number"):
        load_settings({"INSTANCE_DIR": str(tmp_path), "PORT": "http"})
