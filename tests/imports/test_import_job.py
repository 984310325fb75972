"""The bulk_import job: CSV and XLSX, every rule in words, counts, re-runs, check only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.imports.helpers import (
    CUSTOMER_HEADER,
    DOMAIN,
    as_uploaded,
    csv_bytes,
    customer,
    customers_file,
    import_file,
    imported_customers,
    imported_products,
    rejected_rows,
    xlsx_bytes,
)
from webapp.engine.links import result_file
from webapp.extensions import db
from webapp.models.sales import Customer, Product

ARABIC = "ليلى الحداد"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256"])
def test_csv_in_each_encoding_is_read_right(stub_broker, staff, encoding):
    """UTF-8 with and without BOM, and Windows-1256 (Arabic Excel), give the same Arabic name."""
    rows = [CUSTOMER_HEADER, customer(1, name=ARABIC), customer(2)]
    job = import_file(staff, "customers", "apply", csv_bytes(rows, encoding))
    assert job.status == "completed", job.error_message
    assert job.result_data["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert imported_customers()[f"person1@{DOMAIN}"].name == ARABIC
    assert result_file(job) is None  # nothing rejected: no error file


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_separator_is_found_from_the_header(stub_broker, staff, sep):
    """Excel in many locales saves CSV with ';'; tab-separated text works too."""
    job = import_file(staff, "customers", "apply", csv_bytes(customers_file(3), sep=sep))
    assert job.result_data["counts"]["created"] == 3


def test_xlsx_is_read_with_numbers_and_dates(stub_broker, staff):
    """A workbook's phone typed as a number and its real date cell are understood."""
    rows = [CUSTOMER_HEADER,
            [f"book1@{DOMAIN}", "Book One", "south", 966500000111, datetime(2023, 4, 5)],
            [f"book2@{DOMAIN}", "Book Two", "East", None, None]]  # fmt: skip
    job = import_file(staff, "customers", "apply", xlsx_bytes(rows), "people.xlsx")
    assert job.status == "completed", job.error_message
    assert job.result_data["counts"]["created"] == 2
    found = imported_customers()
    assert found[f"book1@{DOMAIN}"].phone == "+966500000111"
    assert found[f"book1@{DOMAIN}"].region == "South"
    assert found[f"book1@{DOMAIN}"].created_at == datetime(2023, 4, 5, tzinfo=UTC)
    assert found[f"book2@{DOMAIN}"].phone is None


REJECTIONS = [
    (customer(10, email="not-an-email"), "email is not an email address"),
    (customer(11, email=""), "email is missing"),
    (customer(12, name=""), "name is missing"),
    (customer(13, name="x" * 121), "name is 121 characters long; at most 120 fit"),
    (customer(14, region="Mars"), "region is not one of North, South, East, West, Central"),
    (customer(15, phone="12345"), "phone is not a valid phone number"),
    (customer(16, phone="call me"), "phone is not a phone number"),
    (customer(17, customer_since="31/12/2024"),
     "customer_since is not a date: write it as YYYY-MM-DD"),
    (customer(18, customer_since="2024-02-30"), "customer_since is not a date"),
    (customer(19, customer_since="2999-01-01"),
     "customer_since is not a date between 1900 and today"),
    (customer(1, name="Again"), f"email person1@{DOMAIN} appears in an earlier row of this file"),
    (customer(20, phone="+966500000001"), "phone +966500000001 appears in an earlier row"),
]  # fmt: skip


def test_each_rule_rejects_its_row_and_names_the_problem(stub_broker, staff, app):
    """Every rejected row is in the error file, as uploaded, with its problem in words."""
    rows = [CUSTOMER_HEADER, customer(1), *[row for row, _words in REJECTIONS]]
    job = import_file(staff, "customers", "apply", csv_bytes(rows))
    assert job.result_data["counts"] == {"created": 1, "updated": 0, "unchanged": 0,
                                         "rejected": len(REJECTIONS)}  # fmt: skip
    errors = rejected_rows(job, app.config["STORAGE_DIR"])
    assert len(errors) == len(REJECTIONS)
    for got, (row, words) in zip(errors, REJECTIONS, strict=True):
        assert [as_uploaded(got[name]) for name in CUSTOMER_HEADER] == row  # as uploaded
        assert words in got["problems"], (words, got["problems"])
        assert int(got["line"]) >= 3
    assert list(imported_customers()) == [f"person1@{DOMAIN}"]


def test_a_phone_another_customer_has_is_rejected(stub_broker, staff, app):
    """Phones are unique against the database too: the row says whose number it is."""
    import_file(staff, "customers", "apply", csv_bytes(customers_file(1)))
    rows = [CUSTOMER_HEADER, customer(5, phone="+96650000000" + "0")]
    job = import_file(staff, "customers", "apply", csv_bytes(rows))
    errors = rejected_rows(job, app.config["STORAGE_DIR"])
    assert errors[0]["problems"] == (
        f"phone +966500000000 belongs to another customer (person0@{DOMAIN})"
    )
    assert job.result_data["counts"]["rejected"] == 1


def test_upsert_counts_and_a_second_run_changes_nothing(stub_broker, staff):
    """Created, then updated and unchanged by key; the same file again is all unchanged."""
    first = import_file(staff, "customers", "apply", csv_bytes(customers_file(4)))
    assert first.result_data["counts"] == {"created": 4, "updated": 0, "unchanged": 0,
                                           "rejected": 0}  # fmt: skip
    rows = customers_file(4)
    rows[1][1] = "Renamed Person"  # person0's name changes
    rows.append(customer(4))  # one new customer
    data = csv_bytes(rows)
    second = import_file(staff, "customers", "apply", data)
    assert second.result_data["counts"] == {"created": 1, "updated": 1, "unchanged": 3,
                                            "rejected": 0}  # fmt: skip
    again = import_file(staff, "customers", "apply", data)
    assert again.result_data["counts"] == {"created": 0, "updated": 0, "unchanged": 5,
                                           "rejected": 0}  # fmt: skip
    found = imported_customers()
    assert len(found) == 5 and found[f"person0@{DOMAIN}"].name == "Renamed Person"


