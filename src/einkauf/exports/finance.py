"""The finance export (Kostenaufteilung): every member's share per lot position, delivery site, cost
centre and budget account, as an Excel workbook or a CSV file for ERP imports (issue 6, R1, R12).

Pure generators: rows in (FinanceRow tuples, streamed — never a list of a million rows), bytes
out to a binary stream; no Flask, no SQLAlchemy. this module holds what both share (the
export's data, names and reconciliation per lot); `finance_xlsx` and `finance_csv` write the files;
`einkauf.finance.services` runs the row query and calls them; views and the CLI only send or save the result.

Workbook (openpyxl write-only, so memory stays flat):
- "Kostenaufteilung": the detail rows as an Excel table (header frozen, autofilter), codes as
  text, amounts as numbers with a euro format. A sheet holds 1,048,576 rows; further rows
  continue on "Kostenaufteilung 2", "Kostenaufteilung 3", … each with its header and table —
  nothing is ever cut off.
- "Summen": one row per member × lot (in the order the rows arrive) with the sums of the
  detail rows in cents, so they equal the detail sums exactly; then a total row.
- "Info": round, tender reference, generated at, price basis, profile, row count and control
  totals for reconciliation.

CSV: the profile's delimiter (default ";"), decimal comma, UTF-8 with BOM, CRLF, quoting per
RFC 4180 (csv.QUOTE_MINIMAL with doubled quotes), dates as TT.MM.JJJJ, the same columns. The
CSV writer reads the rows in a compact form (FinanceLines: member, site and position by key,
their texts prepared once per key) and writes exactly the bytes csv.writer writes for the full
rows; `write_finance_csv` takes FinanceRow tuples and keys them by their own values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from einkauf.exports.finance_columns import FIELD_INDEX
from einkauf.lots.values import ROUNDING_CAUSE
from einkauf.berlin import BERLIN

EXCEL_MAX_ROWS = 1_048_576
DETAIL_SHEET = "Kostenaufteilung"
SUMMARY_SHEET = "Summen"
INFO_SHEET = "Info"
PRICE_BASIS_LABELS = {"estimated": "Schätzpreis", "awarded": "Zuschlagspreis"}


@dataclass(frozen=True)
class LotValues:
    """One lot of the reconciliation (R22), from einkauf.lots.values.lot_money: the annual value
    (the lot's, or in one member's export that member's annual share), the term in months,
    the annual value over the term (annual × years; a member's term share), and the lot's
    estimated value of § 3 VgV — None in one member's export, which reconciles that member's
    share only."""

    number: str
    title: str
    annual_value: Decimal
    term_months_total: int
    annual_term_value: Decimal
    term_value: Decimal | None = None

    @property
    def rounding_difference(self) -> Decimal | None:
        return None if self.term_value is None else self.term_value - self.annual_term_value


@dataclass(frozen=True)
class ExportInfo:
    """What the export is of; printed on the Info sheet (and used for the Belegdatum column)."""

    round_code: str
    round_title: str
    generated_at: datetime  # aware
    price_basis: str = "estimated"
    reference: str = ""
    member_label: str = "alle Mitglieder"
    plan_version: int | None = None
    plan_fingerprint: str = ""
    # The plan's annual net total for the same selection, to reconcile against (R1); None if unknown.
    plan_net_total: Decimal | None = None
    # Per lot: annual and term values for the reconciliation of the rows (R22); () if unknown.
    # At awarded prices: the annual value is the members' annual value at awarded prices (as on
    # the contract pages), the term value the lot's awarded total (None in a member's export).
    lots: tuple[LotValues, ...] = ()
    # At awarded prices: what the difference between the awarded total and the rows means (R22).
    award_notes: tuple[str, ...] = ()

    @property
    def generated_on(self) -> date:
        return self.generated_at.astimezone(BERLIN).date()

    @property
    def price_basis_label(self) -> str:
        return PRICE_BASIS_LABELS.get(self.price_basis, self.price_basis)


@dataclass
class ExportTotals:
    """Control totals of an export, in the stored scaled integers (exact)."""

    rows: int = 0
    net_cents: int = 0
    vat_cents: int = 0
    gross_cents: int = 0
    sheets: int = 0
    # (AGS, member, lot number, lot title) → [rows, net, vat, gross] in the order the rows came.
    by_member_lot: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        return _euro(self.net_cents)

    @property
    def vat(self) -> Decimal:
        return _euro(self.vat_cents)

    @property
    def gross(self) -> Decimal:
        return _euro(self.gross_cents)

    @property
    def members(self) -> int:
        return len({key[0] for key in self.by_member_lot})

    @property
    def lots(self) -> int:
        return len({key[2] for key in self.by_member_lot})

    unpriced_rows: int = 0  # at awarded prices: rows of lots not awarded (no amounts)

    def add(self, row: Sequence[Any]) -> None:
        net, vat, gross = row[_NET], row[_VAT], row[_GROSS]
        if net is None:  # at awarded prices, a row of a lot not awarded: counted, not priced
            self.unpriced_rows += 1
            net = vat = gross = 0
        self.rows += 1
        self.net_cents += net
        self.vat_cents += vat
        self.gross_cents += gross
        key = (row[_AGS], row[_MEMBER], row[_LOT], row[_LOT_TITLE])
        sums = self.by_member_lot.get(key)
        if sums is None:
            self.by_member_lot[key] = [1, net, vat, gross]
        else:
            sums[0] += 1
            sums[1] += net
            sums[2] += vat
            sums[3] += gross


_NET, _VAT, _GROSS = FIELD_INDEX["net_cents"], FIELD_INDEX["vat_cents"], FIELD_INDEX["gross_cents"]
_AGS, _MEMBER = FIELD_INDEX["ags"], FIELD_INDEX["member_name"]
_LOT, _LOT_TITLE = FIELD_INDEX["lot_number"], FIELD_INDEX["lot_title"]


def _euro(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def scaled_decimal(value: int, places: int) -> Decimal:
    """An exact Decimal from a stored scaled integer (1234, 2 → Decimal('12.34'))."""
    return Decimal(value).scaleb(-places)


def fiscal_year(round_code: str, deadline: datetime) -> str:
    """The budget year (Haushaltsjahr) of a round's contracts.

    The round code when it is a four-digit year ("2027"); otherwise the year after the year of
    the deadline in German time — demand is collected in the year before it is bought.
    """
    code = (round_code or "").strip()
    if len(code) == 4 and code.isascii() and code.isdigit():
        return code
    return str(deadline.astimezone(BERLIN).year + 1)


def download_name(round_code: str, member_ags: str | None, extension: str, *, reference: str = "") -> str:
    """The file name of a download, set by us (never from user input) and ASCII only:
    Kostenaufteilung_2027.xlsx, Kostenaufteilung_2027_05111000.csv."""
    def safe(text: str) -> str:
        return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in text)[:40]

    parts = ["Kostenaufteilung", safe(reference or round_code)]
    if member_ags:
        parts.append(safe(member_ags))
    return "_".join(parts) + "." + extension


RECONCILIATION_HEADERS = ("Los", "Los-Titel", "Zeilen", "Zeilen netto (Summe, jährlich)", "Jahreswert laut Losplan",
                          "Abweichung", "Laufzeit (Monate)", "Jahreswert × Laufzeit", "Geschätzter Wert (§ 3 VgV)",
                          "Rundungsdifferenz")


AWARDED_RECONCILIATION_HEADERS = ("Los", "Los-Titel", "Zeilen", "Zeilen netto zu Zuschlagspreisen (Summe, jährlich)",
                                  "Jahreswert zu Zuschlagspreisen (Verträge)", "Abweichung", "Laufzeit (Monate)",
                                  "Jahreswert × Laufzeit", "Zuschlagssumme des Loses", "Rundungsdifferenz")


def reconciliation_headers(price_basis: str) -> tuple[str, ...]:
    return AWARDED_RECONCILIATION_HEADERS if price_basis == "awarded" else RECONCILIATION_HEADERS


def rows_by_lot(totals: ExportTotals) -> dict[str, tuple[int, int]]:
    """Rows and Σ net cents of the export per lot number (summed over its members)."""
    result: dict[str, tuple[int, int]] = {}
    for (_ags, _member, lot, _title), (count, net, _vat, _gross) in totals.by_member_lot.items():
        rows, cents = result.get(lot, (0, 0))
        result[lot] = (rows + count, cents + net)
    return result


def reconciliation_notes(member_export: bool, info: ExportInfo | None = None) -> list[str]:
    """What the reconciliation columns mean, in German (Info sheet and README, R22)."""
    if info is not None and info.price_basis == "awarded":
        return awarded_reconciliation_notes(member_export, info.award_notes)
    notes = [
        "Zeilen netto: Summe der Detailzeilen (je Bedarfsposition Menge × Preis, auf Cent gerundet) – ein "
        "Jahresbetrag. Jahreswert laut Losplan: " + ("der Jahresanteil des Mitglieds (Summe seiner Zuordnungen)"
                                                     if member_export else "der beim Bilden der Lose gespeicherte "
                                                     "Jahreswert des Loses") + "; die Abweichung ist 0,00 €.",
        "Jahreswert × Laufzeit: Jahreswert × Laufzeit in Monaten / 12, einmal auf Cent gerundet (bei ganzen Jahren "
        "exakt)" + ("; der Anteil des Mitglieds über die Laufzeit, wie im Vergabevermerk." if member_export
                    else "; die Anteile der Mitglieder im Vergabevermerk ergeben zusammen genau diesen Betrag."),
    ]
    if member_export:
        notes.append("Der geschätzte Wert nach § 3 VgV und die Rundungsdifferenz stehen im Export aller Mitglieder.")
    else:
        notes.append(ROUNDING_CAUSE)
    return notes


def awarded_reconciliation_notes(member_export: bool, award_notes: Sequence[str]) -> list[str]:
    """The notes of the reconciliation at awarded prices (R20, R22): how the rows, the members'
    annual values on the contract pages and the lot's awarded total relate."""
    notes = [
        "Zeilen netto zu Zuschlagspreisen: Summe der Detailzeilen (je Bedarfsposition Menge × Zuschlagspreis, "
        "einmal kaufmännisch auf Cent gerundet) – ein Jahresbetrag. Jahreswert zu Zuschlagspreisen: "
        + ("der Jahreswert des Mitglieds auf seiner Vertragsseite" if member_export
           else "die Summe der Jahreswerte aller Mitglieder auf den Vertragsseiten")
        + "; beide sind Summen derselben gerundeten Zeilen, die Abweichung ist 0,00 €.",
        "Lose ohne Zuschlag (nicht vergeben oder aufgehoben) haben Zeilen ohne Beträge; sie zählen in keiner "
        "Summe zu Zuschlagspreisen.",
        "Jahreswert × Laufzeit: Jahreswert × Laufzeit in Monaten / 12, einmal auf Cent gerundet"
        + ("; der Anteil des Mitglieds über die Laufzeit, wie auf seiner Vertragsseite." if member_export
           else "; die Anteile der Mitglieder über die Laufzeit ergeben zusammen genau diesen Betrag."),
    ]
    if member_export:
        notes.append("Die Zuschlagssumme des Loses und die Rundungsdifferenz stehen im Export aller Mitglieder.")
    else:
        notes.append("Rundungsdifferenz = Zuschlagssumme des Loses − Jahreswert × Laufzeit.")
        notes.extend(award_notes)
    return notes
