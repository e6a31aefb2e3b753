"""Vergabevermerk (PDF, internal): the procedure decision with its reasons and numbers (R4),
the threshold applied, the estimated values per lot and per position with the reference
prices (R3), per lot its annual value beside it with the rounding difference and its cause, each
member's annual and term share per lot (R22), and who froze the tender when. Every page is marked
"Intern – nicht zur Veröffentlichung". After the opening of the bids (TenderDocument.award) it
continues with the award part (einkauf.exports.pdf.record_award): opening, checks, Preisspiegel,
scoring, award and cancellation, and the Preisspiegel per lot as a landscape annex.

The figures must agree: a lot's value is the sum of its position values, the tender's
estimated total the sum of the lot values (R1, § 3 Abs. 7 VgV), the members' annual shares the
lot's annual value and their term shares those of einkauf.lots.values.lot_money; build_record_pdf refuses data
that does not add up (ValueError) rather than print a record that contradicts itself.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from einkauf.exports.pdf.layout import (CELL_PAD_X, TABLE_BOLD, TABLE_FONT, TABLE_SIZE, Cell, ContentsEntry, Heading,
                                        PageFrame, PdfMeta, block_cell, build_pdf, cell, data_table, facts_table, para)
from einkauf.exports.pdf.record_award import award_entries, award_story, check_award_figures
from einkauf.exports.pdf.sections import (contents, cover, generated, long_text, lot_key, lot_label, scoring_story,
                                          submission_text, term_text)
from einkauf.exports.tender_data import TenderDocument, TenderLot, TenderPosition
from einkauf.exports.text import clean_text
from einkauf.lots.procedure import (
    SMALL_LOT_LIMIT,
    SMALL_LOTS_SHARE_PCT,
    LotValue,
    check_small_lots,
    is_small_lot,
    quota_limit,
)
from einkauf.lots.procedure import _share_pct as share_pct  # rounded away from the 20 % limit, as the check says
from einkauf.formatting import (format_date_de, format_day_de, format_money_de, format_number_de, format_price_de,
                                format_quantity_de)
from einkauf.lots.values import ROUNDING_CAUSE, term_years
from einkauf.berlin import format_berlin, utc_to_berlin

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
                                 f"annual share × years (einkauf.lots.values.lot_money)")
    lots = sum((lot.estimated_value for lot in tender.lots), Decimal("0.00"))
    if lots != tender.estimated_total:
        raise ValueError(f"estimated total {tender.estimated_total} is not the sum of the lot values {lots}")
    if tender.maximum_total is not None and all(lot.maximum_value is not None for lot in tender.lots):
        maximum = sum((lot.maximum_value or Decimal("0.00") for lot in tender.lots), Decimal("0.00"))
        if maximum != tender.maximum_total:
            raise ValueError(f"maximum total {tender.maximum_total} is not the sum of the lots' maximum values "
                             f"{maximum}")


def _decision(tender: TenderDocument) -> list:
    years = term_years(tender.contract_term_months, tender.extension_months)
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
                                            f"{format_number_de(years, 2)}"
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
            ("CPV-Code" if not lot.additional_cpv else "CPV-Codes", lot.cpv_text()),
            ("Verfahren", lot.procedure),
            ("Kleinlosregelung", "ja, nationale Vergabe nach § 3 Abs. 9 VgV" if lot.small_lot_quota else "nein"),
            ("Geschätzter Wert netto", format_money_de(lot.estimated_value)),
            ("Mitglieder", str(len(lot.members))),
            *_values(lot, months),
        ]),
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


# --- decisions taken at the freeze (§ 8 VgV): deadlines, submission, scoring, small lots, lot rules

FREEZE_ENTRIES = (("Fristen und Angebotsabgabe", "deadlines"), ("Zuschlagskriterien und Wertung", "criteria"),
                  ("Kleinlosregelung (§ 3 Abs. 9 VgV)", "small-lots"), ("Losregeln", "lot-rules"))


def _minimum_text(tender: TenderDocument) -> str:
    if tender.minimum_period_days is None or tender.minimum_period_end is None:
        return ("entfällt: die Mindestfrist des § 15 VgV für das offene Verfahren gilt nur im EU-weiten offenen "
                "Verfahren; maßgeblich ist das gewählte Verfahren "
                f"({clean_text(tender.procedure, multiline=False)})")
    last_day = (utc_to_berlin(tender.minimum_period_end) - timedelta(days=1)).date()
    basis = ("§ 15 Abs. 2 und 4 VgV, elektronische Angebotsabgabe" if tender.electronic_submission
             else "§ 15 Abs. 2 VgV")
    return (f"{tender.minimum_period_days} Tage ({basis}), gerechnet ab dem Tag nach der Veröffentlichung; sie "
            f"endet am {format_day_de(last_day)}, 24:00 Uhr. Gezählt nach Art. 3 der Verordnung "
            "(EWG, Euratom) Nr. 1182/71 (§ 82 VgV): fällt das Fristende auf einen Samstag, Sonntag oder "
            "gesetzlichen Feiertag in Nordrhein-Westfalen, endet die Frist mit Ablauf des nächsten Werktags.")


def _deadlines(tender: TenderDocument) -> list:
    days = (utc_to_berlin(tender.submission_deadline).date() - tender.publication_date).days
    rows = [
        ("Veröffentlichung", f"{format_date_de(tender.publication_date)} (geplante Absendung der Bekanntmachung)"),
        ("Frist für Bieterfragen", f"{format_berlin(tender.question_deadline)} (deutsche Zeit)"
         if tender.question_deadline else "keine festgelegt"),
        ("Angebotsfrist", f"{format_berlin(tender.submission_deadline)} (deutsche Zeit)"),
        ("Angebotsfrist in Tagen", f"{days} Kalendertage nach dem Tag der Veröffentlichung"),
        ("Mindestfrist", _minimum_text(tender)),
        ("Angebotsabgabe", submission_text(tender)),
    ]
    if not tender.deadline_warnings:
        rows.append(("Prüfung der Angebotsfrist", "Frist ausreichend"))
        return [facts_table(rows)]
    rows.append(("Prüfung der Angebotsfrist", "Mindestfrist unterschritten – der Hinweis wurde beim Einfrieren "
                                              f"am {format_berlin(tender.frozen_at)} von "
                                              f"{clean_text(tender.frozen_by, multiline=False)} zur Kenntnis "
                                              "genommen und bestätigt"))
    story: list = [facts_table(rows), Heading("Hinweis beim Einfrieren", "h2")]
    story += [para(warning, "body_left") for warning in tender.deadline_warnings]
    story.append(Heading("Begründung der verkürzten Angebotsfrist", "h2"))
    story += long_text(clean_text(tender.deadline_justification) or "Keine Begründung hinterlegt.", "body_left")
    return story


def _criteria_record(tender: TenderDocument) -> list:
    if not tender.award_criteria:
        return [para("Keine Zuschlagskriterien hinterlegt.")]
    widths = (140 * mm, 34 * mm)
    rows = [[cell(c.name, _inner(widths[0]), max_lines=6),
             cell(f"{format_number_de(c.weight_pct, 2)} %", _inner(widths[1]), clean=False)]
            for c in tender.award_criteria]
    rows.append([cell("Summe", _inner(widths[0]), clean=False), cell("100,00 %", _inner(widths[1]), clean=False)])
    story: list = [data_table(["Zuschlagskriterium", "Gewichtung"], rows, list(widths), numeric=(1,),
                              total_row=True)]
    story += scoring_story(tender) or [para("Keine Wertungsformel hinterlegt.")]
    story.append(para("Kriterien, Gewichtung und Wertung stehen wortgleich in den Vergabeunterlagen.", "small"))
    return story


def _small_lots(tender: TenderDocument) -> list:
    if not tender.eu_wide:
        return [para("Nicht anwendbar: Der geschätzte Auftragswert liegt unter dem EU-Schwellenwert; alle Lose "
                     "werden national vergeben.", "body_left")]
    chosen = [lot for lot in tender.lots if lot.small_lot_quota]
    values = [LotValue(lot.number, lot.estimated_value) for lot in tender.lots]
    candidates = [lot.number for lot in tender.lots if is_small_lot(lot.estimated_value)]
    chosen_sum = sum((lot.estimated_value for lot in chosen), Decimal("0.00"))
    problems = check_small_lots([lot.number for lot in chosen], values, tender.estimated_total)
    rows = [
        ("Ausgewählte Lose", ", ".join(lot.number for lot in chosen) if chosen else "keine"),
        ("Lose unter " + format_money_de(SMALL_LOT_LIMIT), ", ".join(candidates) if candidates else "keine"),
        ("Summe der ausgewählten Lose", format_money_de(chosen_sum)),
        ("Anteil am Gesamtwert", f"{share_pct(chosen_sum, tender.estimated_total)} von "
                                 f"{format_money_de(tender.estimated_total)}"),
        ("Grenze", f"höchstens {format_number_de(SMALL_LOTS_SHARE_PCT, 0)} % des Gesamtwerts = "
                   f"{format_money_de(quota_limit(tender.estimated_total))}; jedes Los unter "
                   f"{format_money_de(SMALL_LOT_LIMIT)}"),
        ("Prüfung", "eingehalten" if not problems else "nicht eingehalten: " + " ".join(problems)),
    ]
    if chosen and tender.national_procedure:
        rows.append(("Verfahren der ausgewählten Lose", tender.national_procedure))
    story: list = [facts_table(rows)]
    if chosen:
        widths = (14 * mm, 118 * mm, 42 * mm)
        table_rows = [[cell(lot.number, _inner(widths[0])), cell(lot.title, _inner(widths[1]), max_lines=4),
                       cell(format_money_de(lot.estimated_value), _inner(widths[2]), clean=False)] for lot in chosen]
        blank = cell("", 1, clean=False)
        table_rows.append([cell("Summe", _inner(widths[0]), clean=False), blank,
                           cell(format_money_de(chosen_sum), _inner(widths[2]), clean=False)])
        story.append(data_table(["Los", "Bezeichnung", "Geschätzter\nWert netto"], table_rows, list(widths),
                                numeric=(2,), total_row=True))
    return story


def _lot_rules(tender: TenderDocument) -> list:
    if not tender.lot_rules:
        return [para("Keine Losregeln hinterlegt.")]
    return [para("Die Lose wurden nach diesen Regeln der Bedarfsabfrage gebildet:", "body_left")] + [
        para(f"– {clean_text(rule)}", "body_left") for rule in tender.lot_rules]


def freeze_story(tender: TenderDocument) -> list:
    """The sections of the decisions taken at the freeze, in FREEZE_ENTRIES order."""
    story: list = []
    parts = (_deadlines, _criteria_record, _small_lots, _lot_rules)
    for (title, key), part in zip(FREEZE_ENTRIES, parts, strict=True):
        story.append(Heading(title, "h1", key))
        story += part(tender)
    return story


def build_record_pdf(tender: TenderDocument, *, generated_at: datetime | None = None) -> bytes:
    """The internal Vergabevermerk of a frozen tender as PDF bytes (R3, R4, R7, R14).

    Raises ValueError when the values do not add up (check_record_figures) and FontMissing when
    the DejaVu fonts are not installed. Same tender and generated_at → same bytes."""
    check_record_figures(tender)
    if tender.award is not None:
        check_award_figures(tender, tender.award)
    moment = generated(generated_at)
    entries = [ContentsEntry(0, "Verfahrenswahl und Schwellenwert", "decision"),
               ContentsEntry(0, "Maßgeblicher Wert: geschätzter Wert und Höchstwert", "value-basis"),
               ContentsEntry(0, "Lose und geschätzte Werte", "lots")]
    entries += [ContentsEntry(0, title, key) for title, key in FREEZE_ENTRIES]
    entries += [ContentsEntry(1, lot_label(lot), lot_key(i)) for i, lot in enumerate(tender.lots, start=1)]
    entries.append(ContentsEntry(0, "Freigabe", "release"))
    extra = [
        ("Geschätzter Auftragswert", f"{format_money_de(tender.estimated_total)} netto"),
        ("Eingefroren", f"{format_berlin(tender.frozen_at)} von {clean_text(tender.frozen_by, multiline=False)}"),
    ]
    if tender.award is not None:
        entries += award_entries(tender.award)
        opening = tender.award.opening
        extra.append(("Angebote geöffnet", f"{format_berlin(opening.opened_at)} von {opening.opened_by[0]} und "
                                           f"{opening.opened_by[1]}"))

    story = cover(tender, DOCUMENT_NAME, MARKING, extra=extra)
    story += contents(entries)
    story.append(Heading("Verfahrenswahl und Schwellenwert", "h1", "decision"))
    story += _decision(tender)
    story.append(Heading("Maßgeblicher Wert: geschätzter Wert und Höchstwert", "h1", "value-basis"))
    story += _value_basis_block(tender)
    story.append(Heading("Lose und geschätzte Werte", "h1", "lots"))
    story += _lots_table(tender)
    story += freeze_story(tender)
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
    if tender.award is not None:
        story += award_story(tender, tender.award)
    meta = PdfMeta(
        title=f"{DOCUMENT_NAME} {tender.reference} – {tender.title}",
        author=tender.cooperative_name,
        subject=f"{DOCUMENT_NAME} ({MARKING}): {tender.procedure}",
        keywords=(tender.reference, DOCUMENT_NAME, "intern"),
    )
    frame = PageFrame(header_left=tender.cooperative_name, header_right=tender.reference,
                      footer_left=DOCUMENT_NAME, marking=MARKING)
    return build_pdf(story, meta, frame, moment)
