"""Run again: staff run their own jobs again as themselves; an admin running a staff member's job
chooses whose the new job is, the owner's by default."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import csrf_from, sign_in
from tests.staff.helpers import make_job
from webapp.extensions import db
from webapp.models.job import Job


def run_again(client, job: Job, **fields: str):
    """Post the job page's run-again form with the page's CSRF token."""
    token = csrf_from(client, f"/jobs/{job.id}")
    return client.post(f"/jobs/{job.id}/run-again", data={"csrf_token": token, **fields})


def new_job(original: Job) -> Job:
    """The one job made since `original`."""
    return db.session.scalars(select(Job).where(Job.id != original.id)).one()


def radios(html: str) -> dict[str, str]:
    """The run_as radio buttons on a page: value -> the rest of the input's attributes."""
    return dict(re.findall(r'<input type="radio" name="run_as" value="(\w+)"([^>]*)>', html))


def test_an_admin_is_asked_whose_the_new_job_is_with_the_owner_first(
    admin_client, staff, stub_broker
):
    """On a staff member's job the admin sees two choices; the owner's is checked."""
    job = make_job(staff, "completed")
    html = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Run again with these parameters, as" in html
    assert f"{staff.email}, the owner" in html and "Yourself" in html
    assert radios(html) == {"owner": " checked", "me": ""}


def test_an_admin_runs_again_as_the_owner_by_default(admin_client, staff, stub_broker):
    """Without changing the choice (or with no choice sent) the new job is the owner's."""
    job = make_job(staff, "failed", error_code="E7005")
    response = run_again(admin_client, job, run_as="owner")
    fresh = new_job(job)
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{fresh.id}"
    assert fresh.user_id == staff.id and fresh.input_data == job.input_data
    page = admin_client.get(f"/jobs/{fresh.id}").get_data(as_text=True)
    assert f"A new sales report for {staff.email}, with the same parameters." in page
    assert f"<dt>Owner</dt><dd>{staff.email}</dd>" in page

    db.session.delete(fresh)
    db.session.commit()
    run_again(admin_client, job)  # an older form, without run_as
    assert new_job(job).user_id == staff.id


def test_an_admin_may_run_it_again_as_themselves(admin_client, admin, staff, stub_broker):
    """Choosing 'Yourself' makes the new job the admin's."""
    job = make_job(staff, "completed")
    run_again(admin_client, job, run_as="me")
    assert new_job(job).user_id == admin.id


def test_an_unknown_choice_is_refused(admin_client, staff, stub_broker):
    """run_as is 'owner' or 'me'; anything else is a 400 and makes no job."""
    job = make_job(staff, "completed")
    assert run_again(admin_client, job, run_as="someone").status_code == 400
    assert db.session.scalars(select(Job)).all() == [job]


def test_a_disabled_owner_cannot_get_a_new_job(admin_client, staff, stub_broker):
    """The owner's choice is disabled and 'Yourself' checked; posting 'owner' anyway is refused."""
    job = make_job(staff, "completed")
    staff.disabled = True
    db.session.commit()
    html = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert radios(html) == {"owner": " disabled", "me": " checked"}
    response = run_again(admin_client, job, run_as="owner")
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{job.id}"
    assert db.session.scalars(select(Job)).all() == [job]
    page = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"{staff.email} is disabled: run the job again as yourself." in page


def test_staff_and_an_admins_own_job_get_one_plain_button(client, staff, admin, stub_broker):
    """No choice where there is nothing to choose; staff cannot make a job for anyone else."""
    own = make_job(admin, "completed")
    sign_in(client, admin.email)
    html = client.get(f"/jobs/{own.id}").get_data(as_text=True)
    assert "Run again with these parameters</button>" in html and not radios(html)

    client.post("/logout", data={"csrf_token": csrf_from(client, "/home")})
    sign_in(client, staff.email)
    job = make_job(staff, "completed")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Run again with these parameters</button>" in html and not radios(html)
    run_again(client, job, run_as="owner")
    fresh = db.session.scalars(select(Job).where(Job.id.not_in([own.id, job.id]))).one()
    assert fresh.user_id == staff.id
    page = client.get(f"/jobs/{fresh.id}").get_data(as_text=True)
    assert "A new sales report, with the same parameters." in page
