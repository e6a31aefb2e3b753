"""Vergabevermerk (PDF, internal): the procedure decision with its reasons and numbers (R4),
the threshold applied, the estimated values per lot and per position with the reference
prices (R3), per lot its annual value beside it with the rounding difference and its cause, each
member's annual and term share per lot (R22), and who froze the tender when. Every page is marked
"Intern – nicht zur Veröffentlichung".

The figures must agree: a lot's value is the sum of its position values, the tender's
estimated total the sum of the lot values (R1, § 3 Abs. 7 VgV), the members' annual shares the
lot's annual value and their term shares those of einkauf.lots.rules.lot_money; build_record_pdf refuses data
that does not add up (ValueError) rather than print a record that contradicts itself.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from einkauf.exports.pdf.layout import (CELL_PAD_X, TABLE_BOLD, TABLE_FONT, TABLE_SIZE, Cell, ContentsEntry, Heading,
                                        PageFrame, PdfMeta, block_cell, build_pdf, cell, data_table, facts_table, para)
from einkauf.exports.pdf.sections import contents, cover, generated, lot_key, lot_label, term_text
from einkauf.exports.tender_data import TenderDocument, TenderLot, TenderPosition, format_quantity_de
from einkauf.exports.text import clean_text
from einkauf.lots.rules import ROUNDING_CAUSE, format_date_de, format_money_de, format_number_de, term_years
from einkauf.rounds.timing import format_berlin

DOCUMENT_NAME = "Vergabevermerk"
MARKING = "Intern – nicht zur Veröffentlichung"

POSITION_COLUMNS = (
    ("OZ / Art.-Nr.", 20 * mm),
    ("Kurztext", 46 * mm),
    ("Einheit", 15 * mm),
    ("Jahres-\nmenge", 16 * mm),
    ("Geschätzte\nMenge\nLaufzeit", 19 * mm),
    ("Höchst-\nmenge\nLaufzeit", 16 * mm),
    ("Schätzpreis\nnetto", 18 * mm),
    ("Geschätzter\nWert netto", 24 * mm),
)


def _inner(width: float) -> float:
    return width - 2 * CELL_PAD_X


def format_price_de(value: Decimal) -> str:
    """A unit price with 2 to 4 decimals as given: 2.35 → "2,35 €", 0.0045 → "0,0045 €"."""
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(2, -exponent if isinstance(exponent, int) else 2))
    return format_number_de(value, places) + " €"


def _percent(part: Decimal, whole: Decimal) -> str:
    if whole == 0:
        return "–"
    return format_number_de((part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + " %"


def check_record_figures(tender: TenderDocument) -> None:
    """ValueError when the values do not add up (lot = Σ positions, total = Σ lots, the members'
    annual shares = the lot's annual value, each term share = lot_money's; R22)."""
    for lot in tender.lots:
        positions = sum((p.estimated_value for p in lot.positions), Decimal("0.00"))
        if positions != lot.estimated_value:
            raise ValueError(f"lot {lot.number}: estimated value {lot.estimated_value} is not the sum of its "
                             f"position values {positions}")
    for lot in tender.lots:
        money = lot.money(tender.term_months_total)  # ValueError: annual shares ≠ annual value
        for share in lot.member_shares:
            if money.member((share.member_ags, share.member_name)).term_value != share.value:
                raise ValueError(f"lot {lot.number}: the term share of {share.member_ags} is {share.value}, not its "
                                 f"annual share × years (einkauf.lots.rules.lot_money)")
    lots = sum((lot.estimated_value for lot in tender.lots), Decimal("0.00"))
    if lots != tender.estimated_total:
        raise ValueError(f"estimated total {tender.estimated_total} is not the sum of the lot values {lots}")


def _decision(tender: TenderDocument) -> list:
    threshold = format_money_de(tender.threshold_amount)
    if tender.threshold_valid_from and tender.threshold_valid_to:
        threshold += (f" (gültig {format_date_de(tender.threshold_valid_from)}–"
                      f"{format_date_de(tender.threshold_valid_to)})")
    difference = tender.estimated_total - tender.threshold_amount
    if difference == 0:
        comparison = "genau am Schwellenwert"
    else:
        comparison = f"{format_money_de(abs(difference))} {'über' if difference > 0 else 'unter'} dem Schwellenwert"
    story: list = [
        facts_table([
            ("Geschätzter Auftragswert", f"{format_money_de(tender.estimated_total)} netto, Summe aller "
                                         f"{len(tender.lots)} Lose (§ 3 Abs. 7 VgV)"),
            ("EU-Schwellenwert", f"{threshold}, maßgeblich am geplanten Veröffentlichungstag "
                                 f"{format_date_de(tender.publication_date)}"),
            ("Vergleich", comparison),
            ("Ergebnis", ("EU-weites Verfahren" if tender.eu_wide else "Nationales Verfahren")
             + f": {tender.procedure}"),
            ("Laufzeit (Berechnungsbasis)", f"{term_text(tender)}; der Schätzung liegen "
                                            f"{tender.term_months_total} Monate = "
                                            f"{format_number_de(term_years(tender.contract_term_months, tender.extension_months), 2)}"
                                            " Jahre zugrunde (§ 3 Abs. 1 und 4 VgV)"),
        ]),
        Heading("Begründung", "h2"),
    ]
    if tender.procedure_reasons:
        story += [para(f"{n}. {clean_text(reason)}") for n, reason in enumerate(tender.procedure_reasons, start=1)]
    else:
        story.append(para("Keine Begründung hinterlegt."))
    story.append(para("Geschätzter Wert einer Position = Jahresmenge × Schätzpreis netto × Laufzeit in Jahren "
                      "einschließlich aller Verlängerungsoptionen, einmal kaufmännisch auf Cent gerundet; der Wert "
                      "eines Loses ist die Summe seiner Positionswerte.", "small"))
    return story


def _lots_table(tender: TenderDocument) -> list:
    widths = (14 * mm, 58 * mm, 44 * mm, 16 * mm, 14 * mm, 28 * mm)
    rows = [[cell(lot.number, _inner(widths[0])), cell(lot.title, _inner(widths[1]), max_lines=6),
             cell(lot.procedure, _inner(widths[2]), max_lines=4),
             cell("ja" if lot.small_lot_quota else "nein", _inner(widths[3]), clean=False),
             cell(str(len(lot.positions)), _inner(widths[4]), clean=False),
             cell(format_money_de(lot.estimated_value), _inner(widths[5]), clean=False)]
            for lot in tender.lots]
    blank = cell("", 1, clean=False)
    rows.append([cell("Summe", _inner(widths[0]), clean=False), blank, blank, blank,
                 cell(str(sum(len(lot.positions) for lot in tender.lots)), _inner(widths[4]), clean=False),
                 cell(format_money_de(tender.estimated_total), _inner(widths[5]), clean=False)])
    return [data_table(["Los", "Bezeichnung", "Verfahren", "Klein-\nlos", "Posi-\ntionen", "Geschätzter\nWert netto"],
                       rows, list(widths), numeric=(4, 5), total_row=True)]


def _shares(lot: TenderLot, months: int) -> list:
    """Each member's annual and term share, their sums, and the reconciliation with the lot's
    estimated value of § 3 VgV (R22)."""
    money = lot.money(months)
    story: list = []
    if lot.member_shares:
        widths = (66 * mm, 22 * mm, 32 * mm, 34 * mm, 20 * mm)
        rows = [[cell(s.member_name, _inner(widths[0]), max_lines=3), cell(s.member_ags, _inner(widths[1])),
                 cell(format_money_de(s.annual_value), _inner(widths[2]), clean=False),
                 cell(format_money_de(s.value), _inner(widths[3]), clean=False),
                 cell(_percent(s.annual_value, money.annual_value), _inner(widths[4]), clean=False)]
                for s in lot.member_shares]
        blank = cell("", 1, clean=False)
        rows.append([cell("Summe", _inner(widths[0]), clean=False), blank,
                     cell(format_money_de(money.annual_value), _inner(widths[2]), clean=False),
                     cell(format_money_de(money.annual_term_value), _inner(widths[3]), clean=False),
                     cell(_percent(money.annual_value, money.annual_value), _inner(widths[4]), clean=False)])
        story.append(data_table(["Mitglied", "AGS", "Jahresanteil\nnetto",
                                 f"Anteil über die\nLaufzeit ({money.years_text} J.)", "Anteil"],
                                rows, list(widths), numeric=(2, 3, 4), total_row=True))
    else:
        story.append(para("Keine Anteile der Mitglieder hinterlegt."))
    story.append(para(f"Anteil über die Laufzeit = Jahresanteil × {money.years_text} Jahre (Summe der auf Cent "
                      f"gerundeten Zeilen der Kostenaufteilung × Laufzeit); zusammen "
                      f"{format_money_de(money.annual_term_value)} = {format_money_de(money.annual_value)} × "
                      f"{money.years_text}. Geschätzter Wert des Loses nach § 3 VgV: "
                      f"{format_money_de(money.term_value)}; Rundungsdifferenz "
                      f"{_signed_money(money.rounding_difference)}."
                      + (f" {ROUNDING_CAUSE}" if money.rounding_difference else ""), "small"))
    return story


def _signed_money(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format_money_de(value)


def _position_row(position: TenderPosition) -> list[Cell]:
    widths = [_inner(w) for _h, w in POSITION_COLUMNS]
    return [
        block_cell([(clean_text(position.oz, multiline=False), TABLE_BOLD, TABLE_SIZE, 2),
                    (clean_text(position.product_number, multiline=False), TABLE_FONT, TABLE_SIZE, 3)], widths[0]),
        cell(position.short_text, widths[1], max_lines=6),
        cell(position.unit, widths[2], max_lines=3),
        cell(format_quantity_de(position.annual_quantity), widths[3], clean=False),
        cell(format_quantity_de(position.estimated_quantity), widths[4], clean=False),
        cell(format_quantity_de(position.maximum_quantity), widths[5], clean=False),
        cell(format_price_de(position.reference_price), widths[6], clean=False),
        cell(format_money_de(position.estimated_value), widths[7], clean=False),
    ]


def _values(lot: TenderLot, months: int) -> list[tuple[str, str]]:
    """The lot's annual and term values side by side (R22)."""
    money = lot.money(months)
    return [("Jahreswert netto", f"{format_money_de(money.annual_value)} (Summe der Jahreszeilen)"),
            (f"Jahreswert × Laufzeit ({money.years_text} Jahre)", format_money_de(money.annual_term_value)),
            ("Rundungsdifferenz zum geschätzten Wert", _signed_money(money.rounding_difference))]


