"""Reports in Arabic: the files (PDF, Excel, CSV) and the report forms, right to left.

An Arabic PDF sets shaped Arabic in DejaVu Sans; pypdf reads it back as Arabic presentation
forms in logical order, so the text is compared after NFKC normalisation. Excel sheets run
right to left with Arabic names and headers; CSV files are UTF-8 with a byte-order mark; text
that starts like a formula stays text in Arabic too.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.i18n.leftovers import english_leftovers
from tests.reports_fixtures import (
    Recorder,
    ensure_sales_data,
    hostile_customers,
    last_period,
    page_texts,
)
from webapp.extensions import db
from webapp.generators.contract import ParamError
from webapp.generators.params import report_language, validate_sales_report_params
from webapp.generators.progress import Tracker
from webapp.generators.sales_data import collect_sales
from webapp.generators.sales_text import clip

AR = {"Accept-Language": "ar"}
BOM = b"\xef\xbb\xbf"
# Arabic text a spreadsheet would run as a formula if it were written naively.
ARABIC_HOSTILE = ('=HYPERLINK("http://evil.example","انقر هنا")', "+عميل", "-خصم", "@أمل")
DAYS = 40


def main_part(html: str) -> str:
    """The page's <main> element: the part these forms own (the layout is the core's)."""
    start, end = html.index("<main"), html.index("</main>")
    return html[start : end + len("</main>")]


def nfkc(text: str) -> str:
    """Presentation forms back to plain Arabic letters, as a reader would type them."""
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="module")
def arabic_files(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sales report in Arabic in every format, and the orders export as CSV and Excel."""
    from webapp.generators.orders_export import build_orders_export
    from webapp.generators.sales_report import build_sales_report

    out = tmp_path_factory.mktemp("arabic")
    built: dict[str, Any] = {}
    with app.app_context():
        ensure_sales_data()
        date_from, date_to = last_period(DAYS)
        with hostile_customers(on=date_to - timedelta(days=2), names=ARABIC_HOSTILE):
            period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
            top = collect_sales(date_from, date_to, Tracker(lambda _p, _m: None), end=85)
            built["top"] = [c.name for c in top.top_customers]
            for fmt in ("pdf", "excel", "csv"):
                params = {**period, "format": fmt, "language": "ar"}
                built[fmt] = build_sales_report(params, out, Recorder()).path
            english = out / "english"
            english.mkdir()
            params = {**period, "format": "pdf"}
            built["pdf_en"] = build_sales_report(params, english, Recorder()).path
            for fmt in ("csv", "excel"):
                params = {**period, "status": "", "region": "", "format": fmt, "language": "ar"}
                folder = out / f"orders-{fmt}"
                folder.mkdir()
                built[f"orders_{fmt}"] = build_orders_export(params, folder, Recorder()).path
        db.session.remove()
    return built


def test_language_is_a_validated_parameter() -> None:
    """ar is kept (any case), English is the default and left out, anything else refused."""
    period = {"date_from": "2025-01-01", "date_to": "2025-01-31", "format": "pdf"}
    assert validate_sales_report_params({**period, "language": "AR"}, 400)["language"] == "ar"
    assert "language" not in validate_sales_report_params({**period, "language": "en"}, 400)
    assert "language" not in validate_sales_report_params(period, 400)
    with pytest.raises(ParamError) as raised:
        validate_sales_report_params({**period, "language": "fr"}, 400)
    assert raised.value.field == "language"
    assert raised.value.message == "Language must be one of en, ar.", raised.value.message
    blank = validate_sales_report_params({**period, "language": " "}, 400)
    assert "language" not in blank  # empty is English, left out like "en"
    assert report_language({}) == "en" and report_language({"language": "ar"}) == "ar"


def test_arabic_pdf_names_customers_in_logical_order(arabic_files: dict[str, Any]) -> None:
    """Title, headings, headers and "Page N of M" in Arabic; customers' names read as typed."""
    pages = [nfkc(text) for text in page_texts(arabic_files["pdf"])]
    text = "\n".join(pages)
    assert "تقرير المبيعات" in pages[0]
    for heading in ("الإجماليات", "حسب المنتج", "أهم العملاء", "الإيرادات حسب اليوم"):
        assert heading in text, heading
    for number, page in ((1, pages[0]), (len(pages), pages[-1])):
        # The footer reads "صفحة 1 من 4"; pypdf may give its figures in visual order.
        logical = rf"صفحة\s*{number}\s*من\s*{len(pages)}"
        extracted = rf"{len(pages)}\s*من\s*{number}\s*صفحة"
        assert re.search(f"{logical}|{extracted}", page), page[-80:]
    arabic_names = [n for n in arabic_files["top"] if any("\u0600" <= ch <= "\u06ff" for ch in n)]
    assert arabic_names, "the demo data has customers with Arabic names"
    for name in arabic_names:
        assert nfkc(clip(name, 26)) in text, name
    assert "Sales report" not in text and "Page 1 of" not in text


