"""Charts (issue 14, part 5): one reportlab Drawing per chart, the same drawing in PDFs and pages.

Plain data in (labels, series names, Decimal values), out: `drawing()` — a reportlab Drawing
for a PDF story — and `svg(ident)` — the drawing rendered by reportlab's renderSVG and then
rewritten to a strict subset of SVG for inlining into a page: only shape, text and group
elements, only geometry and presentation attributes (fill="…", never style="…"; the page's
Content-Security-Policy allows no inline styles and no script), no ids but the chart's own,
role="img" with its title and description as accessible name. `table()` gives the same data as
rows for the table beside the chart (screen readers, exact values).

Not by colour alone: bars are told apart by their fill pattern (solid, striped, dotted) with a
legend of the same swatches and their value written at the end of each bar; lines by their dash
pattern and marker, reference lines by their label at the line. Colours are dark enough for
3:1 against white, every bar has a black outline.

Pure: no Flask, no SQLAlchemy. Numbers formatted German through einkauf.formatting.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from xml.etree.ElementTree import Element, tostring

from defusedxml import ElementTree
from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.graphics.widgetbase import Widget
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from einkauf.formatting import format_number_de

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Helvetica"
FONT_SIZE = 9
WIDTH = 480  # points: fits the text width of an A4 page; pages scale the SVG to their column

Hatch = Literal["solid", "stripes", "dots"]


@dataclass(frozen=True)
class SeriesStyle:
    """How one series looks: bars by fill and pattern, lines by dash and marker."""

    color: Color
    hatch: Hatch
    dash: tuple[float, ...] | None
    marker: Literal["square", "triangle", "circle"]


# Dark blue solid, dark orange striped on white, dark green dotted on white — each ≥ 4.5:1 on white.
STYLES = (
    SeriesStyle(HexColor("#1d3f6e"), "solid", None, "square"),
    SeriesStyle(HexColor("#9a4a00"), "stripes", (6, 3), "triangle"),
    SeriesStyle(HexColor("#1e6b3a"), "dots", (2, 2), "circle"),
)
REFERENCE_COLOR = HexColor("#444444")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class Reference:
    """A horizontal line at a value (an estimate, a maximum), labelled at the line."""

    name: str
    value: Decimal


@dataclass(frozen=True)
class DataTable:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart (kind "bar": categories × 1–3 series, horizontal bars) or a line chart
    (kind "line": categories are points in time, 1–3 series and reference lines)."""

    kind: Literal["bar", "line"]
    title: str
    description: str
    category_heading: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    references: tuple[Reference, ...] = ()
    unit: str = "€"
    places: int = 2

    def __post_init__(self) -> None:
        if not 1 <= len(self.series) <= len(STYLES):
            raise ValueError(f"Ein Diagramm hat 1 bis {len(STYLES)} Reihen.")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"Die Reihe {series.name} hat nicht einen Wert je Kategorie.")

    def format(self, value: Decimal | None) -> str:
        if value is None:
            return "–"
        return format_number_de(value, self.places) + (f" {self.unit}" if self.unit else "")

    def table(self) -> DataTable:
        """The chart's data for the table beside it: one row per category, one column per series
        (and per reference line)."""
        headers = (self.category_heading, *(s.name for s in self.series), *(r.name for r in self.references))
        rows = tuple((category, (*(self.format(s.values[i]) for s in self.series),
                                 *(self.format(r.value) for r in self.references)))
                     for i, category in enumerate(self.categories))
        return DataTable(self.title, headers, rows)

    def drawing(self) -> Drawing:
        """A new reportlab Drawing of the chart (for a PDF story, or to render)."""
        return _bar_drawing(self) if self.kind == "bar" else _line_drawing(self)

    def svg(self, ident: str) -> Markup:
        """The chart as inline SVG: presentation attributes only, ids prefixed with `ident`."""
        source = renderSVG.drawToString(self.drawing(), useClip=True)
        return Markup(strict_svg(source, ident, self.title, self.description))


def bar_chart(title: str, description: str, category_heading: str, categories: Sequence[str],
              series: Sequence[tuple[str, Sequence[Decimal | None]]], *, unit: str = "€", places: int = 2) -> Chart:
    return Chart("bar", title, description, category_heading, tuple(categories),
                 tuple(Series(name, tuple(values)) for name, values in series), unit=unit, places=places)


