"""Vergabeunterlagen (PDF for bidders): content, R6, R7 and R14, read back with pypdf."""
from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from einkauf.exports.pdf import fonts
from einkauf.exports.pdf.bidder import build_bidder_pdf
from einkauf.exports.tender_data import format_quantity_de
from einkauf.lots.rules import format_money_de, format_number_de

from support_documents import GENERATED_AT, make_lot, make_position, make_tender, with_text

HOSTILE = ('<img src="/etc/passwd"/> <a href="https://evil.example/">klick</a> <font color="red">rot</font> '
           '&amp; &lt;b&gt; <b>offen <i>unbalanciert </para> & 100 % € äöüß')


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def squashed(text: str) -> str:
    """Text without whitespace: table cells wrap, so compare without line breaks."""
    return re.sub(r"\s+", "", text)


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


@pytest.fixture(scope="module")
def tender():
    return make_tender()


@pytest.fixture(scope="module")
def rendered(tender):
    data = build_bidder_pdf(tender, generated_at=GENERATED_AT)
    return data, *pdf_text(data)


def test_every_lot_and_every_position_is_in_the_text(tender, rendered):
    _data, _reader, pages = rendered
    text = "\n".join(pages)
    flat = squashed(text)
    for lot in tender.lots:
        assert f"Los {lot.number} – {lot.title}" in text
        for position in lot.positions:
            assert position.oz in text
            assert squashed(position.short_text) in flat
            assert position.product_number in text
            for quantity in (position.annual_quantity, position.estimated_quantity, position.maximum_quantity):
                assert format_quantity_de(quantity) in text


def test_every_participating_member_is_named_per_lot_with_its_ags(tender, rendered):
    _data, _reader, pages = rendered
    for lot in tender.lots:
        page = next(p for p in pages if f"Los {lot.number} – {lot.title}" in p and "Abrufberechtigte" in p)
        for member in lot.members:
            assert member.name in page and member.ags in page
        for site in lot.delivery_sites:
            assert site.name in page
            assert site.address.splitlines()[-1] in page


def test_the_bidder_pdf_holds_no_reference_price_and_no_estimated_value(tender, rendered):
    _data, _reader, pages = rendered
    text = "\n".join(pages)
    amounts = [tender.estimated_total] + [lot.estimated_value for lot in tender.lots]
    amounts += [v for lot in tender.lots for p in lot.positions for v in (p.reference_price, p.estimated_value)]
    for amount in amounts:
        assert format_money_de(amount) not in text
        assert format_number_de(amount, 2) not in text
    assert "Schätz" not in text
    assert "geschätzter Wert" not in text.lower() and "auftragswert" not in text.lower()
    assert "Kleinlos" not in text and "80.000" not in text


def test_pages_are_numbered_x_of_n_and_carry_the_reference(rendered):
    _data, reader, pages = rendered
    total = len(reader.pages)
    assert total >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Seite {number} von {total}" in page
        assert "Vergabenummer EK-2027-001" in page


def test_the_contents_give_the_page_of_every_section_and_lot(tender, rendered):
    _data, _reader, pages = rendered
    at = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Inhalt"))
    listed = [int(n) for n in re.findall(r"^\s*(\d+)\s*$", pages[at], flags=re.M)]
    headings = ["Aufforderung zur Angebotsabgabe", "Bewerbungsbedingungen", "Zuschlagskriterien", "Lose im Überblick"]
    headings += [f"Los {lot.number} – {lot.title}" for lot in tender.lots]
    expected = [next(n for n, page in enumerate(pages[at + 1:], start=at + 2) if heading in page.splitlines())
                for heading in headings]
    assert listed == expected
    assert expected[-1] == len(pages)  # the last lot is on the last page: the numbers are not all alike


def test_metadata_is_set(tender, rendered):
    _data, reader, _pages = rendered
    meta = reader.metadata
    assert meta.title == "Vergabeunterlagen EK-2027-001 – Rahmenvereinbarungen Büromaterial und Papier 2027–2031"
    assert meta.author == tender.cooperative_name
    assert "Vergabeunterlagen" in meta.subject
    assert meta.creator == "einkauf"
    assert "EK-2027-001" in meta["/Keywords"] and "30192700-8" in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20270121080000")


def test_the_font_is_an_embedded_truetype_font(rendered):
    _data, reader, _pages = rendered
    seen = []
    for page in reader.pages:
        for font in resolve(page["/Resources"]).get("/Font", {}).values():
            font = resolve(font)
            descendants = [resolve(d) for d in font.get("/DescendantFonts", [])] or [font]
            for d in descendants:
                descriptor = resolve(d["/FontDescriptor"])
                seen.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    assert seen
    assert all(embedded for _name, embedded in seen), seen
    assert all("DejaVuSans" in name for name, _e in seen), seen  # no standard (unembedded) font at all


