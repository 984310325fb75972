"""Entry module for `dramatiq tasks.worker`: the broker first, then every actor."""

import logging

from tasks.broker import install_from_environment

logging.getLogger("alembic").setLevel(logging.WARNING)
broker = install_from_environment()

import tasks.actors  # noqa: E402,F401
