"""The common page template of the tender PDFs (R14), in one place:

- A4 portrait, header with the cooperative and the Vergabenummer, footer with the document
  name and "Seite x von y", an optional marking ("Intern – nicht zur Veröffentlichung");
- a table of contents with real page numbers, built in ONE layout pass: the contents are
  known before the layout (sections and lots), so their height is too; the page numbers are
  filled in when the canvas writes the pages out, together with "von y". reportlab's
  multiBuild + TableOfContents would lay out the whole document two or three times (the
  contents change the page count, which changes the contents) — for a 10,000-position
  tender that is the difference between seconds and tens of seconds;
- PDF outline (bookmarks) per heading — not links: the documents carry no annotations;
- fast table cells: user text never goes through Paragraph markup in tables. It is wrapped
  here by measuring words in the embedded font (long words are broken by characters) and
  drawn as plain strings, so tags and entities print literally and nothing can raise a
  LayoutError; each cell has a line cap with a visible "…";
- deterministic output: the same data and `generated_at` give the same bytes (invariant
  mode, creation date = generated_at), which keeps the document register's SHA-256 stable.

Text blocks outside tables use Paragraph with escaped markup (einkauf.exports.text.markup).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from einkauf.exports.pdf.fonts import BOLD, CONDENSED, CONDENSED_BOLD, REGULAR, register_fonts
from einkauf.exports.text import ELLIPSIS, clean_text, cut_text, markup

# Binary (Flate only) streams instead of Flate + ASCII85: a quarter smaller, and the pure-Python
# ASCII85 encoder took a sixth of the build time of a 10,000-position document.
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
# Landscape pages for wide tables (the Preisspiegel annex of the Vergabevermerk): switch with
# NextPageTemplate(LANDSCAPE) before a PageBreak; header and footer follow the page size.
LANDSCAPE = "landscape"
LANDSCAPE_FRAME_WIDTH = PAGE_HEIGHT - 2 * MARGIN_X
LANDSCAPE_FRAME_HEIGHT = PAGE_WIDTH - MARGIN_TOP - MARGIN_BOTTOM

TABLE_FONT = CONDENSED
TABLE_BOLD = CONDENSED_BOLD
TABLE_SIZE = 7.5
TABLE_LEADING = 9.0
CELL_PAD_X = 3.0
CELL_PAD_Y = 2.5
CELL_MAX_LINES = 40  # 40 × 9 pt: a row never comes near the height of a page
HEADING_MAX_CHARS = 300
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#9AA5B1")
HEADER_BG = colors.HexColor("#E4E9EF")
MARK_RED = colors.HexColor("#B00020")


# --- styles ----------------------------------------------------------------------------------

@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=13, spaceAfter=5, alignment=TA_JUSTIFY)
    return {
        "body": body,
        "body_left": ParagraphStyle("body_left", parent=body, alignment=0),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=GREY, alignment=0),
        "h1": ParagraphStyle("h1", fontName=BOLD, fontSize=14, leading=18, spaceBefore=4, spaceAfter=8,
                             keepWithNext=1),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=22, leading=28, spaceAfter=10),
        "subtitle": ParagraphStyle("subtitle", fontName=REGULAR, fontSize=13, leading=18, spaceAfter=6),
        "mark": ParagraphStyle("mark", fontName=BOLD, fontSize=12, leading=16, textColor=MARK_RED, spaceAfter=8),
        "cell": ParagraphStyle("cell", fontName=TABLE_FONT, fontSize=TABLE_SIZE, leading=TABLE_LEADING),
        "cell_head": ParagraphStyle("cell_head", fontName=TABLE_BOLD, fontSize=TABLE_SIZE, leading=TABLE_LEADING),
        "toc0": ParagraphStyle("toc0", fontName=BOLD, fontSize=10, leading=14),
        "toc1": ParagraphStyle("toc1", fontName=REGULAR, fontSize=9.5, leading=12.5),
    }


def para(text: object, style: str = "body") -> Paragraph:
    """A Paragraph of user text: cleaned and escaped, line breaks kept."""
    return Paragraph(markup(text), styles()[style])


# --- measuring and wrapping text -------------------------------------------------------------

@cache
def _measure(font: str, size: float):
    register_fonts()
    cache_: dict[str, float] = {}

    def width(text: str) -> float:
        w = cache_.get(text)
        if w is None:
            w = stringWidth(text, font, size)
            if len(cache_) < 200_000:
                cache_[text] = w
        return w
    return width


def text_width(text: str, font: str, size: float) -> float:
    return _measure(font, size)(text)


def _break_word(word: str, width: float, measure) -> list[str]:
    pieces: list[str] = []
    start, current = 0, 0.0
    for index, char in enumerate(word):
        w = measure(char)
        if current + w > width and index > start:
            pieces.append(word[start:index])
            start, current = index, 0.0
        current += w
    pieces.append(word[start:])
    return pieces


def wrap_text(text: str, font: str, size: float, width: float, max_lines: int | None = None) -> tuple[list[str], bool]:
    """Lines of `text` (already cleaned) that fit `width` points; (lines, cut).

    Words are measured in the font; a word wider than a line is broken by characters; lines
    beyond `max_lines` are dropped and the last kept line ends with "…" (cut=True)."""
    measure = _measure(font, size)
    space = measure(" ")
    lines: list[str] = []
    limit = None if max_lines is None else max_lines + 1
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            if not word:
                continue
            w = measure(word)
            if w > width:
                if words:
                    lines.append(" ".join(words))
                pieces = _break_word(word, width, measure)
                lines.extend(pieces[:-1])
                words, used = [pieces[-1]], measure(pieces[-1])
            elif words and used + space + w > width:
                lines.append(" ".join(words))
                words, used = [word], w
            else:
                used = used + space + w if words else w
                words.append(word)
            if limit is not None and len(lines) >= limit:
                break
        lines.append(" ".join(words))
        if limit is not None and len(lines) >= limit:
            break
    if max_lines is None or len(lines) <= max_lines:
        return lines, False
    lines = lines[:max_lines]
    last = lines[-1]
    while last and measure(last + " " + ELLIPSIS) > width:
        last = last[:-1]
    lines[-1] = (last.rstrip() + " " + ELLIPSIS).lstrip()
    return lines, True


class TextLines(Flowable):
    """Pre-wrapped lines drawn as plain strings, each line with its own font and size.

    Cheap to lay out (its size is known) and immune to markup: nothing is parsed."""

    def __init__(self, lines: list[tuple[str, float, str]], width: float, leading: float = TABLE_LEADING,
                 color=None):
        super().__init__()
        self.lines = lines
        self.width = width
        self.leading = leading
        self.height = leading * len(lines)
        self.color = color

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        text = canv.beginText()
        if self.color is not None:
            text.setFillColor(self.color)
        y = self.height - self.lines[0][1] if self.lines else 0
        text.setTextOrigin(0, y)
        current = None
        for font, size, line in self.lines:
            if (font, size) != current:
                text.setFont(font, size, self.leading)
                current = (font, size)
            text.textLine(line)
        canv.drawText(text)


@dataclass
class Cell:
    """A table cell: a plain one-line string or TextLines, with its height in points."""

    value: object
    height: float
    cut: bool = False


def cell(text: object, width: float, *, font: str = TABLE_FONT, size: float = TABLE_SIZE,
         max_lines: int = CELL_MAX_LINES, clean: bool = True) -> Cell:
    """A table cell of user text wrapped into `width` points (the column minus padding)."""
    value = clean_text(text) if clean else str(text)
    if "\n" not in value and text_width(value, font, size) <= width:
        return Cell(value, TABLE_LEADING)
    lines, cut = wrap_text(value, font, size, width, max_lines)
    return Cell(TextLines([(font, size, line) for line in lines], width), TABLE_LEADING * len(lines), cut)


def block_cell(parts: list[tuple[str, str, float, int]], width: float) -> Cell:
    """A cell of several texts one below the other: (text, font, size, max lines) each,
    e.g. the short text in bold above the specification. cut: any part was cut."""
    lines: list[tuple[str, float, str]] = []
    cut = False
    for text, font, size, max_lines in parts:
        if not text:
            continue
        wrapped, was_cut = wrap_text(text, font, size, width, max_lines)
        cut = cut or was_cut
        lines.extend((font, size, line) for line in wrapped)
    if not lines:
        return Cell("", TABLE_LEADING)
    return Cell(TextLines(lines, width), TABLE_LEADING * len(lines), cut)


def data_table(headers: list[str], rows: list[list[Cell]], col_widths: list[float], *,
               numeric: tuple[int, ...] = (), total_row: bool = False) -> Table:
    """A table with a repeated header row, thin rules and right-aligned numeric columns.

    Row heights are passed in (they are known from the cells), so reportlab neither measures
    the rows nor re-measures them when it splits the table across pages. One style for the
    whole table (no per-cell commands)."""
    # The header row repeats on every page: TextLines, not Paragraphs (which cost a sixth of
    # the build time of a 10,000-position document when they were Paragraphs).
    header = [cell(h, w - 2 * CELL_PAD_X, font=TABLE_BOLD, max_lines=4)
              for h, w in zip(headers, col_widths, strict=True)]
    data = [[c.value for c in header]] + [[c.value for c in row] for row in rows]
    heights = [max(c.height for c in header) + 2 * CELL_PAD_Y]
    heights += [max(c.height for c in row) + 2 * CELL_PAD_Y for row in rows]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), TABLE_FONT, TABLE_SIZE, TABLE_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
    ]
    for column in numeric:
        commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    if total_row:
        commands.append(("FONT", (0, -1), (-1, -1), TABLE_BOLD, TABLE_SIZE, TABLE_LEADING))
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black))
    table = Table(data, colWidths=col_widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def facts_table(rows: Sequence[tuple[str, object]], label_width: float = 48 * mm) -> Table:
    """Label/value pairs (cover page, record): labels bold, values as escaped paragraphs."""
    s = styles()
    data = [[Paragraph(markup(label), s["cell_head"]), Paragraph(markup(value), s["body_left"])]
            for label, value in rows]
    table = Table(data, colWidths=[label_width, FRAME_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, 9.5, 13),  # else reportlab selects Helvetica for the table
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return table


# --- headings and the table of contents -------------------------------------------------------

class Heading(Paragraph):
    """A heading; with a `key` its page is recorded (for the contents) and it becomes a PDF
    bookmark at outline `level`."""

    def __init__(self, text: str, style: str, key: str | None = None, level: int = 0):
        self.plain = cut_text(clean_text(text, multiline=False), HEADING_MAX_CHARS)
        super().__init__(markup(self.plain, multiline=False), styles()[style])
        self.toc_key = key
        self.outline_level = level


@dataclass(frozen=True)
class ContentsEntry:
    level: int
    text: str
    key: str


class Contents(Flowable):
    """The table of contents; page numbers are drawn by DocumentCanvas when it writes the page.

    Splits between entries, so a long list of lots continues on the next page."""

    NUMBER_WIDTH = 14 * mm
    INDENT = 8 * mm

    def __init__(self, entries: list[ContentsEntry]):
        super().__init__()
        self.entries = entries
        self._layout: list[tuple[ContentsEntry, list[str], str, float, float]] = []
        self.width = 0.0
        self.height = 0.0

    def _style(self, level: int) -> ParagraphStyle:
        return styles()["toc0" if level == 0 else "toc1"]

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._layout = []
        total = 0.0
        for entry in self.entries:
            style = self._style(entry.level)
            room = availWidth - self.INDENT * entry.level - self.NUMBER_WIDTH
            lines, _cut = wrap_text(cut_text(entry.text, HEADING_MAX_CHARS), style.fontName, style.fontSize, room, 3)
            gap = 4.0 if entry.level == 0 else 0.0
            height = gap + style.leading * len(lines)
            self._layout.append((entry, lines, style.fontName, style.fontSize, height))
            total += height
        self.height = total
        return availWidth, total

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        if self.height <= availHeight:
            return [self]
        used, count = 0.0, 0
        for _entry, _lines, _font, _size, height in self._layout:
            if used + height > availHeight:
                break
            used += height
            count += 1
        if count == 0:
            return []
        return [Contents(self.entries[:count]), Contents(self.entries[count:])]

    def draw(self):
        canv = self.canv
        y = self.height
        for entry, lines, font, size, height in self._layout:
            style = self._style(entry.level)
            y -= height - style.leading * len(lines)
            x = self.INDENT * entry.level
            canv.setFont(font, size)
            for line in lines:
                y -= style.leading
                canv.drawString(x, y + (style.leading - size) / 2, line)
            baseline = y + (style.leading - size) / 2
            end = x + text_width(lines[-1], font, size) + 3
            dots_to = self.width - self.NUMBER_WIDTH + 2
            if dots_to > end:
                dot = text_width(". ", font, size)
                count = int((dots_to - end) / dot)
                if count > 0:
                    canv.drawRightString(dots_to, baseline, ". " * count)
            absolute = canv.absolutePosition(self.width, baseline)
            assert isinstance(canv, DocumentCanvas)  # the contents are drawn by build_document's canvas
            canv.defer_page_number(entry.key, absolute[0], absolute[1], font, size)


# --- canvas with deferred header, footer and contents numbers ---------------------------------

@dataclass(frozen=True)
class PageFrame:
    """What every page shows: header (left, right), footer (left), an optional marking."""

    header_left: str
    header_right: str
    footer_left: str
    marking: str | None = None


def _timestamp(moment: datetime) -> TimeStamp:
    stamp = TimeStamp(invariant=True)
    utc = moment.astimezone(UTC)
    stamp.t = utc.timestamp()
    stamp.lt = utc.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


class DocumentCanvas(Canvas):
    """Keeps every page until the end, then draws header, footer ("Seite x von y") and the page
    numbers of the contents, which are only known once every page is laid out."""

    def __init__(self, *args, page_frame: PageFrame, generated_at: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        # reportlab reads the document's creation date from this private stamp (reproducible PDFs)
        self._doc._timeStamp = _timestamp(generated_at)  # type: ignore[attr-defined]
        self._page_frame = page_frame
        self._saved_pages: list[dict] = []
        self.heading_pages: dict[str, int] = {}
        self._deferred_numbers: list[tuple[int, str, float, float, str, float]] = []

    def defer_page_number(self, key: str, x: float, y: float, font: str, size: float) -> None:
        self._deferred_numbers.append((self.getPageNumber(), key, x, y, font, size))

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's page reset behind showPage

    def save(self):
        total = len(self._saved_pages)
        numbers: dict[int, list] = {}
        for page, key, x, y, font, size in self._deferred_numbers:
            numbers.setdefault(page, []).append((key, x, y, font, size))
        for state in self._saved_pages:
            self.__dict__.update(state)
            page = self.getPageNumber()
            self._draw_frame(page, total)
            for key, x, y, font, size in numbers.get(page, ()):
                self.setFont(font, size)
                self.setFillColor(colors.black)
                self.drawRightString(x, y, str(self.heading_pages.get(key, "")))
            super().showPage()
        super().save()

    def _draw_frame(self, page: int, total: int) -> None:
        f = self._page_frame
        page_width, page_height = self._pagesize  # type: ignore[attr-defined]  # portrait or landscape
        self.saveState()
        top = page_height - 13 * mm
        size = 8
        right = f"Vergabenummer {cut_text(f.header_right, 40)}"
        right_w = text_width(right, BOLD, size)
        room = page_width - 2 * MARGIN_X - right_w - 6 * mm
        left = wrap_text(f.header_left, REGULAR, size, room, 1)[0][0] if room > 20 else ""
        self.setFillColor(GREY)
        self.setFont(REGULAR, size)
        self.drawString(MARGIN_X, top, left)
        self.setFillColor(colors.black)
        self.setFont(BOLD, size)
        self.drawRightString(page_width - MARGIN_X, top, right)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN_X, top - 2.5 * mm, page_width - MARGIN_X, top - 2.5 * mm)
        bottom = 11 * mm
        self.line(MARGIN_X, bottom + 4 * mm, page_width - MARGIN_X, bottom + 4 * mm)
        self.setFont(REGULAR, size)
        self.setFillColor(GREY)
        self.drawString(MARGIN_X, bottom, f.footer_left)
        self.setFillColor(colors.black)
        self.drawRightString(page_width - MARGIN_X, bottom, f"Seite {page} von {total}")
        if f.marking:
            self.setFillColor(MARK_RED)
            self.setFont(BOLD, size)
            self.drawCentredString(page_width / 2, bottom, f.marking)
        self.restoreState()


class _DocTemplate(BaseDocTemplate):
    def afterFlowable(self, flowable):
        key = getattr(flowable, "toc_key", None)
        if key is None:
            return
        canv = self.canv
        assert isinstance(canv, DocumentCanvas)
        if key in canv.heading_pages:  # a heading split over two pages counts once
            return
        canv.heading_pages[key] = canv.getPageNumber()
        canv.bookmarkPage(key)
        canv.addOutlineEntry(flowable.plain, key, level=flowable.outline_level, closed=flowable.outline_level > 0)


@dataclass(frozen=True)
class PdfMeta:
    """The PDF's document information (shown by viewers under "Eigenschaften")."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]


