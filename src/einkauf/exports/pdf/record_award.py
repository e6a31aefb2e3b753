"""The award part of the Vergabevermerk (issue 13, parts 4 and 7): Angebotsöffnung, Prüfung der
Angebote, Preisspiegel (summary of all lots), Wertung, Zuschlag und Aufhebung, and the annex
"Anlage: Preisspiegel je Los" on landscape pages — from einkauf.exports.tender_data.AwardRecord.

All amounts through einkauf.formatting; user text (bidder names, reasons, titles) reaches
reportlab escaped (Paragraphs through markup) or as plain strings in table cells (never parsed).
The annex splits many bidders over several table parts (BIDDERS_PER_PART per part), so that a
lot of 500 positions × 8 bidders stays readable and fast to lay out.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import NextPageTemplate, PageBreak

from einkauf.berlin import format_berlin
from einkauf.exports.pdf.layout import (CELL_PAD_X, LANDSCAPE, LANDSCAPE_FRAME_WIDTH, Cell, ContentsEntry, Heading,
                                        cell, data_table, facts_table, para)
from einkauf.exports.tender_data import (AwardCriterion, AwardRecord, BidLotCheck, BidStanding, LotMatrix,
                                         LotStanding, TenderDocument)
from einkauf.exports.text import clean_text
from einkauf.formatting import format_money_de, format_number_de, format_price_de, format_quantity_de

LATE_TEXT = "verspätet, ausgeschlossen (§ 57 Abs. 1 Nr. 1 VgV)"
MAX_LISTED_MISSING = 12
BIDDERS_PER_PART = 4
LOWEST_MARK = "↓"
OUTLIER_MARK = "!"

AWARD_ENTRIES = (("Angebotsöffnung", "opening"), ("Prüfung der Angebote", "checks"),
                 ("Preisspiegel", "price-summary"), ("Wertung", "scoring"),
                 ("Zuschlag und Aufhebung", "award"), ("Anlage: Preisspiegel je Los", "annex"))

# The annex columns on a landscape page (261 mm): position, then per bidder unit price and total.
ANNEX_FIXED = (("OZ", 16 * mm), ("Bezeichnung", 52 * mm), ("Einheit", 14 * mm), ("Menge\nLaufzeit", 18 * mm),
               ("Schätz-\npreis", 17 * mm))
ANNEX_PRICE_WIDTH = 16 * mm
ANNEX_TOTAL_WIDTH = (LANDSCAPE_FRAME_WIDTH - sum(w for _h, w in ANNEX_FIXED)) / BIDDERS_PER_PART - ANNEX_PRICE_WIDTH


def _inner(width: float) -> float:
    return width - 2 * CELL_PAD_X


def _money(value: Decimal | None) -> str:
    return "–" if value is None else format_money_de(value)


def _percent(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + format_number_de(value) + " %"


def _points(value: Decimal | None) -> str:
    return "–" if value is None else format_number_de(value)


def _table(headers: Sequence[str], widths: Sequence[float], rows: list[list[str]], *, numeric: tuple[int, ...] = (),
           max_lines: int = 12, total_row: bool = False):
    """A table of plain strings (user text among them is drawn, never parsed)."""
    cells = [[cell(text, _inner(w), max_lines=max_lines) for text, w in zip(row, widths, strict=True)]
             for row in rows]
    return data_table(list(headers), cells, list(widths), numeric=numeric, total_row=total_row)


def award_entries(award: AwardRecord) -> list[ContentsEntry]:
    """The contents entries of the award part (the annex with one entry per lot)."""
    entries = [ContentsEntry(0, title, key) for title, key in AWARD_ENTRIES]
    entries += [ContentsEntry(1, _lot_title(m.number, m.title), f"annex-{i}")
                for i, m in enumerate(award.matrices, start=1)]
    return entries


def _lot_title(number: str, title: str) -> str:
    return f"Los {clean_text(number, multiline=False)} – {clean_text(title, multiline=False)}"


# --- Angebotsöffnung -------------------------------------------------------------------------------

def _opening(tender: TenderDocument, award: AwardRecord) -> list:
    opening = award.opening
    first, second = opening.opened_by
    story: list = [facts_table([
        ("Angebotsfrist", f"{format_berlin(tender.submission_deadline)} (deutsche Zeit)"),
        ("Geöffnet am", f"{format_berlin(opening.opened_at)} (deutsche Zeit)"),
        ("Geöffnet von", f"{first} und {second} (zwei Personen der Vergabestelle, § 55 Abs. 2 VgV)"),
        ("Eingegangene Angebote", f"{len(opening.bids)}, davon verspätet: {opening.late_count}"),
    ])]
    if not opening.bids:
        return story + [para("Es sind keine Angebote eingegangen.")]
    widths = (56 * mm, 30 * mm, 34 * mm, 16 * mm, 38 * mm)
    rows = [[bid.bidder, format_berlin(bid.received_at), ", ".join(bid.lots) or "keine",
             format_number_de(bid.price_count, 0), LATE_TEXT if bid.late else "rechtzeitig"]
            for bid in opening.bids]
    story.append(_table(("Bieter", "Eingang", "Lose", "Preise", "Eingang fristgerecht"), widths, rows,
                        numeric=(3,)))
    story.append(para("Bei der Öffnung wurden je Angebot die Lose und die Zahl der Preise festgehalten, keine "
                      "Preise; die Preise sind erst ab der Öffnung einsehbar.", "small"))
    return story


# --- Prüfung der Angebote --------------------------------------------------------------------------

def _completeness(check: BidLotCheck) -> str:
    if not check.missing:
        return "vollständig"
    listed = ", ".join(check.missing[:MAX_LISTED_MISSING])
    more = len(check.missing) - MAX_LISTED_MISSING
    return (f"unvollständig: {len(check.missing)} Position{'' if len(check.missing) == 1 else 'en'} ohne Preis "
            f"({listed}{f' und {more} weitere' if more > 0 else ''})")


def _check_result(check: BidLotCheck) -> tuple[str, str]:
    if check.decision == "excluded":
        return "ausgeschlossen", check.reason or "ohne Angabe"
    if check.decision == "admitted":
        return "zugelassen", (f"unwesentliche Lücke akzeptiert: {check.gap_reason}" if check.gap_reason else "")
    return "nicht geprüft", ""


def _checks(award: AwardRecord) -> list:
    if not award.checks:
        return [para("Keine Angebote zu prüfen.")]
    widths = (36 * mm, 10 * mm, 36 * mm, 20 * mm, 42 * mm, 30 * mm)
    rows = []
    for check in award.checks:
        decision, reason = _check_result(check)
        checked = f"{check.checked_by}\n{format_berlin(check.checked_at)}" if check.checked_at else "–"
        rows.append([check.bidder, check.lot_number, _completeness(check), decision, reason, checked])
    return [para("Je Angebot und Los: Vollständigkeit der Preise (§ 57 Abs. 1 Nr. 5 VgV), Entscheidung und "
                 "Begründung; ein ausgeschlossenes Los wird nicht gewertet, eine unwesentliche Lücke nur mit "
                 "festgehaltener Begründung akzeptiert (§ 56 Abs. 3 VgV).", "body_left"),
            _table(("Bieter", "Los", "Vollständigkeit", "Entscheidung", "Begründung", "Geprüft"), widths, rows)]


# --- Preisspiegel (summary) ------------------------------------------------------------------------

def _notes(bid: BidStanding) -> str:
    notes = [] if bid.valid else [bid.status]
    if bid.tied:
        notes.append("Gleichstand")
    notes += [f"ungewöhnlich niedrig: {reason}" for reason in bid.abnormal_reasons]
    return "; ".join(notes)


def _summary(award: AwardRecord) -> list:
    widths = (12 * mm, 46 * mm, 16 * mm, 14 * mm, 28 * mm, 34 * mm, 24 * mm)
    rows = []
    for standing in award.standings:
        first = standing.ranking[0] if standing.ranking and not standing.ranking[0].tied else None
        if first is not None:
            leader = first.bidder
        else:
            leader = "Gleichstand" if standing.ranking else "kein wertbares Angebot"
        rows.append([standing.number, standing.title, str(len(standing.bids)),
                     str(sum(1 for b in standing.bids if b.valid)), _money(standing.estimated_value), leader,
                     _money(first.total) if first else "–"])
    story: list = [
        para("Losgesamtsumme = Summe über alle Positionen aus geschätzter Menge über die Laufzeit × Einheitspreis "
             "netto, je Position kaufmännisch auf Cent gerundet (für alle Bieter dieselben Mengen). Abweichungen in "
             "Prozent von der niedrigsten wertbaren Losgesamtsumme und vom geschätzten Wert des Loses. Die "
             "Einzelpreise je Position stehen in der Anlage.", "body_left"),
        _table(("Los", "Bezeichnung", "Angebote", "Wertbar", "Geschätzter\nWert netto", "Erstplatziert",
                "Losgesamt-\nsumme netto"), widths, rows, numeric=(2, 3, 4, 6)),
    ]
    for standing in award.standings:
        story += _standing(standing)
    return story


def _standing(standing: LotStanding) -> list:
    story: list = [Heading(_lot_title(standing.number, standing.title), "h2")]
    if not standing.bids:
        return story + [para("Kein Angebot in der Wertung (keine Angebote oder alle ausgeschlossen).")]
    widths = (46 * mm, 28 * mm, 12 * mm, 20 * mm, 20 * mm, 48 * mm)
    rows = [[bid.bidder, _money(bid.total), str(bid.rank) if bid.rank is not None else "–",
             _percent(bid.deviation_from_lowest), _percent(bid.deviation_from_estimate), _notes(bid)]
            for bid in standing.bids]
    return story + [
        para(f"Geschätzter Wert netto: {_money(standing.estimated_value)}; niedrigste wertbare Losgesamtsumme: "
             f"{_money(standing.lowest_total)}.", "body_left"),
        _table(("Bieter", "Losgesamt-\nsumme netto", "Rang", "Abw. zur\nniedrigsten", "Abw. zum\nSchätzwert",
                "Hinweise"), widths, rows, numeric=(1, 2, 3, 4)),
    ]


# --- Wertung ---------------------------------------------------------------------------------------

def _criteria(criteria: Sequence[AwardCriterion]) -> str:
    return ", ".join(f"{c.name} {format_number_de(c.weight_pct, 2).removesuffix(',00')} %" for c in criteria)


def _scoring(tender: TenderDocument, award: AwardRecord) -> list:
    method = ("Allein der Preis entscheidet: das wertbare Angebot mit der niedrigsten Losgesamtsumme erhält Rang 1."
              if award.price_only else award.price_method)
    story: list = [facts_table([
        ("Zuschlagskriterien", _criteria(tender.award_criteria) or "Preis 100 %"),
        ("Preisumrechnung", method),
        ("Ungewöhnlich niedrig", f"Losgesamtsumme mindestens {format_number_de(award.abnormal_share_pct, 0)} % unter "
                                 "dem nächsten Angebot oder dem geschätzten Wert: Aufklärung nach § 60 VgV"),
    ])]
    story += [para(line, "body_left") for line in tender.scoring_formula.splitlines() if line.strip()]
    for standing in award.standings:
        story += _ranking(standing, award.price_only)
    return story


def _ranking(standing: LotStanding, price_only: bool) -> list:
    story: list = [Heading(_lot_title(standing.number, standing.title), "h2")]
    ranking = standing.ranking
    if not ranking:
        story.append(para("Kein wertbares Angebot; das Los hat keine Rangfolge."))
    elif price_only:
        widths: tuple[float, ...] = (14 * mm, 80 * mm, 36 * mm, 44 * mm)
        rows = [[str(b.rank), b.bidder, _money(b.total), "Gleichstand" if b.tied else ""] for b in ranking]
        story.append(_table(("Rang", "Bieter", "Losgesamtsumme\nnetto", "Hinweis"), widths, rows, numeric=(0, 2)))
    else:
        widths = (12 * mm, 44 * mm, 26 * mm, 18 * mm, 40 * mm, 18 * mm, 16 * mm)
        rows = [[str(b.rank), b.bidder, _money(b.total), _points(b.price_points),
                 "; ".join(f"{name}: {_points(points)}" for name, points in b.quality_points) or "–",
                 _points(b.score), "Gleichstand" if b.tied else ""] for b in ranking]
        story.append(_table(("Rang", "Bieter", "Losgesamt-\nsumme", "Preis-\npunkte", "Qualitätspunkte",
                             "Gesamt-\npunkte", "Hinweis"), widths, rows, numeric=(0, 2, 3, 5)))
    for tie in standing.unresolved_ties:
        story.append(para(f"Gleichstand offen zwischen {', '.join(tie)}: der Losentscheid ist noch zu erfassen.",
                          "body_left"))
    if standing.drawn:
        story.append(para(f"Gleichstand durch Los entschieden, gezogene Reihenfolge: {', '.join(standing.drawn)}.",
                          "body_left"))
    story += [para(f"Hinweis: {problem}", "body_left") for problem in standing.problems]
    return story


# --- Zuschlag und Aufhebung -------------------------------------------------------------------------

def _decisions(tender: TenderDocument, award: AwardRecord) -> list:
    story: list = []
    for lot in tender.lots:
        story.append(Heading(_lot_title(lot.number, lot.title), "h2"))
        decision = award.decision(lot.number)
        if decision is None:
            story.append(para("Noch nicht entschieden."))
            continue
        if decision.outcome == "awarded":
            rows = [("Entscheidung", f"Zuschlag auf das Angebot von {decision.bidder}"),
                    ("Rang", str(decision.rank) if decision.rank is not None else "–"),
                    ("Losgesamtsumme netto", _money(decision.lot_total)),
                    ("Begründung", decision.reason or "erstplatziertes wertbares Angebot (§ 58 VgV, § 127 GWB)")]
            if decision.clarification:
                rows.append(("Aufklärung (§ 60 VgV)", decision.clarification))
        else:
            rows = [("Entscheidung", "Los aufgehoben"), ("Begründung", decision.reason)]
        rows.append(("Entschieden", f"{format_berlin(decision.decided_at)} von {decision.decided_by}"))
        story.append(facts_table(rows))
    return story


# --- Anlage: Preisspiegel je Los --------------------------------------------------------------------

def _unit_text(price: Decimal | None, lowest: bool, outlier: bool) -> str:
    if price is None:
        return "–"
    marks = (f" {LOWEST_MARK}" if lowest else "") + (f" {OUTLIER_MARK}" if outlier else "")
    return format_price_de(price) + marks


def _matrix_parts(matrix: LotMatrix) -> list:
    story: list = []
    count = len(matrix.bidders)
    fixed_inner = [_inner(w) for _h, w in ANNEX_FIXED]
    price_inner, total_inner = _inner(ANNEX_PRICE_WIDTH), _inner(ANNEX_TOTAL_WIDTH)
    # The position columns are the same in every part: wrap them once.
    fixed_rows: list[list[Cell]] = [[
        cell(row.oz, fixed_inner[0], max_lines=2), cell(row.label, fixed_inner[1], max_lines=3),
        cell(row.unit, fixed_inner[2], max_lines=2), cell(format_quantity_de(row.quantity), fixed_inner[3], clean=False),
        cell(format_price_de(row.estimated_price) if row.estimated_price is not None else "–", fixed_inner[4],
             clean=False)] for row in matrix.rows]
    blank = cell("", 1, clean=False)
    for start in range(0, count, BIDDERS_PER_PART):
        columns = range(start, min(start + BIDDERS_PER_PART, count))
        if count > BIDDERS_PER_PART:
            which = f"{start + 1}–{columns[-1] + 1}" if len(columns) > 1 else f"{start + 1}"
            story.append(Heading(f"Bieter {which} von {count}", "h2"))
        # Bidder names can be long: numbered in the header, named in the line above the table.
        story.append(para("; ".join(f"Bieter {c + 1} = {matrix.bidders[c]}" for c in columns), "body_left"))
        headers = [h for h, _w in ANNEX_FIXED]
        widths = [w for _h, w in ANNEX_FIXED]
        for c in columns:
            headers += [f"Bieter {c + 1}\nEinheits-\npreis", f"Bieter {c + 1}\nPositions-\nsumme"]
            widths += [ANNEX_PRICE_WIDTH, ANNEX_TOTAL_WIDTH]
        rows = []
        for fixed, row in zip(fixed_rows, matrix.rows, strict=True):
            line = list(fixed)
            for c in columns:
                unit, total, lowest, outlier = row.cells[c]
                line.append(cell(_unit_text(unit, lowest, outlier), price_inner, clean=False))
                line.append(cell(_money(total), total_inner, clean=False))
            rows.append(line)
        total_line = [blank, cell("Losgesamtsumme", fixed_inner[1], clean=False)] + [blank] * 3
        for c in columns:
            total_line += [blank, cell(format_money_de(matrix.totals[c]), total_inner, clean=False)]
        rows.append(total_line)
        numeric = (3, 4, *range(len(ANNEX_FIXED), len(headers)))
        story.append(data_table(headers, rows, widths, numeric=numeric, total_row=True))
    return story


def _annex(award: AwardRecord) -> list:
    story: list = [
        NextPageTemplate(LANDSCAPE), PageBreak(),
        Heading("Anlage: Preisspiegel je Los", "h1", "annex"),
        para(f"Je Los die Einheitspreise netto und Positionssummen (geschätzte Menge über die Laufzeit × "
             f"Einheitspreis, je Position kaufmännisch auf Cent gerundet) der gewerteten Angebote. {LOWEST_MARK} = "
             f"niedrigster Einheitspreis der Position; {OUTLIER_MARK} = Ausreißer, mindestens "
             f"{format_number_de(award.outlier_share_pct, 0)} % über dem Median der Einheitspreise der Position; "
             "– = kein Preis. Bei mehr als "
             f"{BIDDERS_PER_PART} Bietern stehen die Bieter in mehreren Tabellenteilen nacheinander.", "body_left"),
    ]
    for index, matrix in enumerate(award.matrices, start=1):
        if index > 1:
            story.append(PageBreak())
        story.append(Heading(_lot_title(matrix.number, matrix.title), "h1", f"annex-{index}", level=1))
        if not matrix.bidders:
            story.append(para("Kein Angebot in der Wertung."))
            continue
        story += _matrix_parts(matrix)
    return story


def award_story(tender: TenderDocument, award: AwardRecord) -> list:
    """The chapters of the award part in AWARD_ENTRIES order, the annex last (landscape)."""
    parts = (lambda: _opening(tender, award), lambda: _checks(award), lambda: _summary(award),
             lambda: _scoring(tender, award), lambda: _decisions(tender, award))
    story: list = []
    for (title, key), part in zip(AWARD_ENTRIES[:-1], parts, strict=True):
        story += [PageBreak(), Heading(title, "h1", key)]
        story += part()
    return story + _annex(award)


def check_award_figures(tender: TenderDocument, award: AwardRecord) -> None:
    """ValueError when the award part contradicts itself or the tender: a lot the tender does not
    have, or a matrix whose position totals do not add up to its lot totals, or a lot total in
    the summary that differs from the annex's (R22)."""
    numbers = {lot.number for lot in tender.lots}
    for number in ([s.number for s in award.standings] + [m.number for m in award.matrices]
                   + [d.lot_number for d in award.decisions]):
        if number not in numbers:
            raise ValueError(f"award part: lot {number} is not a lot of the tender")
    for matrix in award.matrices:
        for column, total in enumerate(matrix.totals):
            cells = sum((row.cells[column].total or Decimal("0.00") for row in matrix.rows), Decimal("0.00"))
            if cells != total:
                raise ValueError(f"lot {matrix.number}: the position totals of {matrix.bidders[column]!r} add up to "
                                 f"{cells}, not {total}")
        standing = award.standing(matrix.number)
        if standing is not None and tuple(b.total for b in standing.bids) != matrix.totals:
            raise ValueError(f"lot {matrix.number}: the summary's lot totals differ from the annex's")