def test_english_pdf_shows_arabic_names_too(arabic_files: dict[str, Any]) -> None:
    """An English report sets a customer's Arabic name in DejaVu Sans, readable as typed."""
    text = "\n".join(nfkc(page) for page in page_texts(arabic_files["pdf_en"]))
    assert "Top customers" in text and "Page 1 of" in text
    arabic_names = [n for n in arabic_files["top"] if any("\u0600" <= ch <= "\u06ff" for ch in n)]
    for name in arabic_names:
        assert nfkc(clip(name, 26)) in text, name
    assert b"DejaVuSans" in arabic_files["pdf_en"].read_bytes()


def test_arabic_pdf_sets_arabic_in_a_font_with_arabic_glyphs(arabic_files: dict[str, Any]) -> None:
    """The PDF embeds DejaVu Sans (Helvetica has no Arabic glyphs)."""
    data = arabic_files["pdf"].read_bytes()
    assert b"DejaVuSans" in data


def test_arabic_workbook_runs_right_to_left(arabic_files: dict[str, Any]) -> None:
    """Every sheet is right to left, with Arabic sheet names and headers."""
    book = openpyxl.load_workbook(arabic_files["excel"])
    assert book.sheetnames == [
        "الملخص",
        "حسب اليوم",
        "حسب المنتج",
        "حسب المنطقة والقناة",
        "أهم العملاء",
    ]
    assert all(ws.sheet_view.rightToLeft for ws in book.worksheets)
    summary = book["الملخص"]
    assert [c.value for c in summary[1]] == ["المقياس", "القيمة", "ملاحظة"]
    top = book["أهم العملاء"]
    assert [c.value for c in top[1]][:3] == ["الترتيب", "العميل", "البريد الإلكتروني"]
    orders = openpyxl.load_workbook(arabic_files["orders_excel"])
    assert orders.sheetnames == ["الطلبات"]
    assert orders.worksheets[0].sheet_view.rightToLeft
    assert orders.worksheets[0]["A1"].value == "رقم الطلب"


def test_formula_injection_is_neutralised_in_arabic(arabic_files: dict[str, Any]) -> None:
    """Arabic names that start like formulas stay text: strings in Excel, quoted in CSV."""
    book = openpyxl.load_workbook(arabic_files["excel"])
    cells = {c.value: c.data_type for row in book["أهم العملاء"].iter_rows() for c in row}
    for name in ARABIC_HOSTILE:
        assert cells.get(name) == "s", name
    for path in (arabic_files["excel"], arabic_files["orders_excel"]):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.startswith("xl/worksheets/sheet"):
                    assert b"<f>" not in archive.read(member), member
    for key, column in (("csv", "customer"), ("orders_csv", "اسم العميل")):
        text = arabic_files[key].read_bytes().decode("utf-8-sig")
        names = {row[column] for row in csv.DictReader(io.StringIO(text))}
        for name in ARABIC_HOSTILE:
            assert "'" + name in names and name not in names, (key, name)


def test_csv_files_start_with_a_byte_order_mark(arabic_files: dict[str, Any]) -> None:
    """Excel opens the CSV as UTF-8 (Arabic intact) because it starts with a BOM."""
    for key in ("csv", "orders_csv"):
        data: bytes = arabic_files[key].read_bytes()
        assert data.startswith(BOM), key
    header = arabic_files["orders_csv"].read_bytes()[3:].decode().splitlines()[0]
    assert header.startswith("رقم الطلب,تاريخ الطلب,الحالة")


