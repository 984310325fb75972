"""What can be imported: each kind's columns, how each cell is checked, and its natural key.

Customers are matched by email, products and price updates by SKU. A column's header is
matched whatever its letter case and whether words are joined by spaces or underscores
("Unit price" is unit_price). Columns a kind does not know are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webapp.i18n import N_
from webapp.importers import cells
from webapp.models.sales import REGIONS


@dataclass(frozen=True)
class Column:
    """One column of a kind: its header, whether it must be filled, how it is checked."""

    name: str
    required: bool
    example: str
    hint: str  # a msgid (marked N_), said in the template's language; %(options)s: choices
    parser: Callable[[str], cells.Parser]  # the phone region -> the cell's parser


@dataclass(frozen=True)
class Kind:
    """A kind of import: what it is called, its columns and the column that is its key."""

    name: str
    label: str
    noun: str  # one row is one ...
    key: str
    columns: tuple[Column, ...]
    description: str
    unique: tuple[str, ...] = ()  # columns no two rows of a file may share (the key first)
    creates: bool = True  # price updates change existing products only

    @property
    def required(self) -> list[str]:
        """The headers a file must have."""
        return [column.name for column in self.columns if column.required]

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(column for column in self.columns if column.name == name)


def _fixed(parser: cells.Parser) -> Callable[[str], cells.Parser]:
    return lambda _region: parser


CUSTOMERS = Kind(
    name="customers",
    label="Customers",
    noun="customer",
    key="email",
    description="New customers are added; a customer whose email is already known is updated.",
    unique=("email", "phone"),
    columns=(
        Column("email", True, "layla.haddad@example.com", N_("The key: one row per customer."),
               _fixed(cells.email)),
        Column("name", True, "Layla Haddad", N_("Up to 120 characters."), _fixed(cells.text(120))),
        Column("region", True, "North", N_("One of %(options)s."),
               _fixed(cells.choice(REGIONS))),
        Column("phone", False, "+966501234567",
               N_("Optional. Stored as +country code and number; numbers without +code are "
                  "read as the default region's."), cells.phone),
        Column("customer_since", False, "2024-05-01", N_("Optional date, YYYY-MM-DD."),
               _fixed(cells.day)),
    ),
)  # fmt: skip
PRODUCTS = Kind(
    name="products",
    label="Products",
    noun="product",
    key="sku",
    description="New products are added; a product whose SKU is already known is updated.",
    unique=("sku",),
    columns=(
        Column("sku", True, "ELE-0101", N_("The key: letters, digits, '-', '_' and '.'."),
               _fixed(cells.code(32))),
        Column("name", True, "Desk lamp", N_("Up to 120 characters."), _fixed(cells.text(120))),
        Column("category", True, "Electronics", N_("Up to 40 characters."), _fixed(cells.text(40))),
        Column("unit_price", True, "49.90", N_("At most two decimals, e.g. 49.90."),
               _fixed(cells.money)),
    ),
)  # fmt: skip
PRICES = Kind(
    name="prices",
    label="Price updates",
    noun="price",
    key="sku",
    description="Sets the unit price of existing products; an unknown SKU is rejected.",
    unique=("sku",),
    creates=False,
    columns=(
        Column("sku", True, "ELE-0101", N_("An existing product's SKU."), _fixed(cells.code(32))),
        Column("unit_price", True, "52.50", N_("At most two decimals, e.g. 52.50."),
               _fixed(cells.money)),
    ),
)  # fmt: skip

KINDS: dict[str, Kind] = {kind.name: kind for kind in (CUSTOMERS, PRODUCTS, PRICES)}


def header_key(text: object) -> str:
    """A header as compared: 'Unit Price ' -> 'unit_price' (a BOM or quotes around it go too)."""
    words = str(text or "").replace("\ufeff", "").strip().strip('"').lower()
    return "_".join(words.replace("-", " ").replace("_", " ").split())
