"""Zuschlagsmitteilung / Abrufberechtigung (issue 14 part 1, R20, R22): the letter to one member
after the award — per awarded lot the supplier with address and contact, the term and its
options, the contract date where recorded, and every position the member takes part in with the
awarded unit price, the member's own estimated and maximum quantities over the term and its
annual and term values; the lots it takes part in that were cancelled, with the reason; totals.

Pure: plain dataclasses in, PDF bytes out. The figures come in already computed — by
einkauf.contracts.queries, the same as on the contract pages (R22); nothing is recomputed here
except the sums of figures given. Every text of a user (member, supplier, lot and position
texts, reasons) is escaped: Paragraphs through layout.para/facts_table, table cells are drawn as
plain strings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from einkauf.exports.pdf.layout import CELL_PAD_X, Cell, Heading, cell, data_table, facts_table, para
from einkauf.exports.pdf.letter import address, build_letter, letter_close, letter_head
from einkauf.exports.pdf.sections import generated
from einkauf.formatting import format_date_de, format_money_de, format_number_de, format_quantity_de

DOCUMENT_NAME = "Zuschlagsmitteilung und Abrufberechtigung"

# (header, width); the widths add up to the frame (174 mm).
POSITION_COLUMNS = (
    ("Pos.", 10 * mm),
    ("Art.-Nr. / Kurztext", 54 * mm),
    ("Einheit", 14 * mm),
    ("Zuschlags-\npreis\n(netto)", 20 * mm),
    ("Geschätzte\nMenge\nLaufzeit", 19 * mm),
    ("Höchst-\nmenge\nLaufzeit", 19 * mm),
    ("Jahreswert\n(netto)", 19 * mm),
    ("Wert\nLaufzeit\n(netto)", 19 * mm),
)
NUMERIC = (0, 3, 4, 5, 6, 7)
NO_PRICE = "ohne Preis"


@dataclass(frozen=True)
class LetterPosition:
    """A position of an awarded lot as the member takes part in it (figures of the contract page)."""

    number: int
    product_number: str
    short_text: str
    unit: str
    unit_price: Decimal | None  # None: the awarded bid has no price for it (left out of every value)
    estimated_quantity: Decimal
    maximum_quantity: Decimal
    annual_value: Decimal | None
    term_value: Decimal | None


@dataclass(frozen=True)
class AwardedLot:
    number: str
    title: str
    supplier_name: str
    supplier_address: str
    supplier_email: str
    supplier_vat_id: str
    contract_date: date | None
    positions: tuple[LetterPosition, ...]
    annual_value: Decimal  # the member's, Σ of its rows at the awarded prices
    term_value: Decimal  # the member's term share


@dataclass(frozen=True)
class CancelledLot:
    number: str
    title: str
    reason: str


@dataclass(frozen=True)
class AwardLetter:
    cooperative_name: str
    cooperative_address: str
    reference: str
    title: str
    member_name: str
    member_ags: str
    letter_date: date
    contract_term_months: int
    extension_months: int
    awarded: tuple[AwardedLot, ...]
    cancelled: tuple[CancelledLot, ...] = ()
    undecided: tuple[str, ...] = ()  # numbers of lots it takes part in without a decision yet

    @property
    def annual_total(self) -> Decimal:
        return sum((lot.annual_value for lot in self.awarded), Decimal("0.00"))

    @property
    def term_total(self) -> Decimal:
        return sum((lot.term_value for lot in self.awarded), Decimal("0.00"))


INTRO = ("in dem oben genannten Vergabeverfahren haben wir als zentrale Beschaffungsstelle für unsere Mitglieder über "
         "die Lose entschieden, an denen Sie beteiligt sind. Aus den Rahmenvereinbarungen mit den unten genannten "
         "Auftragnehmern sind Sie berechtigt, die aufgeführten Positionen zu den Zuschlagspreisen abzurufen, bis zu "
         "Ihrer Höchstmenge über die Laufzeit.")
VALUES_NOTE = ("Alle Beträge netto. Jahreswert = Summe Ihrer Bedarfszeilen × Zuschlagspreis, je Zeile auf Cent "
               "gerundet; Wert Laufzeit = Ihr Anteil am Loswert über die Laufzeit (wie auf der Seite „Verträge“).")


def term_text(contract_term_months: int, extension_months: int) -> str:
    base = f"{contract_term_months} Monate"
    if not extension_months:
        return base + " (ohne Verlängerungsoption)"
    return (f"{base}; Verlängerungsoption um bis zu {extension_months} Monate "
            f"(Gesamtlaufzeit höchstens {contract_term_months + extension_months} Monate)")


def _inner(width: float) -> float:
    return width - 2 * CELL_PAD_X


WIDTHS = [_inner(w) for _h, w in POSITION_COLUMNS]


def _price(value: Decimal | None) -> str:
    """The awarded unit price with four decimals, as on the contract page."""
    return format_number_de(value, 4) + " €" if value is not None else NO_PRICE


def _money(value: Decimal | None) -> str:
    return format_money_de(value) if value is not None else "–"


def _position_row(position: LetterPosition) -> list[Cell]:
    w = WIDTHS
    text = f"{position.product_number} {position.short_text}".strip()
    return [
        cell(str(position.number), w[0], clean=False),
        cell(text, w[1], max_lines=4),
        cell(position.unit, w[2], max_lines=2),
        cell(_price(position.unit_price), w[3], clean=False),
        cell(format_quantity_de(position.estimated_quantity), w[4], clean=False),
        cell(format_quantity_de(position.maximum_quantity), w[5], clean=False),
        cell(_money(position.annual_value), w[6], clean=False),
        cell(_money(position.term_value), w[7], clean=False),
    ]


def _total_row(label: str, annual: Decimal, term: Decimal) -> list[Cell]:
    w = WIDTHS
    return [cell("", w[0]), cell(label, w[1]), cell("", w[2]), cell("", w[3]), cell("", w[4]), cell("", w[5]),
            cell(format_money_de(annual), w[6], clean=False), cell(format_money_de(term), w[7], clean=False)]


def _awarded_story(lot: AwardedLot, letter: AwardLetter) -> list:
    facts = [
        ("Auftragnehmer", address(lot.supplier_name, lot.supplier_address)),
        ("Kontakt", lot.supplier_email or "–"),
    ]
    if lot.supplier_vat_id:
        facts.append(("USt-IdNr.", lot.supplier_vat_id))
    facts += [
        ("Laufzeit und Optionen", term_text(letter.contract_term_months, letter.extension_months)),
        ("Vertragsschluss", format_date_de(lot.contract_date) if lot.contract_date else "noch nicht erfasst"),
    ]
    story: list = [Heading(f"Los {lot.number} – {lot.title}", "h2"), facts_table(facts), Spacer(1, 2 * mm)]
    rows = [_position_row(p) for p in lot.positions]
    rows.append(_total_row(f"Summe Los {lot.number}", lot.annual_value, lot.term_value))
    story.append(data_table([h for h, _w in POSITION_COLUMNS], rows, [w for _h, w in POSITION_COLUMNS],
                            numeric=NUMERIC, total_row=True))
    if any(p.unit_price is None for p in lot.positions):
        story.append(para(f"Positionen „{NO_PRICE}“: Das bezuschlagte Angebot enthält für sie keinen Preis; sie "
                          "sind in keinem Wert enthalten.", "small"))
    return story


def build_award_letter(letter: AwardLetter, *, generated_at: datetime | None = None) -> bytes:
    """The letter as PDF bytes; the same letter and generated_at give the same bytes."""
    moment = generated(generated_at)
    story: list = [
        *letter_head(address(letter.cooperative_name, letter.cooperative_address),
                     address(letter.member_name, f"AGS {letter.member_ags}"),
                     f"Datum: {format_date_de(letter.letter_date)}"),
        Heading(f"{DOCUMENT_NAME}: Vergabenummer {letter.reference} – {letter.title}", "h1"),
        para("Sehr geehrte Damen und Herren,", "body_left"),
        para(INTRO),
        facts_table([
            ("Bezuschlagte Lose", str(len(letter.awarded))),
            ("Jahreswert (netto)", format_money_de(letter.annual_total)),
            ("Wert über die Laufzeit (netto)", format_money_de(letter.term_total)),
        ]),
    ]
    for lot in letter.awarded:
        story += _awarded_story(lot, letter)
    if letter.cancelled:
        story.append(Heading("Aufgehobene Lose", "h2"))
        story.append(para("Für die folgenden Lose, an denen Sie beteiligt sind, wird kein Zuschlag erteilt:",
                          "body_left"))
        story.append(facts_table([(f"Los {lot.number} – {lot.title}", f"Aufgehoben: {lot.reason}")
                                  for lot in letter.cancelled]))
    if letter.undecided:
        story.append(para("Noch nicht entschieden: " + ", ".join(f"Los {n}" for n in letter.undecided)
                          + ". Sie erhalten eine neue Fassung dieses Schreibens nach der Entscheidung.", "body_left"))
    story += [
        Heading("Summe", "h2"),
        facts_table([
            ("Jahreswert aller bezuschlagten Lose (netto)", format_money_de(letter.annual_total)),
            ("Wert über die Laufzeit (netto)", format_money_de(letter.term_total)),
        ], label_width=80 * mm),
        para(VALUES_NOTE, "small"),
        *letter_close(letter.cooperative_name),
    ]
    return build_letter(story, document_name=DOCUMENT_NAME, cooperative_name=letter.cooperative_name,
                        reference=letter.reference, title=letter.title, recipient=letter.member_name,
                        keywords=("Zuschlagsmitteilung", "Abrufberechtigung"), generated_at=moment)