def test_check_only_writes_nothing_and_says_what_apply_would_do(stub_broker, staff):
    """Check only: the counts apply would give, and not one row written."""
    before = db.session.scalar(select(func.count()).select_from(Customer))
    rows = [*customers_file(3), customer(9, region="Nowhere")]
    job = import_file(staff, "customers", "check", csv_bytes(rows))
    assert job.status == "completed"
    assert job.result_data["counts"] == {"created": 3, "updated": 0, "unchanged": 0,
                                         "rejected": 1}  # fmt: skip
    assert job.result_data["figures"][0] == ["Would be created", 3]
    assert "nothing was written" in job.result_data["note"]
    assert db.session.scalar(select(func.count()).select_from(Customer)) == before
    assert result_file(job) is not None  # the rejected row is still reported


def test_a_formula_is_stored_as_text_and_never_run(stub_broker, staff, app):
    """'=1+2' typed in a CSV and a real formula cell in a workbook are kept as text."""
    rows = [CUSTOMER_HEADER, customer(1, name="=1+2"), customer(2, name="@SUM(A1)")]
    import_file(staff, "customers", "apply", csv_bytes(rows))
    book_rows = [CUSTOMER_HEADER, customer(3), customer(4, region="Mars")]
    job = import_file(staff, "customers", "apply",
                      xlsx_bytes(book_rows, {(1, 1): "=HYPERLINK(\"http://x\",\"y\")",
                                             (2, 1): "=2*3"}), "f.xlsx")  # fmt: skip
    found = imported_customers()
    assert found[f"person1@{DOMAIN}"].name == "=1+2"
    assert found[f"person2@{DOMAIN}"].name == "@SUM(A1)"
    assert found[f"person3@{DOMAIN}"].name == '=HYPERLINK("http://x","y")'
    path = result_file(job)  # the rejected row's formula comes back as a text cell
    sheet = load_workbook(path).worksheets[0]
    assert sheet.cell(2, 2).value == "=2*3" and sheet.cell(2, 2).data_type == "s"


def test_error_file_of_a_csv_neutralises_formulas_and_reads_back(stub_broker, staff, app):
    """A rejected '=...' cell comes back quoted; uploading the fixed file reads it as typed."""
    rows = [CUSTOMER_HEADER, customer(1, name="=cmd()", region="Mars")]
    job = import_file(staff, "customers", "apply", csv_bytes(rows))
    error_text = result_file(job).read_text(encoding="utf-8-sig")
    assert ",'=cmd()," in error_text
    fixed = error_text.replace("Mars", "West").encode("utf-8-sig")
    again = import_file(staff, "customers", "apply", fixed)
    assert again.result_data["counts"]["created"] == 1
    assert imported_customers()[f"person1@{DOMAIN}"].name == "=cmd()"


def test_products_and_price_updates(stub_broker, staff, app):
    """Products upsert by SKU; a price update changes the price only and refuses unknown SKUs."""
    rows = [["SKU", "Name", "Category", "Unit price"],
            ["IMP-1", "Lamp", "Home", "49.90"], ["IMP-2", "Desk", "Home", "120"],
            ["IMP-3", "Bad", "Home", "1.234"], ["IMP 4", "Bad", "Home", "-1"]]  # fmt: skip
    job = import_file(staff, "products", "apply", csv_bytes(rows))
    assert job.result_data["counts"] == {"created": 2, "updated": 0, "unchanged": 0,
                                         "rejected": 2}  # fmt: skip
    problems = [row["problems"] for row in rejected_rows(job, app.config["STORAGE_DIR"])]
    assert problems == ["unit_price has more than two decimals",
                        "sku may hold only letters, digits, '-', '_' and '.'; unit_price is below "
                        "zero"]  # fmt: skip
    prices = [["sku", "unit_price"], ["IMP-1", "52.5"], ["IMP-2", "120.00"], ["IMP-404", "1"]]
    job = import_file(staff, "prices", "apply", csv_bytes(prices))
    assert job.result_data["counts"] == {"created": 0, "updated": 1, "unchanged": 1,
                                         "rejected": 1}  # fmt: skip
    assert rejected_rows(job, app.config["STORAGE_DIR"])[0]["problems"] == (
        "sku IMP-404 is not the SKU of any product"
    )
    found = imported_products()
    assert found["IMP-1"].unit_price_cents == 5250 and found["IMP-1"].name == "Lamp"
    assert db.session.scalar(select(func.count()).select_from(Product).where(
        Product.sku == "IMP-404")) == 0  # fmt: skip


def test_a_header_without_a_required_column_fails_the_job_in_words(stub_broker, staff):
    """Submitted by hand (the upload check refuses it first), the job fails with E7008."""
    from tests.imports.helpers import run
    from webapp.engine.storage import input_dir
    from webapp.importers.uploads import Staged, submit_import

    path = input_dir("x", create=False).parent.parent / "staged-no-email.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes([["name", "region"], ["A", "North"]]))
    job = submit_import(staff, "customers", "apply", Staged(path, "a.csv", "csv", 20))
    job = run(job.id)
    assert job.status == "failed" and job.error_code == "E7008"
    assert "has no email column" in job.error_message
