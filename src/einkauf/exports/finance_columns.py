"""The columns of the finance export (Kostenaufteilung), their types and the row they are read from.

Pure: no Flask, no SQLAlchemy. The German headers of the default profile are part of the
file format that municipal ERP imports (SAP, Infoma, proDoppik) are configured against:
change them only with a new profile, never in place (README: "Finanzexport").

Amounts travel as the exact scaled integers the database stores (R1): quantities in
thousandths, money in cents, VAT rates in hundredths of a percent. The writers turn them into
Excel numbers (Decimal) or German decimal strings without any rounding.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple


class FinanceRow(NamedTuple):
    """One detail row: a member's share of a lot position for one delivery site, cost centre and
    budget account. The row query yields tuples in exactly this order."""

    fiscal_year: str
    member_name: str
    ags: str
    delivery_site: str
    cost_centre: str
    budget_account: str
    reference: str
    lot_number: str
    lot_title: str
    position: int
    product_number: str
    short_text: str
    cpv_code: str
    quantity_thousandths: int
    unit: str
    unit_price_cents: int
    net_cents: int
    vat_rate_hundredths: int
    vat_cents: int
    gross_cents: int
    price_basis: str
    round_code: str
    unit_code: str
    # At awarded prices (issue 14): the awarded bidder, the lot's award status, the awarded unit
    # price (1/10,000 €, None where the lot is not awarded or the bid has no price) and the row's
    # value at the reference price. In an export at estimated prices: "", "", None and net_cents.
    # At awarded prices net/VAT/gross above are the awarded ones (None where not priced) and
    # unit_price_cents stays the reference price.
    supplier: str = ""
    award_status: str = ""
    awarded_unit_price: int | None = None
    estimated_net_cents: int = 0


FIELD_INDEX = {name: index for index, name in enumerate(FinanceRow._fields)}


class Kind(str, enum.Enum):
    TEXT = "text"
    INTEGER = "integer"
    QUANTITY = "quantity"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    UNIT_PRICE = "unit_price"  # a bid's unit price, four decimal places


# Decimal places of the scaled kinds: the stored value is an integer number of 10**-places.
PLACES = {Kind.QUANTITY: 3, Kind.MONEY: 2, Kind.PERCENT: 2, Kind.UNIT_PRICE: 4}


@dataclass(frozen=True)
class Column:
    """A column the export can write: its stable German header, its type, its source, its meaning."""

    header: str
    kind: Kind
    field: str | None  # a FinanceRow field; None for a value of the export itself (Belegdatum)
    width: int
    meaning: str

    @property
    def index(self) -> int | None:
        return FIELD_INDEX[self.field] if self.field else None


# The default profile: these columns in this order (issue 6). Documented in README.md.
DEFAULT_COLUMNS: tuple[Column, ...] = (
    Column("Haushaltsjahr", Kind.TEXT, "fiscal_year", 13,
           "Code der Bedarfsabfrage, wenn er eine vierstellige Jahreszahl ist, sonst das Jahr nach dem Jahr der "
           "Abgabefrist"),
    Column("Mitglied", Kind.TEXT, "member_name", 28, "Name des Mitglieds"),
    Column("AGS", Kind.TEXT, "ags", 11, "Amtlicher Gemeindeschlüssel, 8 Ziffern"),
    Column("Lieferstelle", Kind.TEXT, "delivery_site", 24, "Name der Lieferstelle"),
    Column("Kostenstelle", Kind.TEXT, "cost_centre", 14, "Kostenstelle der Bedarfsposition"),
    Column("Sachkonto", Kind.TEXT, "budget_account", 12, "Sachkonto der Bedarfsposition"),
    Column("Vergabenummer", Kind.TEXT, "reference", 16, "Vergabenummer des Verfahrens; leer im Export einer "
                                                         "Bedarfsabfrage"),
    Column("Los", Kind.TEXT, "lot_number", 7, "Losnummer (Text, z. B. 3 oder 3.2)"),
    Column("Los-Titel", Kind.TEXT, "lot_title", 26, "Titel des Loses"),
    Column("Position", Kind.INTEGER, "position", 9, "Positionsnummer im Los"),
    Column("Artikel-Nr.", Kind.TEXT, "product_number", 13, "Artikelnummer"),
    Column("Bezeichnung", Kind.TEXT, "short_text", 36, "Kurztext des Artikels"),
    Column("CPV", Kind.TEXT, "cpv_code", 12, "CPV-Code der Warengruppe mit Prüfziffer"),
    Column("Menge", Kind.QUANTITY, "quantity_thousandths", 12, "Jahresmenge, drei Nachkommastellen"),
    Column("Einheit", Kind.TEXT, "unit", 12, "Mengeneinheit (Bezeichnung)"),
    Column("Einzelpreis netto", Kind.MONEY, "unit_price_cents", 14, "Preis je Einheit netto in Euro"),
    Column("Gesamt netto", Kind.MONEY, "net_cents", 15, "Menge × Einzelpreis, kaufmännisch auf Cent gerundet"),
    Column("USt-Satz", Kind.PERCENT, "vat_rate_hundredths", 9, "Umsatzsteuersatz in Prozent (19,00)"),
    Column("USt", Kind.MONEY, "vat_cents", 13, "Gesamt netto × USt-Satz / 100, kaufmännisch auf Cent gerundet"),
    Column("Gesamt brutto", Kind.MONEY, "gross_cents", 15, "Gesamt netto + USt"),
    Column("Preisbasis", Kind.TEXT, "price_basis", 14, "„Schätzpreis“ oder „Zuschlagspreis“"),
)

# Further columns a profile may choose.
OPTIONAL_COLUMNS: tuple[Column, ...] = (
    Column("Bedarfsabfrage", Kind.TEXT, "round_code", 14, "Code der Bedarfsabfrage"),
    Column("Einheit-Code", Kind.TEXT, "unit_code", 12, "Mengeneinheit als UN/ECE-Rec-20-Code (z. B. H87)"),
    Column("Belegdatum", Kind.DATE, None, 12, "Tag der Erstellung des Exports (deutsche Zeit)"),
)

# The columns of the export at awarded prices (issue 14). In that export "Einzelpreis netto"
# of a profile is the awarded unit price (AWARDED_UNIT_PRICE under the profile's header) and
# "Gesamt netto", "USt" and "Gesamt brutto" are the awarded amounts; the columns below follow
# the profile's columns unless the profile names them itself. Any profile may choose them.
AWARDED_UNIT_PRICE = Column("Zuschlagspreis netto", Kind.UNIT_PRICE, "awarded_unit_price", 14,
                            "Zuschlagspreis je Einheit netto in Euro, vier Nachkommastellen; leer, wenn das Los "
                            "nicht vergeben oder aufgehoben ist")
AWARD_COLUMNS: tuple[Column, ...] = (
    Column("Lieferant", Kind.TEXT, "supplier", 28, "Bieter, der den Zuschlag für das Los erhalten hat"),
    Column("Vergabestatus", Kind.TEXT, "award_status", 15,
           "„vergeben“, „nicht vergeben“ (noch keine Entscheidung) oder „aufgehoben“; nicht vergebene und "
           "aufgehobene Lose haben keine Beträge zu Zuschlagspreisen"),
    Column("Schätzpreis netto", Kind.MONEY, "unit_price_cents", 14, "Schätzpreis (Referenzpreis) je Einheit netto"),
    Column("Schätzwert netto", Kind.MONEY, "estimated_net_cents", 15,
           "Menge × Schätzpreis, kaufmännisch auf Cent gerundet (der Betrag des Exports zu Schätzpreisen)"),
)
OPTIONAL_COLUMNS += (AWARDED_UNIT_PRICE, *AWARD_COLUMNS)

ALL_COLUMNS: tuple[Column, ...] = DEFAULT_COLUMNS + OPTIONAL_COLUMNS
COLUMN_BY_HEADER: dict[str, Column] = {column.header: column for column in ALL_COLUMNS}

KIND_LABELS = {
    Kind.TEXT: "Text",
    Kind.INTEGER: "Ganzzahl",
    Kind.QUANTITY: "Zahl, 3 Nachkommastellen",
    Kind.MONEY: "Betrag in Euro, 2 Nachkommastellen",
    Kind.PERCENT: "Prozent, 2 Nachkommastellen",
    Kind.DATE: "Datum",
    Kind.UNIT_PRICE: "Betrag in Euro, 4 Nachkommastellen",
}