def test_umlauts_euro_and_dashes_extract_as_written():
    tender = with_text(make_tender(), short_text="Größenübersicht Äpfel Öl Übermaß – 5 € je Stück")
    _reader, pages = pdf_text(build_bidder_pdf(tender, generated_at=GENERATED_AT))
    assert "Größenübersicht Äpfel Öl Übermaß – 5 € je Stück" in "\n".join(pages)


def test_hostile_text_renders_literally_without_links_files_or_images():
    tender = replace(with_text(make_tender(), short_text=HOSTILE, specification=HOSTILE, unit="<b>Stück</b>",
                               product_number="<a href=x>"),
                     title=HOSTILE, cooperative_name="Kooperation <img src='/etc/hostname'/> & Co",
                     invitation_text=HOSTILE + "\n\n" + HOSTILE, conditions_text="Titel <u>x\n" + HOSTILE)
    data = build_bidder_pdf(tender, generated_at=GENERATED_AT)
    reader, pages = pdf_text(data)
    flat = squashed("\n".join(pages))
    for fragment in ('<img src="/etc/passwd"/>', '<a href="https://evil.example/">klick</a>',
                     '<font color="red">rot</font>', "&amp; &lt;b&gt;", "</para>", "<b>Stück</b>", "<a href=x>",
                     "Kooperation <img src='/etc/hostname'/> & Co"):
        assert squashed(fragment) in flat
    assert b"/Annots" not in data and b"/URI" not in data
    assert b"/EmbeddedFile" not in data
    for page in reader.pages:
        xobjects = resolve(resolve(page["/Resources"]).get("/XObject", {}))
        assert not any(resolve(x).get("/Subtype") == "/Image" for x in xobjects.values())


def test_control_characters_are_removed():
    tender = with_text(make_tender(), short_text="Ordner\x00\x07\x1b[31m rot\u202e gespiegelt")
    _reader, pages = pdf_text(build_bidder_pdf(tender, generated_at=GENERATED_AT))
    text = "\n".join(pages)
    assert "Ordner[31m rot gespiegelt" in text
    assert not re.search("[\x00-\x08\x1b\u202e]", text)


def test_a_word_of_5000_characters_and_a_specification_of_50000_characters_do_not_break_the_layout():
    word = "Donaudampfschifffahrt" * 240  # 5,040 characters without a space
    long_spec = ("Mindestanforderung " + "x" * 30 + " ") * 1000  # 50,000 characters
    lot = make_lot("1", [make_position("1", 1, short_text=word, specification=word),
                         make_position("1", 2, specification=long_spec),
                         make_position("1", 3, short_text="Kurz", specification="")])
    tender = make_tender([lot], invitation_text=word + "\n\n" + long_spec, conditions_text=long_spec)
    data = build_bidder_pdf(tender, generated_at=GENERATED_AT)
    _reader, pages = pdf_text(data)
    text = "\n".join(pages)
    assert "…" in text  # the table cell is cut visibly …
    assert "Anhang: Vollständige Leistungsbeschreibungen" in text  # … and the annex holds the text
    assert squashed("Vollständiger Text: Anhang, OZ 1.002") in squashed(text)
    assert squashed(word)[:2000] in squashed(text)
    assert "1.003" in text


def test_the_same_tender_gives_the_same_bytes(tender, rendered):
    data, _reader, _pages = rendered
    assert build_bidder_pdf(tender, generated_at=GENERATED_AT) == data


def test_many_lots_make_the_contents_run_over_several_pages():
    lots = [make_lot(str(n), [make_position(str(n), 1)], title=f"Warengruppe {n} mit einem längeren Namen")
            for n in range(1, 90)]
    data = build_bidder_pdf(make_tender(lots), generated_at=GENERATED_AT)
    _reader, pages = pdf_text(data)
    contents = [p for p in pages if "Warengruppe 45 mit einem längeren Namen" in p]
    assert len(contents) >= 2  # once in the contents, once as the lot heading
    assert "Los 89 – Warengruppe 89" in "\n".join(pages)


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "_registered", False)
    monkeypatch.setenv("EINKAUF_FONT_DIR", str(tmp_path))
    with pytest.raises(fonts.FontMissing, match="fonts-dejavu-core"):
        fonts.register_fonts()


def test_quantities_are_german_with_at_most_three_places():
    assert format_quantity_de(Decimal("1234.500")) == "1.234,5"
    assert format_quantity_de(Decimal("1234567.125")) == "1.234.567,125"
    assert format_quantity_de(Decimal("12.000")) == "12"
    assert format_quantity_de(Decimal("0.050")) == "0,05"
    assert format_quantity_de(Decimal("0")) == "0"