def _lot_story(lot: TenderLot, index: int, months: int) -> list:
    story: list = [
        PageBreak(),
        Heading(lot_label(lot), "h1", lot_key(index), level=1),
        facts_table([
            ("CPV-Code", f"{lot.cpv_code} – {lot.cpv_label}"),
            ("Verfahren", lot.procedure),
            ("Kleinlosregelung", "ja, nationale Vergabe nach § 3 Abs. 9 VgV" if lot.small_lot_quota else "nein"),
            ("Geschätzter Wert netto", format_money_de(lot.estimated_value)),
            ("Mitglieder", str(len(lot.members))),
        ] + _values(lot, months)),
        Heading("Anteile der Mitglieder", "h2"),
    ]
    story += _shares(lot, months)
    story.append(Heading("Positionen", "h2"))
    rows = [_position_row(p) for p in lot.positions]
    if rows:
        blank = cell("", 1, clean=False)
        rows.append([cell("Summe", _inner(POSITION_COLUMNS[0][1]), clean=False)] + [blank] * 6
                    + [cell(format_money_de(lot.estimated_value), _inner(POSITION_COLUMNS[7][1]), clean=False)])
        story.append(data_table([h for h, _w in POSITION_COLUMNS], rows, [w for _h, w in POSITION_COLUMNS],
                                numeric=(3, 4, 5, 6, 7), total_row=True))
    else:
        story.append(para("Dieses Los hat keine Positionen."))
    return story


