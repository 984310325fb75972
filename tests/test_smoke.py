"""The app starts, serves sign-in, and guards everything else."""


def test_login_page_renders(client):
    """Anyone can open the sign-in page; it has labelled email and password fields."""
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html


def test_pages_need_sign_in(client):
    """The home page sends a visitor to sign in."""
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_signs_in(staff_client, staff):
    """After signing in the navigation shows who is signed in."""
    html = staff_client.get("/home").get_data(as_text=True)
    assert staff.email in html or staff.name in html


def test_expired_session_poll_redirects_the_whole_page(client):
    """An HTMX poll without a session gets HX-Redirect to sign-in, not a login page in a row."""
    response = client.get("/jobs", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
