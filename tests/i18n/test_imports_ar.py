"""Imports in Arabic: the New import page (form, kinds, modes, templates), the refusals, and
what an import submitted in Arabic writes (its error file, its note, its failure)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import csrf_from
from tests.i18n.leftovers import english_leftovers
from tests.imports.helpers import (
    CUSTOMER_HEADER,
    DOMAIN,
    csv_bytes,
    customer,
    customers_file,
    forget_imports,
    run,
    xlsx_bytes,
)
from webapp.engine.errors import IMPORT_FILE
from webapp.engine.links import result_file
from webapp.engine.service import get_job
from webapp.importers.kinds import KINDS
from webapp.importers.reading import MAX_FIELD
from webapp.imports.forms import KIND_HINTS, KIND_LABELS

AR = {"Accept-Language": "ar"}
PATH = "/imports/new"


def main_part(html: str) -> str:
    """The page's <main> (the layout around it is the core area's)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match is not None
    return match.group(0)


def test_the_kinds_english_words_are_the_importers(app: Flask) -> None:
    """The page's English for each kind is word for word what webapp.importers says."""
    with app.test_request_context():
        for name, kind in KINDS.items():
            assert str(KIND_LABELS[name]) == kind.label
            assert str(KIND_HINTS[name]) == kind.description


def test_the_import_page_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """No English of ours on the page; column names are data (translate="no")."""
    staff_client.get(PATH)  # shows (and so clears) the sign-in flash, the core's words
    page = staff_client.get(PATH, headers=AR).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert english_leftovers(main_part(page)) == []
    for words in ("استيراد جديد", "ما تريد استيراده", "العملاء", "تحديثات الأسعار",
                  "التحقق فقط", "التحقق والتطبيق", "القوالب", "الرفع والبدء"):  # fmt: skip
        assert words in page
    assert 'aria-label="قالب العملاء بصيغة CSV"' in page
    assert 'data-too-large="الملف أكبر من' in page  # the script's words, from the server
    english = staff_client.get(PATH).get_data(as_text=True)
    assert "New import" in english and "Check and apply" in english
    assert "Price updates" in english and "Upload and start" in english


def test_form_errors_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """A missing file is named in Arabic under its field (400)."""
    data = {"csrf_token": csrf_from(staff_client, PATH), "kind": "customers", "mode": "check"}
    page = staff_client.post(PATH, data=data, headers=AR)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "اختر ملفًا لاستيراده." in html
    assert english_leftovers(main_part(html)) == []


# --- the job's own words: the error file, the note, refusals, the templates -----------------


@pytest.fixture
def forget(app: Flask) -> Iterator[None]:
    """What a test imported is removed after it (as tests/imports/conftest.py does)."""
    yield
    with app.app_context():
        forget_imports()


BAD_ROWS = [
    CUSTOMER_HEADER,
    customer(1),
    customer(2, email="not-an-email"),
    customer(3, name=""),
    customer(4, region="Mars"),
    customer(5, customer_since="31/12/2024"),
    customer(1, name="Again"),
]


def upload(client: FlaskClient, data: bytes, name: str, headers: dict[str, str] | None = None):
    """Post the New import form with a file, as the page does."""
    form = {"csrf_token": csrf_from(client, PATH), "kind": "customers", "mode": "apply",
            "name": "", "file": (io.BytesIO(data), name)}  # fmt: skip
    return client.post(PATH, data=form, headers=headers or {},
                       content_type="multipart/form-data")  # fmt: skip


def submitted(response) -> str:
    """The job id the form redirected to."""
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def error_file(job) -> tuple[list[str], list[list[str]]]:
    """The job's CSV error file, read back with the csv module: header, rows."""
    path = result_file(job)
    assert path is not None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def test_an_arabic_import_writes_its_error_file_in_arabic(
    stub_broker: object, staff_client: FlaskClient, forget: None
) -> None:
    """Submitted from an Arabic page: the job keeps `language`, its rejected rows' problems,
    the added columns' headers and the note are Arabic; column names and data stay as typed."""
    job_id = submitted(upload(staff_client, csv_bytes(BAD_ROWS), "people.csv", AR))
    assert get_job(job_id).input_data["language"] == "ar"
    job = run(job_id)
    assert job.result_data["counts"] == {"created": 1, "updated": 0, "unchanged": 0,
                                         "rejected": 5}  # fmt: skip
    header, rows = error_file(job)
    assert header == [*CUSTOMER_HEADER, "السطر", "المشكلات"]
    problems = [row[-1] for row in rows]
    assert problems[0].startswith("العمود email ليس عنوان بريد إلكتروني (")
    assert problems[1] == "العمود name فارغ، وهو مطلوب"
    assert problems[2] == "العمود region ليس أحد الخيارات: North, South, East, West, Central"
    assert problems[3] == ("العمود customer_since ليس تاريخًا: اكتبه بالصيغة YYYY-MM-DD، "
                           "مثل 2025-03-31")  # fmt: skip
    assert problems[4] == (f"القيمة person1@{DOMAIN} في العمود email واردة في صف سابق من "
                           "هذا الملف؛ القيمة +966500000001 في العمود phone واردة في صف سابق "
                           "من هذا الملف")  # fmt: skip
    assert rows[1][:3] == [f"person3@{DOMAIN}", "", "North"]  # the cells as uploaded
    note = job.result_data["note"]
    assert note.startswith("الصفوف المقروءة من ملف العملاء: 6.") and "رُفضت 5 صفوف" in note
    assert next(label for label, _n in job.result_data["figures"]) == "Created"  # page's words
    page = staff_client.get(f"/jobs/{job_id}", headers=AR).get_data(as_text=True)
    assert "الصفوف المقروءة من ملف العملاء" in page and "تنزيل الصفوف المرفوضة" in page