def line_chart(title: str, description: str, category_heading: str, categories: Sequence[str],
               series: Sequence[tuple[str, Sequence[Decimal | None]]],
               references: Sequence[tuple[str, Decimal]] = (), *, unit: str = "€", places: int = 2) -> Chart:
    return Chart("line", title, description, category_heading, tuple(categories),
                 tuple(Series(name, tuple(values)) for name, values in series),
                 tuple(Reference(name, value) for name, value in references), unit=unit, places=places)


# --- drawing -----------------------------------------------------------------------------------

class HatchedBar(Widget):
    """A bar filled solid, striped or dotted (reportlab bar `symbol`), with a black outline."""

    def __init__(self, style: SeriesStyle = STYLES[0]) -> None:
        self.x = self.y = 0.0
        self.width = self.height = 0.0
        self.style = style

    def draw(self) -> Group:
        x, y, w, h = self.x, self.y, self.width, self.height
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        style = self.style
        group = Group()
        group.add(_rect(x, y, w, h, fill=style.color if style.hatch == "solid" else white))
        # Patterns from dashed lines: one element per bar whatever its length.
        if style.hatch == "stripes" and w > 1:
            group.add(Line(x, y + h / 2, x + w, y + h / 2, strokeColor=style.color, strokeWidth=h,
                           strokeDashArray=(1.6, 2.4), strokeLineCap=0))
        elif style.hatch == "dots" and w > 1:
            for share in (0.3, 0.7):
                group.add(Line(x + 1, y + h * share, x + w, y + h * share, strokeColor=style.color,
                               strokeWidth=min(1.8, h / 3), strokeDashArray=(1.8, 2.2), strokeLineCap=0))
        group.add(_rect(x, y, w, h, stroke=black, width_=0.6))
        return group


def _axis_label(chart: Chart):
    def label(value: float) -> str:
        number = Decimal(str(value))
        places = 0 if number == number.to_integral_value() else 2
        return format_number_de(number, places) + (f" {chart.unit}" if chart.unit else "")
    return label


def _value_axis(axis: Any, chart: Chart) -> None:
    """From zero (bars and lines are read against zero), German labels, a light grid."""
    axis.valueMin = _value_min(chart)
    axis.valueMax = _value_max(chart)
    axis.labels.fontName = FONT
    axis.labels.fontSize = 8
    axis.labelTextFormat = _axis_label(chart)
    axis.visibleGrid = 1
    axis.gridStrokeColor = HexColor("#bbbbbb")
    axis.gridStrokeWidth = 0.4