def build_record_pdf(tender: TenderDocument, *, generated_at: datetime | None = None) -> bytes:
    """The internal Vergabevermerk of a frozen tender as PDF bytes (R3, R4, R7, R14).

    Raises ValueError when the values do not add up (check_record_figures) and FontMissing when
    the DejaVu fonts are not installed. Same tender and generated_at → same bytes."""
    check_record_figures(tender)
    moment = generated(generated_at)
    entries = [ContentsEntry(0, "Verfahrenswahl und Schwellenwert", "decision"),
               ContentsEntry(0, "Lose und geschätzte Werte", "lots")]
    entries += [ContentsEntry(1, lot_label(lot), lot_key(i)) for i, lot in enumerate(tender.lots, start=1)]
    entries.append(ContentsEntry(0, "Freigabe", "release"))

    story = cover(tender, DOCUMENT_NAME, MARKING, extra=[
        ("Geschätzter Auftragswert", f"{format_money_de(tender.estimated_total)} netto"),
        ("Eingefroren", f"{format_berlin(tender.frozen_at)} von {clean_text(tender.frozen_by, multiline=False)}"),
    ])
    story += contents(entries)
    story.append(Heading("Verfahrenswahl und Schwellenwert", "h1", "decision"))
    story += _decision(tender)
    story.append(Heading("Lose und geschätzte Werte", "h1", "lots"))
    story += _lots_table(tender)
    for index, lot in enumerate(tender.lots, start=1):
        story += _lot_story(lot, index, tender.term_months_total)
    story += [
        PageBreak(),
        Heading("Freigabe", "h1", "release"),
        facts_table([
            ("Eingefroren am", f"{format_berlin(tender.frozen_at)} (deutsche Zeit)"),
            ("Eingefroren von", tender.frozen_by),
            ("Vermerk erstellt", f"{format_berlin(moment)} (deutsche Zeit)"),
        ]),
        para("Mit dem Einfrieren sind Lose, Positionen, Mengen und Mitglieder des Vergabeverfahrens festgeschrieben; "
             "dieser Vermerk und die Vergabeunterlagen beruhen auf demselben Stand.", "body_left"),
    ]
    meta = PdfMeta(
        title=f"{DOCUMENT_NAME} {tender.reference} – {tender.title}",
        author=tender.cooperative_name,
        subject=f"{DOCUMENT_NAME} ({MARKING}): {tender.procedure}",
        keywords=(tender.reference, DOCUMENT_NAME, "intern"),
    )
    frame = PageFrame(header_left=tender.cooperative_name, header_right=tender.reference,
                      footer_left=DOCUMENT_NAME, marking=MARKING)
    return build_pdf(story, meta, frame, moment)
