"""Give each message its own Flask app context and database session."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware
from flask import Flask
from flask.ctx import AppContext


class AppContextMiddleware(Middleware):
    """Push an app context before each message; remove the session and pop it after."""

    def __init__(self, app: Flask | Callable[[], Flask]) -> None:
        self._app = app if isinstance(app, Flask) else None
        self._factory = None if isinstance(app, Flask) else app
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def app(self) -> Flask:
        """The app, built once per process on first use."""
        if self._app is None:
            with self._lock:
                if self._app is None:
                    assert self._factory is not None
                    self._app = self._factory()
        return self._app

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Build the app before the worker fetches any message, so a broken config fails
        loudly at boot and no message is taken by a process that cannot run it yet."""
        _ = self.app

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """Push a fresh app context for this message."""
        ctx = self.app.app_context()
        ctx.push()
        self._local.ctx = ctx

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        """Roll back anything left open, remove the session and pop the context."""
        self._pop()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """A skipped message still had its context pushed: pop it."""
        self._pop()

    def _pop(self) -> None:
        ctx: AppContext | None = getattr(self._local, "ctx", None)
        if ctx is None:
            return
        self._local.ctx = None
        try:
            from webapp.extensions import db

            if db.session.registry.has():  # the job used the session (most use connections)
                db.session.rollback()
                db.session.remove()
        finally:
            ctx.pop()
