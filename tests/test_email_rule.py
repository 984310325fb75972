"""One rule for email addresses: what creating a user accepts, signing in accepts, and back."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from tests.conftest import PASSWORD, csrf_from
from webapp.auth.service import UserError, create_user
from webapp.extensions import db
from webapp.models.user import User

addresses = st.one_of(
    st.emails(),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(min_size=1, max_size=20),
        st.sampled_from(["example.com", "perf.test", "localhost", "x.local", "corp.internal"]),
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(address=addresses)
def test_create_and_sign_in_agree_on_every_address(
    app: Flask, app_ctx: Flask, address: str
) -> None:
    """Created: the user can sign in with that address. Refused: so is the sign-in form."""
    client = app.test_client()
    token = csrf_from(client, "/login")
    form = {"email": address, "password": PASSWORD, "csrf_token": token}
    try:
        create_user(address, PASSWORD)
    except UserError as exc:
        assert "is not a valid email address" in str(exc)
        response = client.post("/login", data=form)
        assert response.status_code == 400, address
        assert "Enter a valid email." in response.get_data(as_text=True)
    else:
        try:
            response = client.post("/login", data=form)
            assert response.status_code == 302, address
        finally:  # examples share the database: leave it as this one found it
            db.session.execute(delete(User))
            db.session.commit()