def _numbers(values: tuple[Decimal | None, ...]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def _values(chart: Chart) -> list[float]:
    return [float(v) for s in chart.series for v in s.values if v is not None] + [
        float(r.value) for r in chart.references]


def _value_max(chart: Chart) -> float:
    return max([*_values(chart), 1.0]) * 1.05


def _value_min(chart: Chart) -> float:
    """Zero — bars and lines are read against zero — or below it for negative values, with
    room for the labels of negative bars."""
    low = min([*_values(chart), 0.0])
    return low - (_value_max(chart) - low) * 0.25 if low < 0 else 0.0


def _legend(drawing: Drawing, chart: Chart, y: float, swatch) -> None:
    x = 10.0
    for index, series in enumerate(chart.series):
        drawing.add(swatch(STYLES[index], x, y))
        drawing.add(String(x + 30, y + 1, series.name, fontName=FONT, fontSize=FONT_SIZE))
        x += 30 + stringWidth(series.name, FONT, FONT_SIZE) + 24


def _bar_swatch(style: SeriesStyle, x: float, y: float) -> Group:
    bar = HatchedBar(style)
    bar.x, bar.y, bar.width, bar.height = x, y - 1, 24, 10
    return bar.draw()


def _bar_drawing(chart: Chart) -> Drawing:
    left = 16 + max([stringWidth(c, FONT, FONT_SIZE) for c in chart.categories] + [40])
    left = min(left, 200)
    right = 12 + max([stringWidth(chart.format(v), FONT, 8) for s in chart.series for v in s.values] + [0])
    band = 8 + 11 * len(chart.series)
    plot_height = max(band * len(chart.categories), 40)
    bottom, top = 30.0, 34.0
    drawing = Drawing(WIDTH, bottom + plot_height + top)
    bars = HorizontalBarChart()
    bars.x, bars.y = round(left), round(bottom)
    bars.width, bars.height = round(WIDTH - left - right), round(plot_height)
    # reportlab draws the first category and the first series at the bottom; reversed, the
    # first ones are on top, in the order of the legend and the table.
    count = len(chart.series)
    bars.data = [list(reversed(_numbers(s.values))) for s in reversed(chart.series)]
    bars.categoryAxis.categoryNames = list(reversed(chart.categories))
    bars.categoryAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = FONT_SIZE
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.categoryAxis.labels.dx = -4
    bars.categoryAxis.joinAxisMode = "left"  # at the left edge, also when values are negative
    _value_axis(bars.valueAxis, chart)
    bars.barSpacing = 1
    bars.groupSpacing = 8
    for index in range(count):
        bars.bars[index].symbol = HatchedBar(STYLES[count - 1 - index])
        bars.bars[index].strokeColor = black
    bars.barLabelFormat = lambda value: chart.format(Decimal(str(value)))
    bars.barLabels.fontName = FONT
    bars.barLabels.fontSize = 8
    bars.barLabels.boxAnchor = "w"  # beyond the end of the bar (reportlab flips it for negative values)
    bars.barLabels.nudge = 4
    bars.barLabels.fillColor = black
    drawing.add(bars)
    _legend(drawing, chart, drawing.height - 20, _bar_swatch)
    return drawing


def _line_swatch(style: SeriesStyle, x: float, y: float) -> Group:
    line = Line(x, y + 4, x + 24, y + 4, strokeColor=style.color, strokeWidth=1.6)
    if style.dash:
        line.strokeDashArray = style.dash
    group = Group(line)
    group.add(_marker(style, x + 12, y + 4))
    return group


def _rect(x: float, y: float, width: float, height: float, *, fill: Color | None = None,
          stroke: Color | None = None, width_: float = 0) -> Rect:
    rect = Rect(x, y, width, height)
    rect.fillColor, rect.strokeColor, rect.strokeWidth = fill, stroke, width_
    return rect


def _marker(style: SeriesStyle, x: float, y: float) -> Rect | Polygon | Circle:
    size = 3.2
    if style.marker == "square":
        return _rect(x - size, y - size, 2 * size, 2 * size, fill=style.color)
    if style.marker == "triangle":
        return Polygon([x - size, y - size, x + size, y - size, x, y + size], fillColor=white,
                       strokeColor=style.color, strokeWidth=1.2)
    return Circle(x, y, size, fillColor=white, strokeColor=style.color, strokeWidth=1.2)


def _line_drawing(chart: Chart) -> Drawing:
    value_label = _axis_label(chart)
    left = 20 + max(stringWidth(value_label(v), FONT, 8) for v in (_value_min(chart), _value_max(chart)))
    right = 20 + max([stringWidth(r.name, FONT, 8) for r in chart.references] + [0])
    bottom, top, plot_height = 40.0, 34.0, 220.0
    drawing = Drawing(WIDTH, bottom + plot_height + top)
    lines = HorizontalLineChart()
    lines.x, lines.y = round(left), round(bottom)
    lines.width, lines.height = round(WIDTH - left - right), round(plot_height)
    # reportlab cannot draw a series without any value: such a series is left out of the plot
    # (its column of the table shows "–"); with none at all an invisible zero line sets the axes.
    drawn = [index for index, s in enumerate(chart.series) if any(v is not None for v in s.values)]
    lines.data = ([_numbers(chart.series[index].values) for index in drawn]
                  or [[0.0] * max(len(chart.categories), 1)])
    lines.joinedLines = 1
    lines.categoryAxis.categoryNames = list(chart.categories)
    lines.categoryAxis.labels.fontName = FONT
    lines.categoryAxis.labels.fontSize = 8
    lines.categoryAxis.labels.boxAnchor = "n"
    lines.categoryAxis.joinAxisMode = "bottom"
    _value_axis(lines.valueAxis, chart)
    for row, index in enumerate(drawn):
        style = STYLES[index]
        lines.lines[row].strokeColor = style.color
        lines.lines[row].strokeWidth = 1.6
        lines.lines[row].strokeDashArray = style.dash
    if not drawn:
        lines.lines[0].strokeColor = None
    drawing.add(lines)
    # markers and reference lines at the chart's own scale
    low = lines.valueAxis.valueMin
    scale = lines.height / (lines.valueAxis.valueMax - low)
    count = len(chart.categories)
    step = lines.width / max(count, 1)
    for index, series in enumerate(chart.series):
        for position, value in enumerate(series.values):
            if value is not None:
                x, y = lines.x + step * (position + 0.5), lines.y + (float(value) - low) * scale
                drawing.add(_marker(STYLES[index], x, y))
    for reference in chart.references:
        y = lines.y + (float(reference.value) - low) * scale
        drawing.add(Line(lines.x, y, lines.x + lines.width, y, strokeColor=REFERENCE_COLOR, strokeWidth=1.2,
                         strokeDashArray=(1, 3)))
        drawing.add(String(lines.x + lines.width + 4, y - 3, reference.name, fontName=FONT, fontSize=8))
    _legend(drawing, chart, drawing.height - 20, _line_swatch)
    return drawing


# --- strict SVG ---------------------------------------------------------------------------------

ELEMENTS = {"svg", "g", "rect", "circle", "ellipse", "line", "polyline", "polygon", "path", "text"}
GEOMETRY = {"x", "y", "width", "height", "rx", "ry", "cx", "cy", "r", "x1", "y1", "x2", "y2", "points", "d",
            "transform", "viewBox", "preserveAspectRatio"}
PRESENTATION = {"fill", "fill-rule", "fill-opacity", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
                "stroke-dasharray", "stroke-opacity", "stroke-miterlimit", "font-family", "font-size",
                "font-weight", "font-style", "text-anchor"}
# Helvetica as reportlab measures it; Arial, Liberation Sans and Arimo share its metrics.
SANS = "Helvetica, Arial, 'Liberation Sans', Arimo, sans-serif"
FONT_FAMILIES = {"Helvetica": SANS, "Helvetica-Bold": SANS}
_IDENT = re.compile(r"[a-z][a-z0-9-]{0,40}")
# Colours (#hex, rgb(…%)), numbers, lengths, dash lists, keywords and font names — never url(…).
_VALUE = re.compile(r"(?!.*url)[#(),.%\w\s-]*", re.IGNORECASE)


def strict_svg(source: str, ident: str, title: str, description: str) -> str:
    """reportlab's SVG rewritten for inlining under a strict Content-Security-Policy: allowed
    elements and attributes only (anything else — clip paths, links, ids, events, style — is
    dropped), style declarations turned into presentation attributes, the title and description
    set and named as the image's accessible name."""
    if not _IDENT.fullmatch(ident):
        raise ValueError("Die Kennung eines Diagramms besteht aus Kleinbuchstaben, Ziffern und Bindestrichen.")
    body = source[source.index("<svg"):]
    root = ElementTree.fromstring(body)
    out = _copy(root)
    out.set("xmlns", SVG_NS)
    out.set("role", "img")
    out.set("aria-labelledby", f"{ident}-title {ident}-desc")
    out.set("class", "chart__svg")
    title_element = Element("title", {"id": f"{ident}-title"})
    title_element.text = title
    desc_element = Element("desc", {"id": f"{ident}-desc"})
    desc_element.text = description
    out.insert(0, desc_element)
    out.insert(0, title_element)
    return tostring(out, encoding="unicode", short_empty_elements=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _copy(node: Element) -> Element:
    attributes: dict[str, str] = {}
    for name, value in node.attrib.items():
        if name in GEOMETRY and value.strip():
            attributes[name] = value
        elif name == "style":
            for declaration in value.split(";"):
                key, _, val = declaration.partition(":")
                key, val = key.strip(), val.strip()
                if key in PRESENTATION and _VALUE.fullmatch(val):
                    attributes[key] = FONT_FAMILIES.get(val, val) if key == "font-family" else val
        elif name in PRESENTATION and _VALUE.fullmatch(value):
            attributes[name] = value
    element = Element(_local(node.tag), attributes)
    element.text = node.text if _local(node.tag) == "text" else None
    for child in node:
        if _local(child.tag) in ELEMENTS:
            element.append(_copy(child))
    return element
