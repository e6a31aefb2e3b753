"""Charts (issue 14, part 5): strict inline SVG (no script, no event handlers, no style), escaped
labels, German numbers, bars proportional to their values, the same data as a table, and the
same Drawing for a PDF."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from einkauf.charts import STYLES, bar_chart, line_chart, strict_svg
from einkauf.exports.pdf.layout import FRAME_WIDTH

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "Los <b>1</b> & \"Ö\" 'x' <script>alert(1)</script>"


def _bars(values=((Decimal("120000"), Decimal("50000.50"), Decimal("8000")),
                  (Decimal("100000"), None, Decimal("9000")))):
    return bar_chart("Schätzwert & Angebote", "Je Los <i>netto</i>", "Los", [NASTY, "Los 2", "Los 3"],
                     [("Geschätzter Wert", values[0]), ("Niedrigstes <Angebot>", values[1])])


def _line():
    return line_chart("Abrufe 2027", "Verbrauch gegen Schätzung und Höchstmenge", "Monat",
                      ["Jan.", "Feb.", "März", "Apr."],
                      [("Verbrauch", [Decimal(10), Decimal("25.5"), Decimal(40), None]),
                       ("Plan", [Decimal(12), Decimal(24), Decimal(36), Decimal(48)])],
                      [("Schätzung", Decimal(50)), ("Höchstmenge <max>", Decimal(70))], unit="Stück", places=0)


def _parsed(svg: str):
    return ElementTree.fromstring(svg)


@pytest.mark.parametrize("chart", [_bars(), _line()], ids=["bars", "lines"])
def test_the_svg_is_strict_xml_without_script_style_or_event_handlers(chart):
    svg = str(chart.svg("chart-test"))
    root = _parsed(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-test-title chart-test-desc"
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "desc", "g", "rect", "circle", "line", "polyline", "polygon", "path", "text"}
    for element in root.iter():
        for name in element.attrib:
            assert name != "style" and not name.lower().startswith("on") and "href" not in name, name
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert ids == ["chart-test-title", "chart-test-desc"]
    assert "<script" not in svg and "style=" not in svg and "<!DOCTYPE" not in svg and "<?xml" not in svg
    # Colours and widths reached the elements as presentation attributes.
    assert any(element.get("fill", "none") != "none" for element in root.iter(f"{SVG}rect"))
    assert any(element.get("stroke-dasharray") for element in root.iter())


def test_labels_title_and_description_are_escaped_text():
    chart = _bars()
    svg = str(chart.svg("chart-test"))
    assert "<b>" not in svg and "<i>" not in svg and "<script>" not in svg and "<Angebot>" not in svg
    root = _parsed(svg)
    assert root.find(f"{SVG}title").text == "Schätzwert & Angebote"
    assert root.find(f"{SVG}desc").text == "Je Los <i>netto</i>"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert NASTY in texts and "Niedrigstes <Angebot>" in texts


def test_values_are_written_german_at_the_bars_and_on_the_axis():
    texts = [element.text for element in _parsed(str(_bars().svg("c"))).iter(f"{SVG}text")]
    assert "120.000,00 €" in texts and "50.000,50 €" in texts and "9.000,00 €" in texts
    assert "0 €" in texts and "50.000 €" in texts and "100.000 €" in texts


def test_every_series_has_its_own_pattern_and_a_legend_entry():
    assert len({(style.hatch, style.dash, style.marker) for style in STYLES}) == len(STYLES)
    texts = [element.text for element in _parsed(str(_line().svg("c"))).iter(f"{SVG}text")]
    # Legend entries and reference lines are labelled in words, not by colour alone.
    assert {"Verbrauch", "Plan", "Schätzung", "Höchstmenge <max>"} <= set(texts)


def _bar_lengths(svg: str) -> list[float]:
    """The lengths of the bars (their black outlines without fill), top to bottom, without the
    legend's swatch above them."""
    root = _parsed(svg)
    outlines = sorted(((float(element.get("y")), float(element.get("width"))) for element in root.iter(f"{SVG}rect")
                       if element.get("fill") == "none" and element.get("stroke") == "rgb(0%,0%,0%)"), reverse=True)
    assert outlines[0][1] == pytest.approx(24)  # the legend swatch
    return [width for _y, width in outlines[1:]]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=3, max_size=3))
