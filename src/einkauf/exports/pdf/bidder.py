"""Vergabeunterlagen (PDF for bidders): cover page, contents, invitation to tender, conditions
for bidders, award criteria, the lots with their named beneficiaries (R6), delivery sites and
Leistungsverzeichnis, and an annex with specifications too long for a table cell.

R7: nothing here prints a reference price, an estimated value or the small-lots quota (which
would reveal that a lot is worth less than 80.000 €); tests pin that down.
"""
from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from einkauf.exports.pdf.layout import (
    CELL_PAD_X,
    TABLE_BOLD,
    TABLE_FONT,
    TABLE_SIZE,
    Cell,
    ContentsEntry,
    Heading,
    PageFrame,
    PdfMeta,
    block_cell,
    build_pdf,
    cell,
    data_table,
    facts_table,
    para,
)
from einkauf.exports.pdf.sections import (
    contents,
    cover,
    generated,
    long_text,
    lot_key,
    lot_label,
    scoring_story,
    text_block,
)
from einkauf.exports.tender_data import TenderDocument, TenderLot, TenderPosition, format_quantity_de
from einkauf.exports.text import clean_text
from einkauf.lots.rules import format_number_de

DOCUMENT_NAME = "Vergabeunterlagen"
SPEC_LINES = 30  # lines of the specification in the table; the full text goes to the annex
SHORT_TEXT_LINES = 4
ANNEX_MAX_CHARS = 60_000

# Leistungsverzeichnis: (header, width); the widths add up to the frame (174 mm).
LV_COLUMNS = (
    ("OZ / Art.-Nr.", 21 * mm),
    ("Leistung (Kurztext, Mindestanforderungen)", 77 * mm),
    ("Einheit", 16 * mm),
    ("Jahres-\nmenge", 19 * mm),
    ("Geschätzte\nMenge\nLaufzeit", 20 * mm),
    ("Höchst-\nmenge\nLaufzeit", 21 * mm),
)
LV_NUMERIC = (3, 4, 5)


def _inner(width: float) -> float:
    return width - 2 * CELL_PAD_X


def _position_row(position: TenderPosition) -> tuple[list[Cell], bool]:
    widths = [_inner(w) for _h, w in LV_COLUMNS]
    oz = block_cell([(clean_text(position.oz, multiline=False), TABLE_BOLD, TABLE_SIZE, 2),
                     (clean_text(position.product_number, multiline=False), TABLE_FONT, TABLE_SIZE, 3)], widths[0])
    sites = position.delivery_site_count
    parts = [(clean_text(position.short_text), TABLE_BOLD, TABLE_SIZE, SHORT_TEXT_LINES),
             (clean_text(position.specification), TABLE_FONT, TABLE_SIZE, SPEC_LINES)]
    description = block_cell(parts, widths[1])
    notes = []
    if description.cut:
        notes.append(f"Vollständiger Text: Anhang, OZ {clean_text(position.oz, multiline=False)}")
    if sites:
        notes.append(f"Lieferstellen: {sites}")
    if notes:
        description = block_cell([*parts, (" · ".join(notes), TABLE_FONT, TABLE_SIZE, 2)], widths[1])
    row = [
        oz,
        description,
        cell(position.unit, widths[2], max_lines=3),
        cell(format_quantity_de(position.annual_quantity), widths[3], clean=False),
        cell(format_quantity_de(position.estimated_quantity), widths[4], clean=False),
        cell(format_quantity_de(position.maximum_quantity), widths[5], clean=False),
    ]
    return row, description.cut


def _members(lot: TenderLot) -> list:
    if not lot.members:
        return [para("Für dieses Los sind keine Mitglieder benannt.")]
    widths = (12 * mm, 130 * mm, 32 * mm)
    rows = [[cell(str(n), _inner(widths[0]), clean=False), cell(m.name, _inner(widths[1])),
             cell(m.ags, _inner(widths[2]))] for n, m in enumerate(lot.members, start=1)]
    return [data_table(["Nr.", "Mitglied", "AGS"], rows, list(widths), numeric=(0,))]


