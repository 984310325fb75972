"""Command groups for the `flask` command."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    from webapp.cli.demo import demo
    from webapp.cli.jobs import jobs
    from webapp.cli.ops import ops
    from webapp.cli.users import users

    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(jobs)
    app.cli.add_command(ops)