def test_an_english_import_is_as_it_was(
    stub_broker: object, staff_client: FlaskClient, forget: None
) -> None:
    """Without Arabic anywhere, the parameters, the error file and the note are unchanged."""
    job_id = submitted(upload(staff_client, csv_bytes(BAD_ROWS), "people.csv"))
    assert "language" not in get_job(job_id).input_data
    job = run(job_id)
    header, rows = error_file(job)
    assert header == [*CUSTOMER_HEADER, "line", "problems"]
    assert rows[1][-1] == "name is missing"
    assert rows[3][-1] == "customer_since is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31"
    assert rows[4][-1] == (
        f"email person1@{DOMAIN} appears in an earlier row of this file; "
        "phone +966500000001 appears in an earlier row of this file"
    )
    assert job.result_data["note"] == (
        "Read 6 rows of customers; the figures say what became of each. 5 rows rejected: "
        "download them with the problem named on each, fix them and import that file."
    )


def test_an_arabic_import_of_prices_names_unknown_skus_in_arabic(
    stub_broker: object, staff: object, app: Flask, forget: None
) -> None:
    """A database check's problem (an unknown SKU) in the job's language, and `; ` as '؛ '."""
    from webapp.importers.uploads import stage, submit_import

    rows = [["sku", "unit_price"], ["ZZ-NOPE-1", "5.00"], ["bad sku", "1.234"]]
    with app.test_request_context(headers=AR):
        staged = stage("prices", "prices.csv", io.BytesIO(csv_bytes(rows)))
        job = submit_import(staff, "prices", "apply", staged)  # type: ignore[arg-type]
    assert job.input_data["language"] == "ar"
    done = run(job.id)
    _header, found = error_file(done)
    assert found[0][-1] == ("العمود sku يقبل الحروف اللاتينية والأرقام و'-' و'_' و'.' فقط؛ "
                            "في العمود unit_price أكثر من منزلتين عشريتين")  # fmt: skip
    assert found[1][-1] == "القيمة ZZ-NOPE-1 في العمود sku ليست رمز SKU لأي منتج"


# Latin words a refusal holds as data: the file's extension and the kind's column names.
FILE_WORDS = frozenset({"txt", "csv", "xlsx", *"_".join(CUSTOMER_HEADER).split("_")})


@pytest.mark.parametrize(
    ("data", "name", "arabic", "english"),
    [
        (csv_bytes(customers_file(1)), "people.txt",
         "امتداد الملف .txt: اختر ملفًا بامتداد csv أو xlsx.", "The file has .txt"),
        (b"", "empty.csv", "الملف فارغ.", "The file is empty."),
        (b"%PDF-1.7 rest", "report.csv", "لكنه يحتوي على مستند PDF، لا على نص CSV",
         "holds a PDF document"),
        (csv_bytes(customers_file(1)), "people.xlsx", "لكنه يحتوي على نص أو نوع آخر من الملفات",
         "named .xlsx but holds text"),
        (csv_bytes([["name", "region"], ["A", "North"]]), "cols.csv",
         "لا يحتوي الصف الأول على العمود email. تحتاج ملفات العملاء إلى هذه الأعمدة",
         "has no email column"),
    ],
)  # fmt: skip
def test_a_refused_file_is_named_in_arabic_on_the_page(
    stub_broker: object, staff_client: FlaskClient, data: bytes, name: str, arabic: str,
    english: str,
) -> None:  # fmt: skip
    """The page's refusals (type, emptiness, columns) in the page's language; no job made."""
    refused = upload(staff_client, data, name, AR)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert arabic in html
    assert english_leftovers(main_part(html), FILE_WORDS) == []
    assert english in upload(staff_client, data, name).get_data(as_text=True)