def test_english_files_stay_english(app: Flask, tmp_path: Path) -> None:
    """Without a language the files are as they were: English words, left to right."""
    from webapp.generators.sales_report import build_sales_report

    with app.app_context():
        ensure_sales_data()
        date_from, date_to = last_period(10)
        period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        excel = build_sales_report({**period, "format": "excel"}, tmp_path, Recorder()).path
        pdf = build_sales_report({**period, "format": "pdf"}, tmp_path, Recorder()).path
        db.session.remove()
    book = openpyxl.load_workbook(excel)
    assert book.sheetnames[0] == "Summary"
    assert not any(ws.sheet_view.rightToLeft for ws in book.worksheets)
    first = page_texts(pdf)[0]
    assert "Sales report" in first and "Page 1 of" in first


def test_progress_messages_stay_english_in_an_arabic_build(app: Flask, tmp_path: Path) -> None:
    """Stored progress messages are English (the pages translate them), whatever the file's."""
    from webapp.generators.sales_report import build_sales_report

    recorder = Recorder()
    with app.app_context():
        ensure_sales_data()
        date_from, date_to = last_period(10)
        params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        build_sales_report({**params, "format": "excel", "language": "ar"}, tmp_path, recorder)
        db.session.remove()
    messages = [message for _percent, message in recorder.calls]
    assert messages[0] == "Starting" and "Writing the workbook" in messages
    assert messages[-1].endswith(" is ready")


@pytest.mark.parametrize("path", ["/reports/new", "/exports/new"])
def test_forms_in_arabic(staff_client: FlaskClient, path: str) -> None:
    """The forms are wholly Arabic, and the file's language starts as the page's."""
    staff_client.get(path)  # shows (and so clears) the sign-in page's flash, not ours
    html = staff_client.get(path, headers=AR).get_data(as_text=True)
    assert english_leftovers(main_part(html)) == []
    assert "لغة التقرير" in html and "الفترة" in html and "الشهر الماضي" in html
    assert '<option selected value="ar">العربية</option>' in html
    english = staff_client.get(path).get_data(as_text=True)
    assert "Report language" in english and "Period" in english
    assert '<option selected value="en">English</option>' in english


def test_arabic_form_errors(staff_client: FlaskClient) -> None:
    """A wrong period is refused in Arabic, under the field it names."""
    from tests.conftest import csrf_from

    token = csrf_from(staff_client, "/reports/new")  # also clears the sign-in flash
    form = {"csrf_token": token, "date_from": "2025-03-10", "date_to": "2025-03-01"}
    response = staff_client.post("/reports/new", data={**form, "format": "pdf"}, headers=AR)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "لا يمكن أن يسبق تاريخ النهاية تاريخ البداية." in html
    assert english_leftovers(main_part(html)) == []


def test_the_form_sends_the_language(staff_client: FlaskClient, staff: Any) -> None:
    """Choosing Arabic on the form makes a job whose parameters say language=ar."""
    from tests.conftest import csrf_from
    from webapp.models.job import Job

    with staff_client.application.app_context():
        ensure_sales_data()
        date_from, date_to = last_period(5)
        db.session.remove()
    token = csrf_from(staff_client, "/reports/new")
    form = {"csrf_token": token, "date_from": date_from.isoformat()}
    form |= {"date_to": date_to.isoformat(), "format": "csv", "language": "ar"}
    response = staff_client.post("/reports/new", data=form)
    assert response.status_code == 303
    job = db.session.scalars(db.select(Job).order_by(Job.created_at.desc())).first()
    assert job is not None and job.input_data["language"] == "ar"
    assert isinstance(date.fromisoformat(job.input_data["date_from"]), date)


def test_brackets_in_arabic_lines_are_drawn_mirrored() -> None:
    """A bracket in a right-to-left run is drawn as its mirror image, as a browser does: the
    glyphs, left to right, read "(USD) ..." and "(31 ...)", never ")USD(" (seen in a PDF)."""
    from webapp.generators.rtl import visual

    drawn = visual("الإيرادات قبل الضريبة (USD)", rtl=True)
    assert drawn.startswith("(USD) "), drawn
    drawn = visual("الفترة: من 1 أكتوبر إلى 31 أكتوبر (31 يوم)", rtl=True)
    assert drawn.startswith("(") and drawn.index("(") < drawn.index(")"), drawn
    assert visual("Report for (أحمد) now", rtl=False).startswith("Report for ("), "LTR unchanged"


def test_arabic_pdf_brackets_read_the_right_way(arabic_files: dict[str, Any]) -> None:
    """The Arabic PDF's "(USD)" labels are not drawn back to front."""
    text = "\n".join(nfkc(page) for page in page_texts(arabic_files["pdf"]))
    assert "(USD)" in text and ")USD(" not in text
