"""Story parts both tender PDFs share: cover page, contents, text blocks, German wording of
deadlines and terms."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer

from einkauf.exports.pdf.layout import Contents, ContentsEntry, Heading, facts_table, para, styles
from einkauf.exports.tender_data import TenderDocument, TenderLot
from einkauf.exports.text import clean_text, cut_text, markup, paragraphs
from einkauf.lots.rules import format_date_de
from einkauf.rounds.timing import format_berlin

MAX_BLOCK_CHARS = 100_000  # an edited text block beyond this is cut with a visible note
CHUNK_CHARS = 3_000  # long paragraphs are laid out in pieces: splitting one huge Paragraph is slow


def generated(moment: datetime | None) -> datetime:
    return moment if moment is not None else datetime.now(UTC)


def term_text(tender: TenderDocument) -> str:
    """E.g. "24 Monate; Verlängerung um bis zu 24 Monate möglich (höchstens 48 Monate)"."""
    base = f"{tender.contract_term_months} Monate"
    if not tender.extension_months:
        return base + " (ohne Verlängerungsoption)"
    return (f"{base}; Verlängerung um bis zu {tender.extension_months} Monate möglich "
            f"(Gesamtlaufzeit höchstens {tender.term_months_total} Monate)")


def lot_label(lot: TenderLot) -> str:
    return f"Los {clean_text(lot.number, multiline=False)} – {clean_text(lot.title, multiline=False)}"


def lot_key(index: int) -> str:
    return f"lot-{index}"


def submission_text(tender: TenderDocument) -> str:
    """How tenders are submitted, as decided at the freeze."""
    if tender.electronic_submission:
        return "elektronisch über die in der Bekanntmachung genannte Vergabeplattform (§ 53 Abs. 1 VgV)"
    return "elektronisch über die Vergabeplattform oder in Papierform (schriftlich, verschlossen)"


def authority_text(tender: TenderDocument) -> str:
    """The contracting authority's name and address, one line each."""
    return "\n".join(part for part in (tender.cooperative_name.strip(), tender.cooperative_address.strip()) if part)


def tender_facts(tender: TenderDocument) -> list[tuple[str, str]]:
    rows = [
        ("Öffentlicher Auftraggeber", authority_text(tender)),
        ("Vergabenummer", tender.reference),
        ("Gegenstand", tender.title),
        ("Verfahrensart", tender.procedure),
        ("Bekanntmachung", "EU-weit (Amtsblatt der Europäischen Union)" if tender.eu_wide else "national"),
        ("Veröffentlichung", format_date_de(tender.publication_date)),
    ]
    if tender.question_deadline is not None:
        rows.append(("Frist für Bieterfragen", f"{format_berlin(tender.question_deadline)} (deutsche Zeit)"))
    rows += [
        ("Angebotsfrist", f"{format_berlin(tender.submission_deadline)} (deutsche Zeit)"),
        ("Angebotsabgabe", submission_text(tender)),
        ("Laufzeit", term_text(tender)),
        ("Lose", f"{len(tender.lots)}"),
    ]
    return rows


def cover(tender: TenderDocument, document_name: str, marking: str | None = None,
          extra: Sequence[tuple[str, str]] = ()) -> list:
    s = styles()
    story: list = [
        Paragraph(markup(tender.cooperative_name), s["subtitle"]),
        para(tender.cooperative_address, "small"),
        Spacer(1, 28 * mm),
    ]
    if marking:
        story.append(Paragraph(markup(marking), s["mark"]))
    story += [
        Paragraph(markup(document_name), s["title"]),
        Paragraph(markup(cut_text(clean_text(tender.title), 500)), s["subtitle"]),
        Spacer(1, 10 * mm),
        facts_table(tender_facts(tender) + list(extra)),
        Spacer(1, 8 * mm),
        para(f"Stand: eingefroren am {format_berlin(tender.frozen_at)}", "small"),
        PageBreak(),
    ]
    return story


def scoring_story(tender: TenderDocument) -> list:
    """The announced scoring formula (§ 127 Abs. 5 GWB, § 58 VgV): the same words in the
    Vergabeunterlagen and the Vergabevermerk."""
    if not tender.scoring_formula.strip():
        return []
    return [Heading("Wertung", "h2")] + [para(line, "body_left") for line in tender.scoring_formula.splitlines()
                                          if line.strip()]


def contents(entries: list[ContentsEntry]) -> list:
    return [Heading("Inhalt", "h1", "contents"), Contents(entries), PageBreak()]


def _chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most `size` characters, cut at a space where there is one."""
    pieces = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        cut = size if cut < 0 else cut
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    pieces.append(text)
    return pieces


def long_text(text: str, style: str = "body") -> list:
    """Paragraphs of a long user text (escaped), in pieces that split cheaply across pages."""
    return [para(piece, style) for paragraph in text.split("\n") if paragraph.strip()
            for piece in _chunks(paragraph)]


def text_block(value: str) -> list:
    """An editable text block: paragraphs at blank lines; a paragraph whose first line is short
    (≤ 90 characters), ends without a full stop and has text below it is a subheading."""
    text = clean_text(value)
    story: list = []
    if len(text) > MAX_BLOCK_CHARS:
        text = cut_text(text, MAX_BLOCK_CHARS)
        story.append(para(f"Hinweis: Der Text war länger als {MAX_BLOCK_CHARS:,} Zeichen und ist gekürzt."
                          .replace(",", "."), "small"))
    for paragraph in paragraphs(text):
        first, _, rest = paragraph.partition("\n")
        if rest and len(first) <= 90 and not first.rstrip().endswith((".", ":", ",")):
            story.append(para(first, "h2"))
            paragraph = rest
        story.extend(long_text(paragraph))
    return story