def build_pdf(story: list, meta: PdfMeta, page_frame: PageFrame, generated_at: datetime) -> bytes:
    """Lay out `story` on the common page template in one pass and return the PDF bytes."""
    register_fonts()
    out = io.BytesIO()
    plain = partial(clean_text, multiline=False)
    doc = _DocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=plain(meta.title), author=plain(meta.author),
        subject=plain(meta.subject), creator="einkauf", producer="einkauf (ReportLab)",
        keywords=[plain(k) for k in meta.keywords], invariant=1, lang="de-DE", displayDocTitle=1,
        initialFontName=REGULAR,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, FRAME_HEIGHT, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    wide = Frame(MARGIN_X, MARGIN_BOTTOM, LANDSCAPE_FRAME_WIDTH, LANDSCAPE_FRAME_HEIGHT, id="wide", leftPadding=0,
                 rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=A4),
                          PageTemplate(id=LANDSCAPE, frames=[wide], pagesize=landscape(A4))])
    frame_plain = PageFrame(plain(page_frame.header_left), plain(page_frame.header_right),
                            plain(page_frame.footer_left), page_frame.marking)
    doc.build(story, canvasmaker=partial(DocumentCanvas, page_frame=frame_plain, generated_at=generated_at))
    return out.getvalue()
