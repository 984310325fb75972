"""The New import form: what to import, the file, and check only or check and apply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField
from wtforms.fields import SelectChoice

from webapp.importers.kinds import KINDS
from webapp.reports.forms import name_field

MODE_HINTS = {
    "check": _l("Nothing is written: the job counts what applying would create, update or reject."),
    "apply": _l("Valid rows are written in batches; rejected rows come back in a file to fix."),
}
# The kinds' words, by name, in the page's language (webapp.importers keeps the English ones).
KIND_LABELS = {
    "customers": _l("Customers"),
    "products": _l("Products"),
    "prices": _l("Price updates"),
}
KIND_HINTS = {
    "customers": _l("New customers are added; a customer whose email is already known is updated."),
    "products": _l("New products are added; a product whose SKU is already known is updated."),
    "prices": _l("Sets the unit price of existing products; an unknown SKU is rejected."),
}
for _name, _kind in KINDS.items():  # a kind added later shows its own English words
    KIND_LABELS.setdefault(_name, _kind.label)
    KIND_HINTS.setdefault(_name, _kind.description)


class NewImportForm(FlaskForm):
    """A kind, a CSV or XLSX file, a mode and an optional name."""

    kind = RadioField(
        _l("What to import"),
        choices=[SelectChoice(name, KIND_LABELS[name]) for name in KINDS],
        default="customers",
        validate_choice=False,
    )
    file = FileField(_l("File (CSV or Excel .xlsx)"))
    mode = RadioField(
        _l("What to do"),
        choices=[
            SelectChoice("check", _l("Check only")),
            SelectChoice("apply", _l("Check and apply")),
        ],
        default="check",
        validate_choice=False,
    )
    name: StringField = name_field()

    def __init__(self, *args: object, **kwargs: object) -> None:
        """The form, with the name field's label in the page's language."""
        super().__init__(*args, **kwargs)
        self.name.label.text = _l("Name (to tell it apart)")
