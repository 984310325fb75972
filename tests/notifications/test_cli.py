"""`flask notify confirmations | announce | report`."""

from __future__ import annotations

from tests.notifications.helpers import REGION, make_customers, make_orders
from tests.notifications.test_fanout import DAY, run
from webapp.extensions import db
from webapp.models.job import Job


def test_confirmations_and_announce_print_the_job_id(app, stub_broker, staff, inbox, twilio):
    """Each command prints only the new job's id; the job has the parameters asked for."""
    make_orders(make_customers(2), DAY)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["notify", "confirmations", "--date", DAY.isoformat(),
                              "--user", staff.email])  # fmt: skip
    assert out.exit_code == 0, out.output
    job = db.session.get(Job, out.output.strip())
    assert (job.type, job.input_data["date"]) == ("order_confirmations", "2031-01-15")
    out = runner.invoke(args=["notify", "announce", "--audience", f"region:{REGION}",
                              "--channel", "email", "--channel", "sms", "--subject", "Hi",
                              "--body", "Hello {first_name}", "--user", staff.email])  # fmt: skip
    assert out.exit_code == 0, out.output
    job = db.session.get(Job, out.output.strip())
    assert job.input_data["channels"] == ["email", "sms"] and job.input_data["region"] == REGION
    run(job)
    report = runner.invoke(args=["notify", "report", job.id])
    assert "Email: sent 2" in report.output and "SMS: sent 2" in report.output
    lines = runner.invoke(args=["notify", "report", job.id, "--csv"]).output.splitlines()
    assert lines[0].startswith("customer_id,customer,channel") and len(lines) == 5


def test_mistakes_are_explained(app, stub_broker, staff):
    """A bad audience, a day without orders, an unknown user: a message, exit code 2 or 1."""
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["notify", "announce", "--audience", "everyone", "--channel",
                              "email", "--body", "x", "--user", staff.email])  # fmt: skip
    assert bad.exit_code == 2 and "region:NAME" in bad.output
    empty = runner.invoke(args=["notify", "confirmations", "--date", "2031-02-01",
                                "--user", staff.email])  # fmt: skip
    assert empty.exit_code == 1 and "No orders to confirm." in empty.output
    nobody = runner.invoke(args=["notify", "confirmations", "--date", "2031-02-01",
                                 "--user", "nobody@example.com"])  # fmt: skip
    assert nobody.exit_code == 1 and "No user" in nobody.output