def test_an_arabic_workbook_import_gets_an_arabic_workbook_back(
    stub_broker: object, staff_client: FlaskClient, forget: None
) -> None:
    """A workbook's error file: a right-to-left sheet with an Arabic name, headers, problems."""
    rows = [CUSTOMER_HEADER, customer(1), customer(2, region="Mars")]
    job = run(submitted(upload(staff_client, xlsx_bytes(rows), "people.xlsx", AR)))
    path = result_file(job)
    assert path is not None
    sheet = load_workbook(path).worksheets[0]
    assert sheet.title == "الصفوف المرفوضة" and sheet.sheet_view.rightToLeft
    assert [cell.value for cell in sheet[1]][-2:] == ["السطر", "المشكلات"]
    assert sheet.cell(2, len(CUSTOMER_HEADER) + 2).value == (
        "العمود region ليس أحد الخيارات: North, South, East, West, Central"
    )


def test_a_file_refused_by_the_worker_says_so_in_arabic(
    stub_broker: object, staff_client: FlaskClient, forget: None
) -> None:
    """A refusal only reading the rows finds (a cell past the CSV limit) is the job's error,
    in the submitter's language, shown on the job page."""
    rows = [*customers_file(1), customer(2, name="x" * (MAX_FIELD + 10))]
    job_id = submitted(upload(staff_client, csv_bytes(rows), "people.csv", AR))
    job = run(job_id)
    assert job.status == "failed" and job.error_code == IMPORT_FILE, job.error_code
    assert job.error_message.startswith("تعذّرت قراءة السطر 3 بصيغة CSV (")
    page = staff_client.get(f"/jobs/{job_id}", headers=AR).get_data(as_text=True)
    assert "تعذّرت قراءة السطر 3 بصيغة CSV" in page


def test_the_workbook_template_in_arabic(staff_client: FlaskClient) -> None:
    """The sheets' names and the notes on each column in the page's language; the columns'
    names and the example row (the file's format) the same in both."""
    arabic = load_workbook(io.BytesIO(staff_client.get(
        "/imports/templates/customers.xlsx", headers=AR).data))  # fmt: skip
    english = load_workbook(io.BytesIO(staff_client.get(
        "/imports/templates/customers.xlsx").data))  # fmt: skip
    assert arabic.sheetnames == ["العملاء", "الأعمدة"]
    assert all(sheet.sheet_view.rightToLeft for sheet in arabic.worksheets)
    assert not any(sheet.sheet_view.rightToLeft for sheet in english.worksheets)
    assert english.sheetnames == ["Customers", "Columns"]
    for book in (arabic, english):
        first = book.worksheets[0]
        assert [cell.value for cell in first[1]] == CUSTOMER_HEADER
        assert [cell.value for cell in first[2]][:3] == ["layla.haddad@example.com",
                                                         "Layla Haddad", "North"]  # fmt: skip
    notes = [cell.value for cell in arabic.worksheets[1]["B"]]
    assert notes[0] == "مطلوب. المفتاح: صف واحد لكل عميل."
    assert notes[2] == "مطلوب. أحد الخيارات: North, South, East, West, Central."
    english_notes = [cell.value for cell in english.worksheets[1]["B"]]
    assert english_notes[0] == "required. The key: one row per customer."
    assert english_notes[2] == "required. One of North, South, East, West, Central."
    csv_ar = staff_client.get("/imports/templates/customers.csv", headers=AR).data
    assert csv_ar == staff_client.get("/imports/templates/customers.csv").data


def test_the_api_keeps_accept_language_with_the_job(
    stub_broker: object, app: Flask, staff: object, forget: None
) -> None:
    """POST /v1/imports/... with Accept-Language: ar makes an Arabic job; without, English."""
    from webapp.api.tokens import create_token

    client = app.test_client()
    bearer = {"Authorization": f"Bearer {create_token(staff, 'imports-ar')[1]}"}  # type: ignore[arg-type]
    ids = []
    for headers in ({**bearer, **AR}, bearer):
        form = {"mode": "check", "file": (io.BytesIO(csv_bytes(customers_file(1))), "p.csv")}
        answer = client.post("/v1/imports/customers", data=form, headers=headers,
                             content_type="multipart/form-data")  # fmt: skip
        assert answer.status_code == 202, answer.get_data(as_text=True)
        ids.append(answer.get_json()["job_id"])
    assert get_job(ids[0]).input_data.get("language") == "ar"
    assert "language" not in get_job(ids[1]).input_data
