"""Tamam: the Flask application factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.assets import check_vendor_files
from webapp.settings import load_settings

# Endpoints a visitor may reach without signing in.
# /metrics checks its own credentials (an admin session or the METRICS_TOKEN bearer token).
# A signed download link is a capability (DOWNLOAD_REQUIRES_LOGIN=true asks for a session too),
# so is an unsubscribe link; the SMS provider's status callbacks are signed by the provider.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "downloads.download",
    "health.healthz",
    "metrics.metrics",
    "notify.unsubscribe",
    "notify.sms_status",
    "notify.report_csv",
    "static",
}
# Blueprints with their own credentials: the JSON API takes bearer tokens, never the session.
TOKEN_BLUEPRINTS = {"api", "api_imports"}
# Responses never compressed: signed file downloads keep their Content-Length and byte ranges;
# the JSON API's answers are small and its clients many (compressing costs more than it saves).
UNCOMPRESSED_ENDPOINTS = {"downloads.download"}
UNCOMPRESSED_BLUEPRINTS = {"api", "api_imports"}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment's settings, overridden by `config` when given."""
    app = Flask(__name__, instance_path=None)
    app.config.from_mapping(load_settings())
    if config:
        app.config.from_mapping(config)
    register_extensions(app)
    register_compression(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app)
    register_commands(app)
    register_broker(app)
    check_vendor_files(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind db, migrations, login, CSRF and languages; tune SQLite for several processes."""
    from htmx_flask import Htmx

    from webapp import i18n, models  # noqa: F401  (models registers the tables)
    from webapp.database import configure_engine
    from webapp.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from flask_babel import lazy_gettext  # Flask-Login flashes it in the reader's language

    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    skip_remember_cookie_for_api(app, login_manager._update_remember_cookie)
    Htmx(app)
    i18n.init_app(app)
    with app.app_context():
        configure_engine(db.engine)


def skip_remember_cookie_for_api(app: Flask, hook: Callable[[Response], Response]) -> None:
    """Run Flask-Login's remember-cookie hook on every request but the API's (under /v1).

    The hook reads the session after each request, which makes Flask send `Vary: Cookie`; the
    API never reads cookies (its answers do not vary with them) and has no session to refresh.
    """
    hooks = app.after_request_funcs[None]
    position = hooks.index(hook)

    def update_remember_cookie(response: Response) -> Response:
        if request.path == "/v1" or request.path.startswith("/v1/"):
            return response
        return hook(response)

    hooks[position] = update_remember_cookie


def register_compression(app: Flask) -> None:
    """Compress pages, partials and static files (zstd, br, gzip) for clients that accept it.

    Registered before every other after-request hook, so it runs last, on the finished body.
    Only whole 200 responses: never a file download, a 206 byte range or a 304; nothing streamed
    (static files, all small, are read into memory first so they keep a Content-Length).
    """
    from webapp.extensions import compress

    app.config.setdefault("COMPRESS_REGISTER", False)  # our hook below decides what to pass it
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)

    @app.after_request
    def compress_response(response: Response) -> Response:
        if request.endpoint in UNCOMPRESSED_ENDPOINTS or response.status_code != 200:
            return response
        if request.blueprint in UNCOMPRESSED_BLUEPRINTS:
            return response
        if request.endpoint == "static" and response.is_streamed:
            response.direct_passthrough = False
            response.make_sequence()
        response = compress.after_request(response)
        if "Content-Encoding" in response.headers:
            response.headers.pop("Accept-Ranges", None)  # ranges would be of the uncompressed file
        return response


def register_blueprints(app: Flask) -> None:
    """Attach every area's blueprint; imported here so webapp and tasks never import in a loop."""
    from webapp.api import bp as api_bp
    from webapp.api.imports import bp as api_imports_bp
    from webapp.api.limits import init_app as init_limiter
    from webapp.auth import bp as auth_bp
    from webapp.downloads import bp as downloads_bp
    from webapp.health import bp as health_bp
    from webapp.imports import bp as imports_bp
    from webapp.jobs import bp as jobs_bp
    from webapp.main import bp as main_bp
    from webapp.notify import bp as notify_bp
    from webapp.ops import bp as ops_bp
    from webapp.ops.metrics import bp as metrics_bp
    from webapp.reports import bp as reports_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(downloads_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_imports_bp)
    init_limiter(app)


def register_errorhandlers(app: Flask) -> None:
    """Render 403, 404, 405 and 500 in the site layout (JSON for API clients)."""
    from webapp.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Jinja filters and globals: relative times, sizes, statuses."""
    from webapp.templating import register

    register(app)


def register_security(app: Flask) -> None:
    """Require a signed-in user everywhere but the public endpoints; set security headers.

    Strict-Transport-Security (HSTS_SECONDS, with includeSubDomains) is sent in production only.
    """

    @app.before_request
    def require_sign_in() -> Response | None:
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if request.blueprint in TOKEN_BLUEPRINTS:
            return None
        if current_user.is_authenticated:
            return None
        from webapp.extensions import login_manager

        if request.headers.get("HX-Request") == "true":
            # A poll after the session ended: send the whole page to sign-in, not the row.
            response = Response(status=401)
            response.headers["HX-Redirect"] = url_for("auth.login")
            return response
        return login_manager.unauthorized()  # type: ignore[no-any-return]

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Robots-Tag", "noindex")  # a back office: keep out of search
        hsts = int(app.config.get("HSTS_SECONDS", 0))
        if hsts > 0 and app.config.get("TAMAM_ENV") == "production":
            # Browsers keep to HTTPS for this long; only production is always behind TLS.
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"
            )
        return response

    @app.route("/")
    def index() -> Response:
        return redirect(url_for("main.home"))


def register_broker(app: Flask) -> None:
    """Install the Dramatiq broker for REDIS_URL (once per process) and declare the actors."""
    from tasks.broker import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    """Add the `flask users` and `flask demo` command groups."""
    from webapp.cli import register

    register(app)
