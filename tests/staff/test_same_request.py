"""The same request twice: the forms say what the user already has instead of a silent copy."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.reports_fixtures import ensure_sales_data, last_period
from tests.staff.helpers import make_job
from webapp.engine import registry
from webapp.extensions import db
from webapp.models.job import Job


def job_count() -> int:
    """How many jobs are stored."""
    return db.session.scalar(select(func.count()).select_from(Job)) or 0


def report_fields(fmt: str = "csv") -> dict[str, str]:
    """A period with orders, as the form sends it."""
    ensure_sales_data()
    date_from, date_to = last_period(30)
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "format": fmt}


def post(client, path: str, fields: dict[str, str]):
    """Post a form the way the browser does, CSRF token included."""
    return client.post(path, data={"csrf_token": csrf_from(client, path), **fields})


def visible_text(page: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_name_is_stored_and_shown_in_my_jobs(staff_client, staff, stub_broker):
    """The optional name goes with the job and stands for it in the list."""
    fields = {**report_fields(), "name": "  Board   meeting  "}
    response = post(staff_client, "/reports/new", fields)
    assert response.status_code == 303
    job = db.session.scalars(select(Job)).one()
    assert job.name == "Board meeting"
    page = staff_client.get("/jobs").get_data(as_text=True)
    assert f'<a id="open-{job.id}" href="/jobs/{job.id}">Board meeting</a>' in page
    assert "Sales report · " in page


def test_a_name_too_long_is_said_under_its_field(staff_client, staff, stub_broker):
    """A 121-character name is refused under the Name field, and nothing is stored."""
    response = post(staff_client, "/reports/new", {**report_fields(), "name": "x" * 121})
    assert response.status_code == 400 and job_count() == 0
    assert "A name can be at most 120 characters long." in response.get_data(as_text=True)


def test_asking_again_while_it_waits_offers_that_job(staff_client, staff, stub_broker):
    """The same request while the first waits: no new job, a notice linking the waiting one,
    and a button that posts the same values with fresh=1 for a copy on purpose."""
    fields = report_fields()
    first = post(staff_client, "/reports/new", fields)
    waiting_id = first.headers["Location"].rsplit("/", 1)[1]
    again = post(staff_client, "/reports/new", {**fields, "name": "Second try"})
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and job_count() == 1
    words = visible_text(page)
    assert "You already asked for this report" in words
    assert "Nothing new was started." in words and "Pending" in words
    assert "number 1 in line" in words
    assert f'href="/jobs/{waiting_id}"' in page
    fresh = re.search(r'<form method="post" action="/reports/new" class="fresh-copy">(.*?)</form>',
                      page, re.S)  # fmt: skip
    assert fresh, "no fresh-copy form"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', fresh.group(1)))
    assert hidden["fresh"] == "1" and hidden["name"] == "Second try"
    assert {k: hidden[k] for k in fields} == fields and hidden["csrf_token"]
    copy = staff_client.post("/reports/new", data=hidden)
    assert copy.status_code == 303 and job_count() == 2
    newest = db.session.scalars(select(Job).order_by(Job.created_at.desc())).first()
    assert newest.name == "Second try" and newest.id != waiting_id


def test_a_finished_identical_report_is_offered_with_its_file(staff_client, staff, stub_broker):
    """A completed identical result still on disk: 'finished at …' with Download and Open."""
    fields = report_fields()
    clean = registry.get("sales_report").validate(fields)
    done = make_job(staff, "completed", params=clean)
    page = post(staff_client, "/reports/new", fields).get_data(as_text=True)
    assert job_count() == 1
    words = visible_text(page)
    assert "An identical report finished at" in words and "is still available" in words
    assert re.search(r'id="same-download" class="button primary" href="/download/', page)
    assert f'id="same-open" class="button" href="/jobs/{done.id}"' in page


def test_other_parameters_or_other_users_are_not_the_same(
    staff_client, staff, other_staff, stub_broker
):
    """Another format, or the same request by someone else, starts a job as before."""
    fields = report_fields("csv")
    clean = registry.get("sales_report").validate(fields)
    make_job(other_staff, "pending", params=clean)
    make_job(staff, "pending", params=registry.get("sales_report").validate(report_fields("pdf")))
    assert post(staff_client, "/reports/new", fields).status_code == 303
    assert job_count() == 3


def test_the_export_form_says_the_same(staff_client, staff, stub_broker):
    """The export form checks too, with its own words."""
    date_from, date_to = last_period(30) if ensure_sales_data() is None else (None, None)
    fields = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(),
              "status": "", "region": "", "format": "csv"}  # fmt: skip
    assert post(staff_client, "/exports/new", fields).status_code == 303
    page = post(staff_client, "/exports/new", fields).get_data(as_text=True)
    assert "You already asked for this export" in visible_text(page) and job_count() == 1
