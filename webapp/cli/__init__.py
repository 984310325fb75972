"""Command groups for the `flask` command."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    from webapp.cli.demo import demo
    from webapp.cli.imports import imports
    from webapp.cli.jobs import jobs
    from webapp.cli.notify import notify
    from webapp.cli.ops import ops
    from webapp.cli.tokens import tokens
    from webapp.cli.users import users

    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(jobs)
    app.cli.add_command(ops)
    app.cli.add_command(tokens)
    app.cli.add_command(imports)
    app.cli.add_command(notify)