def _sites(lot: TenderLot) -> list:
    if not lot.delivery_sites:
        return [para("Für dieses Los sind keine Lieferstellen hinterlegt.")]
    widths = (58 * mm, 64 * mm, 52 * mm)
    rows = [[cell(s.name, _inner(widths[0]), max_lines=4), cell(s.address, _inner(widths[1]), max_lines=8),
             cell(f"{clean_text(s.member_name, multiline=False)} (AGS {clean_text(s.member_ags, multiline=False)})",
                  _inner(widths[2]), max_lines=4)]
            for s in lot.delivery_sites]
    return [data_table(["Lieferstelle", "Anschrift", "Mitglied"], rows, list(widths))]


def _criteria(tender: TenderDocument) -> list:
    if not tender.award_criteria:
        return [para("Die Zuschlagskriterien und ihre Gewichtung sind in der Bekanntmachung genannt.")]
    widths = (140 * mm, 34 * mm)
    rows = [[cell(c.name, _inner(widths[0]), max_lines=6), cell(f"{format_number_de(c.weight_pct, 2)} %",
                                                                 _inner(widths[1]), clean=False)]
            for c in tender.award_criteria]
    rows.append([cell("Summe", _inner(widths[0]), clean=False), cell("100,00 %", _inner(widths[1]), clean=False)])
    return [para("Der Zuschlag wird je Los auf das wirtschaftlichste Angebot erteilt. Gewertet wird nach "
                 "den folgenden Kriterien und ihrer Gewichtung:"),
            data_table(["Zuschlagskriterium", "Gewichtung"], rows, list(widths), numeric=(1,), total_row=True),
            *scoring_story(tender)]


def _overview(tender: TenderDocument) -> list:
    widths = (14 * mm, 62 * mm, 32 * mm, 40 * mm, 13 * mm, 13 * mm)
    rows = [[cell(lot.number, _inner(widths[0])), cell(lot.title, _inner(widths[1]), max_lines=6),
             cell(clean_text(lot.cpv_text(), multiline=False), _inner(widths[2]), max_lines=8),
             cell(lot.procedure, _inner(widths[3]), max_lines=4),
             cell(str(len(lot.positions)), _inner(widths[4]), clean=False),
             cell(str(len(lot.members)), _inner(widths[5]), clean=False)]
            for lot in tender.lots]
    return [data_table(["Los", "Bezeichnung", "CPV", "Verfahren", "Posi-\ntionen", "Mit-\nglieder"],
                       rows, list(widths), numeric=(4, 5))]


def lot_story(tender: TenderDocument, lot: TenderLot, index: int) -> tuple[list, list[TenderPosition]]:
    """The pages of one lot and the positions whose specification did not fit the table."""
    story: list = [
        PageBreak(),
        Heading(lot_label(lot), "h1", lot_key(index), level=1),
        facts_table([("CPV-Code" if not lot.additional_cpv else "CPV-Codes", lot.cpv_text()),
                     ("Verfahren", lot.procedure),
                     ("Positionen", str(len(lot.positions)))]),
        Heading("Abrufberechtigte Mitglieder", "h2"),
        para("Aus der Rahmenvereinbarung dieses Loses dürfen ausschließlich die folgenden Mitglieder abrufen.",
             "body_left"),
    ]
    story += _members(lot)
    story.append(Heading("Lieferstellen", "h2"))
    story += _sites(lot)
    story.append(Heading("Leistungsverzeichnis", "h2"))
    story.append(para("Mengen über die gesamte Laufzeit einschließlich aller Verlängerungsoptionen. Die "
                      "Höchstmenge darf nicht überschritten werden.", "small"))
    rows, cut = [], []
    for position in lot.positions:
        row, was_cut = _position_row(position)
        rows.append(row)
        if was_cut:
            cut.append(position)
    if rows:
        story.append(data_table([h for h, _w in LV_COLUMNS], rows, [w for _h, w in LV_COLUMNS],
                                numeric=LV_NUMERIC))
    else:
        story.append(para("Dieses Los hat keine Positionen."))
    return story, cut


