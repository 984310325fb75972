"""Entry module for `dramatiq tasks.worker`: the broker first, then every actor."""

from tasks.broker import install_from_environment

broker = install_from_environment()

import tasks.actors  # noqa: E402,F401
