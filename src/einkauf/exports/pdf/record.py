"""Vergabevermerk (PDF, internal): the procedure decision with its reasons and numbers (R4),
the threshold applied, the estimated values per lot and per position with the reference
prices (R3), each member's share per lot, and who froze the tender when. Every page is marked
"Intern – nicht zur Veröffentlichung".

The figures must agree: a lot's value is the sum of its position values, the tender's
estimated total the sum of the lot values (R1, § 3 Abs. 7 VgV); build_record_pdf refuses data
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
from einkauf.lots.rules import format_date_de, format_money_de, format_number_de, term_years
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
    """ValueError when the values do not add up (lot = Σ positions, total = Σ lots)."""
    for lot in tender.lots:
        positions = sum((p.estimated_value for p in lot.positions), Decimal("0.00"))
        if positions != lot.estimated_value:
            raise ValueError(f"lot {lot.number}: estimated value {lot.estimated_value} is not the sum of its "
                             f"position values {positions}")
    lots = sum((lot.estimated_value for lot in tender.lots), Decimal("0.00"))
    if lots != tender.estimated_total:
        raise ValueError(f"estimated total {tender.estimated_total} is not the sum of the lot values {lots}")
    if tender.maximum_total is not None and all(lot.maximum_value is not None for lot in tender.lots):
        maximum = sum((lot.maximum_value for lot in tender.lots), Decimal("0.00"))
        if maximum != tender.maximum_total:
            raise ValueError(f"maximum total {tender.maximum_total} is not the sum of the lots' maximum values "
                             f"{maximum}")


def _decision(tender: TenderDocument) -> list:
    threshold = format_money_de(tender.threshold_amount)
    if tender.threshold_valid_from and tender.threshold_valid_to:
        threshold += (f" (gültig {format_date_de(tender.threshold_valid_from)}–"
                      f"{format_date_de(tender.threshold_valid_to)})")
    difference = tender.decisive_total - tender.threshold_amount
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
            ("Vergleich", f"{_decisive_label(tender)} {format_money_de(tender.decisive_total)}: {comparison}"),
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


# --- value basis: estimate and maximum value (Art. 5 Abs. 5 RL 2014/24/EU) ---------------------

def value_basis_sentence(tender: TenderDocument) -> str:
    """The German sentence naming the value the threshold and the small-lots quota were tested with."""
    if tender.value_basis == "estimate":
        return ("Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich (geschätzte Mengen × "
                "Schätzpreise, Summe aller Lose, § 3 Abs. 7 VgV), nicht der Höchstwert bei Abruf der Höchstmengen; "
                "auch die Kleinlosregelung (§ 3 Abs. 9 VgV) wurde mit den geschätzten Werten geprüft.")
    return ("Maßgeblich ist der Höchstwert aller für die Laufzeit der Rahmenvereinbarung geplanten Aufträge "
            "(Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV): Höchstmenge × Schätzpreis je Position, kaufmännisch "
            "auf Cent gerundet, Summe aller Lose (§ 3 Abs. 7 VgV); auch die Kleinlosregelung (§ 3 Abs. 9 VgV) "
            "wurde mit den Höchstwerten geprüft.")


def _decisive_label(tender: TenderDocument) -> str:
    return "Geschätzter Wert" if tender.value_basis == "estimate" or tender.maximum_total is None else "Höchstwert"


def _value_basis_block(tender: TenderDocument) -> list:
    """Both values per lot and in total, and which one decided (its own section)."""
    def maximum_of(lot: TenderLot) -> Decimal:
        return lot.estimated_value if lot.maximum_value is None else lot.maximum_value

    maximum_total = tender.estimated_total if tender.maximum_total is None else tender.maximum_total
    widths = (16 * mm, 84 * mm, 37 * mm, 37 * mm)
    rows = [[cell(lot.number, _inner(widths[0])), cell(lot.title, _inner(widths[1]), max_lines=4),
             cell(format_money_de(lot.estimated_value), _inner(widths[2]), clean=False),
             cell(format_money_de(maximum_of(lot)), _inner(widths[3]), clean=False)]
            for lot in tender.lots]
    rows.append([cell("Summe", _inner(widths[0]), clean=False), cell("", 1, clean=False),
                 cell(format_money_de(tender.estimated_total), _inner(widths[2]), clean=False),
                 cell(format_money_de(maximum_total), _inner(widths[3]), clean=False)])
    basis = ("Geschätzter Wert (Einstellung der Bedarfsabfrage)" if tender.value_basis == "estimate"
             else "Höchstwert (Höchstmengen)")
    return [
        facts_table([
            ("Geschätzter Wert netto", f"{format_money_de(tender.estimated_total)} (geschätzte Mengen)"),
            ("Höchstwert netto", f"{format_money_de(maximum_total)} (Höchstmengen)"),
            ("Maßgeblich", f"{basis}: {format_money_de(tender.decisive_total)}"),
        ]),
        para(value_basis_sentence(tender)),
        data_table(["Los", "Bezeichnung", "Geschätzter\nWert netto", "Höchstwert\nnetto"],
                   rows, list(widths), numeric=(2, 3), total_row=True),
    ]


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


def _shares(lot: TenderLot) -> list:
    if not lot.member_shares:
        return [para("Keine Anteile der Mitglieder hinterlegt.")]
    widths = (86 * mm, 26 * mm, 36 * mm, 26 * mm)
    rows = [[cell(s.member_name, _inner(widths[0]), max_lines=3), cell(s.member_ags, _inner(widths[1])),
             cell(format_money_de(s.value), _inner(widths[2]), clean=False),
             cell(_percent(s.value, lot.estimated_value), _inner(widths[3]), clean=False)]
            for s in lot.member_shares]
    total = sum((s.value for s in lot.member_shares), Decimal("0.00"))
    blank = cell("", 1, clean=False)
    rows.append([cell("Summe", _inner(widths[0]), clean=False), blank,
                 cell(format_money_de(total), _inner(widths[2]), clean=False),
                 cell(_percent(total, lot.estimated_value), _inner(widths[3]), clean=False)])
    story: list = [data_table(["Mitglied", "AGS", "Anteil netto", "Anteil"], rows, list(widths), numeric=(2, 3),
                              total_row=True)]
    if total != lot.estimated_value:
        story.append(para(f"Die Anteile ergeben {format_money_de(total)}, der Loswert ist "
                          f"{format_money_de(lot.estimated_value)} (Differenz "
                          f"{format_money_de(total - lot.estimated_value)}).", "small"))
    return story


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


def _lot_story(lot: TenderLot, index: int) -> list:
    story: list = [
        PageBreak(),
        Heading(lot_label(lot), "h1", lot_key(index), level=1),
        facts_table([
            ("CPV-Code", f"{lot.cpv_code} – {lot.cpv_label}"),
            ("Verfahren", lot.procedure),
            ("Kleinlosregelung", "ja, nationale Vergabe nach § 3 Abs. 9 VgV" if lot.small_lot_quota else "nein"),
            ("Geschätzter Wert netto", format_money_de(lot.estimated_value)),
            ("Mitglieder", str(len(lot.members))),
        ]),
        Heading("Anteile der Mitglieder", "h2"),
    ]
    story += _shares(lot)
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
               ContentsEntry(0, "Maßgeblicher Wert: geschätzter Wert und Höchstwert", "value-basis"),
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
    story.append(Heading("Maßgeblicher Wert: geschätzter Wert und Höchstwert", "h1", "value-basis"))
    story += _value_basis_block(tender)
    story.append(Heading("Lose und geschätzte Werte", "h1", "lots"))
    story += _lots_table(tender)
    for index, lot in enumerate(tender.lots, start=1):
        story += _lot_story(lot, index)
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