def test_bar_lengths_are_proportional_to_the_values_first_category_on_top(cents):
    values = [Decimal(c) / 100 for c in cents]
    chart = bar_chart("T", "D", "Los", ["A", "B", "C"], [("Wert", values)])
    lengths = _bar_lengths(str(chart.svg("c")))
    assert len(lengths) == 3
    longest = max(lengths)
    for value, length in zip(values, lengths, strict=True):
        assert length / longest == pytest.approx(float(value / max(values)), rel=1e-6, abs=1e-9)


def test_the_table_holds_every_value_formatted_and_a_dash_for_none():
    table = _bars().table()
    assert table.caption == "Schätzwert & Angebote"
    assert table.headers == ("Los", "Geschätzter Wert", "Niedrigstes <Angebot>")
    assert table.rows[0] == (NASTY, ("120.000,00 €", "100.000,00 €"))
    assert table.rows[1] == ("Los 2", ("50.000,50 €", "–"))
    lines = _line().table()
    assert lines.headers[-2:] == ("Schätzung", "Höchstmenge <max>")
    assert lines.rows[1] == ("Feb.", ("26 Stück", "24 Stück", "50 Stück", "70 Stück"))


def test_the_same_drawing_goes_into_a_pdf():
    buffer = io.BytesIO()
    drawing = _bars().drawing()
    assert isinstance(drawing, Drawing)
    assert drawing.width <= FRAME_WIDTH - 12  # fits the text frame of the project's documents
    SimpleDocTemplate(buffer, pagesize=A4).build([drawing, _line().drawing()])
    text = PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()
    assert "120.000,00 €" in text and "Geschätzter Wert" in text and "Höchstmenge <max>" in text


def test_wrong_input_is_refused():
    with pytest.raises(ValueError, match="einen Wert je Kategorie"):
        bar_chart("T", "D", "Los", ["A", "B"], [("Wert", [Decimal(1)])])
    with pytest.raises(ValueError, match="1 bis 3 Reihen"):
        bar_chart("T", "D", "Los", ["A"], [(str(n), [Decimal(1)]) for n in range(4)])
    with pytest.raises(ValueError, match="Kennung"):
        strict_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', 'x" onload="alert(1)', "T", "D")


def test_anything_not_allowed_is_dropped_from_svg():
    hostile = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script>'
               '<a href="javascript:alert(1)"><rect width="1" height="1"/></a>'
               '<rect width="2" height="2" style="fill: url(javascript:x); stroke: rgb(0%,0%,0%); behavior: x"'
               ' onclick="x" id="clip" stroke-width="URL(#clip)"/><foreignObject><div>x</div></foreignObject></svg>')
    svg = strict_svg(hostile, "c", "T", "D")
    assert "script" not in svg and "onload" not in svg and "onclick" not in svg and "javascript" not in svg
    assert "foreignObject" not in svg and "behavior" not in svg and "clip" not in svg.lower()
    assert re.search(r'<rect width="2" height="2" stroke="rgb\(0%,0%,0%\)" ?/>', svg)


def test_a_series_without_values_and_negative_values_are_drawn():
    lines = line_chart("T", "D", "Monat", ["Jan.", "Feb."],
                       [("Verbrauch", [None, None]), ("Plan", [Decimal(-5), Decimal(5)])])
    assert "Verbrauch" in [element.text for element in _parsed(str(lines.svg("c"))).iter(f"{SVG}text")]
    assert lines.table().rows[0] == ("Jan.", ("–", "-5,00 €"))
    bars = bar_chart("T", "D", "Los", ["A", "B"], [("Ersparnis", [Decimal(-200), Decimal(100)])])
    lengths = _bar_lengths(str(bars.svg("c")))
    assert lengths[0] == pytest.approx(2 * lengths[1])
