"""Responses are compressed for clients that accept it, except signed file downloads."""

from __future__ import annotations

import gzip

import brotli
from flask.testing import FlaskClient

from tests.conftest import csrf_from
from tests.staff.helpers import make_job
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.user import User

GZIP = {"Accept-Encoding": "gzip"}
ANY = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


def test_an_html_page_is_gzip_encoded_when_the_client_accepts_it(
    staff_client: FlaskClient,
) -> None:
    """/jobs comes gzip-encoded, still with its CSP, and unpacks to the page."""
    response = staff_client.get("/jobs", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    html = gzip.decompress(response.data).decode()
    assert html.startswith("<!doctype html>") and "<h1>My jobs</h1>" in html


def test_no_compression_without_accept_encoding(staff_client: FlaskClient) -> None:
    """A client that does not ask for compression gets the page as it is."""
    response = staff_client.get("/jobs")
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).startswith("<!doctype html>")


def test_static_files_are_compressed(client: FlaskClient) -> None:
    """The stylesheet comes brotli-encoded to a browser that accepts it, and unpacks whole."""
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "br"})
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert "Accept-Ranges" not in response.headers  # no ranges of a compressed body
    assert brotli.decompress(body).startswith(b"/* Tamam")


def test_a_signed_download_is_never_compressed(staff_client: FlaskClient, staff: User) -> None:
    """A text file download keeps its length and byte ranges, whatever encodings are accepted."""
    job = make_job(staff, "completed")
    body = b"section,name,value\r\n" + b"totals,orders,3\r\n" * 400  # well over the minimum size
    (job_dir(job.id) / job.result_data["file_name"]).write_bytes(body)
    job.result_data = {**job.result_data, "content_type": "text/plain; charset=utf-8"}
    db.session.commit()
    token = csrf_from(staff_client, f"/jobs/{job.id}")
    link = staff_client.post(f"/jobs/{job.id}/link", data={"csrf_token": token}).location

    whole = staff_client.get(link, headers=ANY)
    data = whole.get_data()
    whole.close()
    assert whole.status_code == 200 and "Content-Encoding" not in whole.headers
    assert int(whole.headers["Content-Length"]) == len(body) and data == body

    part = staff_client.get(link, headers={**ANY, "Range": "bytes=0-6"})
    data = part.get_data()
    part.close()
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert data == b"section"
