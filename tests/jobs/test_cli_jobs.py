"""`flask jobs ...` commands."""

from __future__ import annotations

import json

from webapp.extensions import db
from webapp.models.job import Job


def run(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", *args])


def test_submit_show_list(app, stub_broker, staff):
    """submit prints the id; show prints the status JSON; list shows the job."""
    result = run(app, "submit", "ping", "--user", staff.email, "--param", "steps=2")
    assert result.exit_code == 0, result.output
    job_id = result.output.strip()
    assert db.session.get(Job, job_id).input_data == {"duration": 0.0, "steps": 2}
    shown = json.loads(run(app, "show", job_id).output)
    assert shown["job_id"] == job_id and shown["status"] == "pending"
    assert job_id in run(app, "list", "--status", "pending").output


def test_submit_refuses_bad_input(app, stub_broker, staff):
    """Unknown user, unknown type, bad param and bad key=value each say what is wrong."""
    assert "No user" in run(app, "submit", "ping", "--user", "nobody@example.com").output
    assert "Unknown job type" in run(app, "submit", "nope", "--user", staff.email).output
    bad = run(app, "submit", "ping", "--user", staff.email, "--param", "steps=0")
    assert bad.exit_code != 0 and "'steps'" in bad.output
    assert "key=value" in run(app, "submit", "ping", "--user", staff.email, "--param", "x").output
    assert db.session.query(Job).count() == 0


def test_cancel_and_retry(app, stub_broker, staff):
    """cancel a pending job; retry refuses a job that has not failed."""
    job_id = run(app, "submit", "ping", "--user", staff.email).output.strip()
    assert "Cancelled" in run(app, "cancel", job_id).output
    assert "nothing to cancel" in run(app, "cancel", job_id).output
    assert "Only failed jobs" in run(app, "retry", job_id).output
    assert "No job" in run(app, "show", "job-nope").output


def test_delay_recover_and_purge(app, stub_broker, staff):
    """--delay schedules; recover and purge-expired report what they did."""
    job_id = run(app, "submit", "ping", "--user", staff.email, "--delay", "60").output.strip()
    assert db.session.get(Job, job_id).message == "Scheduled"
    assert "Re-sent 0 lost" in run(app, "recover").output
    assert "Expired 0 results" in run(app, "purge-expired").output
