"""Settings read from the environment once, each with a working development default."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


# While `make run` runs, the URL of its embedded Redis is in instance/redis/<this file>.
RUNNING_URL_FILE = "running-url"


def _dev_redis_url(instance: Path) -> str:
    """In development: the embedded Redis of a running `make run`, else the local default."""
    running = instance / "redis" / RUNNING_URL_FILE
    if running.is_file():
        return running.read_text().strip()
    return "redis://127.0.0.1:6379/0"


class ConfigError(RuntimeError):
    """Raised when the environment cannot make a safe configuration."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _one_of(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    """A setting that takes one of a few words (the first is the default)."""
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be {' or '.join(choices)}, got {raw!r}")
    return raw


def _dev_secret_key(instance: Path) -> str:
    """Return a development secret kept under instance/ so every process shares it."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Point plain postgres:// URLs at the psycopg 3 driver that requirements.txt installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(database_url: str) -> dict[str, Any]:
    """Pool settings; every PostgreSQL connection attempt gives up after 10 seconds."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 10}
    return options


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables (see .env.example)."""
    env = dict(os.environ if environ is None else environ)
    tamam_env = env.get("TAMAM_ENV", "development").strip().lower()
    if tamam_env not in {"development", "production", "testing"}:
        raise ConfigError(
            f"TAMAM_ENV must be development, production or testing, got {tamam_env!r}"
        )
    development = tamam_env != "production"
    instance = Path(env.get("INSTANCE_DIR") or DEFAULT_INSTANCE).resolve()

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if not development:
            raise ConfigError(
                "SECRET_KEY is not set. Outside development Tamam refuses to start without it: "
                "set SECRET_KEY to a long random string, for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        secret_key = _dev_secret_key(instance)

    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance / 'tamam.db'}"
    )
    storage_dir = Path(env.get("STORAGE_DIR") or instance / "storage").resolve()
    remember_days = _int(env, "REMEMBER_DAYS", 14)
    mail_port = _int(env, "MAIL_PORT", 587)
    web_port = _int(env, "PORT", 5000)

    return {
        "TAMAM_ENV": tamam_env,
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "REDIS_URL": env.get("REDIS_URL")
        or (_dev_redis_url(instance) if development else "redis://127.0.0.1:6379/0"),
        "STORAGE_DIR": str(storage_dir),
        # Links in emails: unset, they point at this machine's web process on PORT.
        "BASE_URL": (env.get("BASE_URL") or f"http://127.0.0.1:{web_port}").rstrip("/"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", not development),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_LIFETIME", 12 * 3600),
        # 'Keep me signed in': days the remember cookie lasts (a new password revokes it).
        "REMEMBER_DAYS": remember_days,
        "REMEMBER_COOKIE_DURATION": timedelta(days=remember_days),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,
        # Strict-Transport-Security max-age, sent in production only (0: no header).
        "HSTS_SECONDS": _int(env, "HSTS_SECONDS", 365 * 24 * 3600 if not development else 0),
        # Passwords and sign-in throttling.
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:3"),
        "LOGIN_SLOWDOWN_AFTER": _int(env, "LOGIN_SLOWDOWN_AFTER", 3),
        "LOGIN_LOCK_AFTER": _int(env, "LOGIN_LOCK_AFTER", 8),
        "LOGIN_LOCK_SECONDS": _int(env, "LOGIN_LOCK_SECONDS", 15 * 60),
        # Jobs and files.
        "DOWNLOAD_LINK_TTL": _int(env, "DOWNLOAD_LINK_TTL", 3600),
        # true: a signed link also needs its owner (or an admin) signed in; false: the link alone.
        "DOWNLOAD_REQUIRES_LOGIN": _bool(env, "DOWNLOAD_REQUIRES_LOGIN", False),
        "JOB_RETENTION_DAYS": _int(env, "JOB_RETENTION_DAYS", 30),
        "JOB_LEASE_SECONDS": _int(env, "JOB_LEASE_SECONDS", 30),
        "WORKER_HEARTBEAT_SECONDS": _int(env, "WORKER_HEARTBEAT_SECONDS", 5),
        "REPORT_MAX_SPAN_DAYS": _int(env, "REPORT_MAX_SPAN_DAYS", 3 * 366),
        # Bulk import: the largest file, the region of phone numbers written without +code.
        "IMPORT_MAX_BYTES": _int(env, "IMPORT_MAX_BYTES", 50 * 1024 * 1024),
        "IMPORT_PHONE_REGION": env.get("IMPORT_PHONE_REGION", "SA").strip().upper() or "SA",
        "IMPORT_BATCH_ROWS": _int(env, "IMPORT_BATCH_ROWS", 1000),
        # Mail: without MAIL_SERVER, mail is written to MAIL_OUTBOX_DIR and the console.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": mail_port,
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env, "MAIL_USE_TLS", True),
        # Implicit TLS from the first byte (SMTPS), the convention on port 465.
        "MAIL_USE_SSL": _bool(env, "MAIL_USE_SSL", mail_port == 465),
        # A CA bundle to trust for the mail server (a private CA); empty: the system's.
        "MAIL_CA_FILE": env.get("MAIL_CA_FILE", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Tamam <tamam@localhost>"),
        "MAIL_OUTBOX_DIR": str(Path(env.get("MAIL_OUTBOX_DIR") or instance / "outbox").resolve()),
        # SMS and WhatsApp through Twilio's Messages API; without TWILIO_ACCOUNT_SID they are
        # written to MAIL_OUTBOX_DIR like mail. TWILIO_BASE_URL points elsewhere in tests.
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": env.get("TWILIO_FROM", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_WHATSAPP_FROM": env.get("TWILIO_WHATSAPP_FROM", ""),
        "TWILIO_BASE_URL": (env.get("TWILIO_BASE_URL") or "https://api.twilio.com").rstrip("/"),
        # Where Twilio reports what became of each message (empty: BASE_URL's /hooks/sms/status).
        "SMS_STATUS_CALLBACK_URL": env.get("SMS_STATUS_CALLBACK_URL")
        or (env.get("BASE_URL") or f"http://127.0.0.1:{web_port}").rstrip("/")
        + "/hooks/sms/status",
        "SMS_TIMEOUT": _float(env, "SMS_TIMEOUT", 10.0),
        # Messages a second per channel, shared by every worker (0: no limit).
        "EMAIL_RATE_PER_SECOND": _float(env, "EMAIL_RATE_PER_SECOND", 0.0),
        "SMS_RATE_PER_SECOND": _float(env, "SMS_RATE_PER_SECOND", 10.0),
        "WHATSAPP_RATE_PER_SECOND": _float(env, "WHATSAPP_RATE_PER_SECOND", 10.0),
        # Fan-outs: recipients written per batch; how long a sender holds a delivery.
        "NOTIFY_BATCH_SIZE": _int(env, "NOTIFY_BATCH_SIZE", 500),
        "OUTBOX_SEND_LEASE_SECONDS": _int(env, "OUTBOX_SEND_LEASE_SECONDS", 120),
        # Phone numbers written without +country code are read in this region.
        "NOTIFY_PHONE_REGION": env.get("NOTIFY_PHONE_REGION", "SA").strip().upper() or "SA",
        # Alerts when a queue's backlog grows.
        "ALERT_BACKLOG_THRESHOLD": _int(env, "ALERT_BACKLOG_THRESHOLD", 1000),
        "ALERT_OLDEST_PENDING_SECONDS": _int(env, "ALERT_OLDEST_PENDING_SECONDS", 600),
        "ALERT_EMAIL": env.get("ALERT_EMAIL", ""),
        # Per-queue backlog thresholds over the default, e.g. "exports=200,reports=500".
        "ALERT_BACKLOG_THRESHOLDS": env.get("ALERT_BACKLOG_THRESHOLDS", ""),
        "ALERT_FAILURE_RATE": _float(env, "ALERT_FAILURE_RATE", 0.25),
        "ALERT_FAILURE_MIN_JOBS": _int(env, "ALERT_FAILURE_MIN_JOBS", 10),
        "ALERT_FAILURE_WINDOW_SECONDS": _int(env, "ALERT_FAILURE_WINDOW_SECONDS", 900),
        "ALERT_RENOTIFY_SECONDS": _int(env, "ALERT_RENOTIFY_SECONDS", 3600),
        "ALERT_WEBHOOK_URL": env.get("ALERT_WEBHOOK_URL", ""),
        "BACKLOG_CHECK_INTERVAL": _int(env, "BACKLOG_CHECK_INTERVAL", 300),
        # /metrics for Prometheus: admins signed in, or this bearer token (empty: admins only).
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # The JSON API: POSTs per token (Flask-Limiter syntax), webhook deliveries.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "60 per minute"),
        "WEBHOOK_ALLOW_PRIVATE": _bool(env, "WEBHOOK_ALLOW_PRIVATE", False),
        "WEBHOOK_TIMEOUT": _float(env, "WEBHOOK_TIMEOUT", 10.0),
        # Arabic pages' digits: western (0123) or arabic-indic (٠١٢٣); dates, times, numbers.
        "ARABIC_DIGITS": _one_of(env, "ARABIC_DIGITS", ("western", "arabic-indic")),
        # The Hijri (Umm al-Qura) date beside the Gregorian one on pages' times: off or on.
        "HIJRI_DATES": _one_of(env, "HIJRI_DATES", ("off", "on")),
    }