def _annex(cut: list[tuple[TenderLot, TenderPosition]]) -> list:
    story: list = [PageBreak(), Heading("Anhang: Vollständige Leistungsbeschreibungen", "h1", "annex")]
    story.append(para("Die folgenden Beschreibungen sind für die Tabelle des Leistungsverzeichnisses zu lang; "
                      "sie gelten vollständig.", "body_left"))
    for _lot, position in cut:
        story.append(Heading(f"OZ {position.oz} – {position.short_text}", "h2"))
        text = clean_text(position.specification)
        if len(text) > ANNEX_MAX_CHARS:
            story.append(para(f"Hinweis: Die Beschreibung hat {format_number_de(len(text), 0)} Zeichen; gezeigt "
                              f"werden die ersten {format_number_de(ANNEX_MAX_CHARS, 0)}.", "small"))
            text = text[:ANNEX_MAX_CHARS - 1] + "…"
        story.extend(long_text(text, "body_left"))
    return story


def build_bidder_pdf(tender: TenderDocument, *, generated_at: datetime | None = None) -> bytes:
    """The Vergabeunterlagen of a frozen tender as PDF bytes (R6, R7, R14).

    `generated_at` (aware) becomes the PDF's creation date; the same tender and generated_at
    give the same bytes. Raises FontMissing when the DejaVu fonts are not installed."""
    moment = generated(generated_at)
    entries = [ContentsEntry(0, "Aufforderung zur Angebotsabgabe", "invitation"),
               ContentsEntry(0, "Bewerbungsbedingungen", "conditions"),
               ContentsEntry(0, "Zuschlagskriterien", "criteria"),
               ContentsEntry(0, "Lose im Überblick", "lots")]
    entries += [ContentsEntry(1, lot_label(lot), lot_key(i)) for i, lot in enumerate(tender.lots, start=1)]

    lot_pages: list = []
    cut: list[tuple[TenderLot, TenderPosition]] = []
    for index, lot in enumerate(tender.lots, start=1):
        pages, lot_cut = lot_story(tender, lot, index)
        lot_pages += pages
        cut += [(lot, position) for position in lot_cut]
    if cut:
        entries.append(ContentsEntry(0, "Anhang: Vollständige Leistungsbeschreibungen", "annex"))

    story = cover(tender, DOCUMENT_NAME)
    story += contents(entries)
    story.append(Heading("Aufforderung zur Angebotsabgabe", "h1", "invitation"))
    story += text_block(tender.invitation_text)
    story.append(Spacer(1, 4 * mm))
    story.append(Heading("Bewerbungsbedingungen", "h1", "conditions"))
    story += text_block(tender.conditions_text)
    story.append(Spacer(1, 4 * mm))
    story.append(Heading("Zuschlagskriterien", "h1", "criteria"))
    story += _criteria(tender)
    story.append(PageBreak())
    story.append(Heading("Lose im Überblick", "h1", "lots"))
    story += _overview(tender)
    story += lot_pages
    if cut:
        story += _annex(cut)

    meta = PdfMeta(
        title=f"{DOCUMENT_NAME} {tender.reference} – {tender.title}",
        author=tender.cooperative_name,
        subject=f"{DOCUMENT_NAME}: {tender.procedure}, {len(tender.lots)} Lose",
        keywords=(tender.reference, DOCUMENT_NAME, "Leistungsverzeichnis",
                  *dict.fromkeys(code for lot in tender.lots for code in lot.cpv_codes)),
    )
    frame = PageFrame(header_left=tender.cooperative_name, header_right=tender.reference,
                      footer_left=f"{DOCUMENT_NAME} – {tender.title}")
    return build_pdf(story, meta, frame, moment)
