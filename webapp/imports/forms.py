"""The New import form: what to import, the file, and check only or check and apply."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField
from wtforms.fields import SelectChoice

from webapp.importers.kinds import KINDS
from webapp.reports.forms import name_field

MODE_HINTS = {
    "check": "Nothing is written: the job counts what applying would create, update or reject.",
    "apply": "Valid rows are written in batches; rejected rows come back in a file to fix.",
}
KIND_HINTS = {name: kind.description for name, kind in KINDS.items()}


class NewImportForm(FlaskForm):
    """A kind, a CSV or XLSX file, a mode and an optional name."""

    kind = RadioField(
        "What to import",
        choices=[SelectChoice(name, kind.label) for name, kind in KINDS.items()],
        default="customers",
        validate_choice=False,
    )
    file = FileField("File (CSV or Excel .xlsx)")
    mode = RadioField(
        "What to do",
        choices=[SelectChoice("check", "Check only"), SelectChoice("apply", "Check and apply")],
        default="check",
        validate_choice=False,
    )
    name: StringField = name_field()
