"""Vergabevermerk (internal PDF): decision, threshold, values per lot and position, member
shares, who froze the tender — and the internal marking on every page."""
from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf.exports.pdf.record import MARKING, build_record_pdf, format_price_de
from einkauf.lots.rules import format_money_de

from support_documents import GENERATED_AT, make_tender, with_text


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def tender():
    return make_tender()


@pytest.fixture(scope="module")
def pages(tender):
    return pages_of(build_record_pdf(tender, generated_at=GENERATED_AT))


def test_every_page_is_marked_internal_and_numbered(pages):
    for number, page in enumerate(pages, start=1):
        assert MARKING in page
        assert f"Seite {number} von {len(pages)}" in page
        assert "Vergabenummer EK-2027-001" in page


def test_the_decision_shows_reasons_threshold_and_total(tender, pages):
    text = "\n".join(pages)
    for reason in tender.procedure_reasons:
        assert re.sub(r"\s+", " ", reason) in re.sub(r"\s+", " ", text)
    assert "216.000,00 € (gültig 01.01.2026–31.12.2027)" in text
    assert format_money_de(tender.estimated_total) in text
    assert "187.640,22 € unter dem Schwellenwert" in text  # 216.000,00 − 28.359,78


def test_every_position_appears_with_its_reference_price_and_value(tender, pages):
    text = "\n".join(pages)
    for lot in tender.lots:
        assert format_money_de(lot.estimated_value) in text
        for position in lot.positions:
            assert position.oz in text
            assert format_price_de(position.reference_price) in text
            assert format_money_de(position.estimated_value) in text


def test_each_members_share_per_lot_is_listed(tender, pages):
    for lot in tender.lots:
        page = next(p for p in pages if f"Los {lot.number} – {lot.title}" in p and "Anteile der Mitglieder" in p)
        for share in lot.member_shares:
            assert share.member_name in page and share.member_ags in page
            assert format_money_de(share.value) in page
        assert "Kleinlosregelung" in page


def test_who_froze_the_tender_and_when(pages):
    text = "\n".join(pages)
    assert "20.01.2027, 10:30 Uhr" in text  # 09:30 UTC in Berlin (winter time)
    assert "Kira Koordination" in text


def test_figures_that_do_not_add_up_are_refused(tender):
    with pytest.raises(ValueError, match="estimated total"):
        build_record_pdf(replace(tender, estimated_total=tender.estimated_total + Decimal("0.01")))
    lot = replace(tender.lots[0], estimated_value=tender.lots[0].estimated_value - Decimal("0.01"))
    with pytest.raises(ValueError, match="sum of its position values"):
        build_record_pdf(replace(tender, lots=(lot, *tender.lots[1:])))


def test_hostile_text_in_the_record_renders_literally():
    tender = replace(with_text(make_tender(), short_text='<a href="https://evil.example/">x</a> &amp;'),
                     frozen_by="<b>Kira</b>", procedure_reasons=("Grund <img src='/etc/passwd'/>",))
    data = build_record_pdf(tender, generated_at=GENERATED_AT)
    text = re.sub(r"\s+", "", "\n".join(pages_of(data)))
    for fragment in ('<a href="https://evil.example/">x</a> &amp;', "<b>Kira</b>", "Grund <img src='/etc/passwd'/>"):
        assert re.sub(r"\s+", "", fragment) in text
    assert b"/Annots" not in data and b"/EmbeddedFile" not in data


def test_unit_prices_keep_up_to_four_places():
    assert format_price_de(Decimal("2.35")) == "2,35 €"
    assert format_price_de(Decimal("2.5")) == "2,50 €"
    assert format_price_de(Decimal("0.0045")) == "0,0045 €"
    assert format_price_de(Decimal("1234")) == "1.234,00 €"


# --- value basis: estimate and maximum value per lot and in total --------------------------------

def _with_maximum(value_basis: str = "maximum"):
    base = make_tender()
    lots = tuple(replace(lot, maximum_value=lot.estimated_value * 2) for lot in base.lots)
    return replace(base, lots=lots, maximum_total=base.estimated_total * 2, value_basis=value_basis)


def _flat(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(pages_of(data)))


def test_the_record_shows_both_values_per_lot_and_in_total_and_the_maximum_decides():
    tender = _with_maximum()
    text = _flat(build_record_pdf(tender, generated_at=GENERATED_AT))
    assert "Maßgeblicher Wert: geschätzter Wert und Höchstwert" in text
    for lot in tender.lots:
        assert format_money_de(lot.estimated_value) in text and format_money_de(lot.maximum_value) in text
    assert format_money_de(tender.maximum_total) in text  # 56.719,56 €
    assert "Maßgeblich ist der Höchstwert aller für die Laufzeit der Rahmenvereinbarung geplanten Aufträge" in text
    assert "Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV" in text
    assert "Höchstwert (Höchstmengen): 56.719,56 €" in text
    assert "Höchstwert 56.719,56 €: 159.280,44 € unter dem Schwellenwert" in text  # the decisive value


def test_with_the_estimate_setting_the_record_says_the_estimate_decided():
    text = _flat(build_record_pdf(_with_maximum("estimate"), generated_at=GENERATED_AT))
    assert "Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich" in text
    assert "Geschätzter Wert (Einstellung der Bedarfsabfrage): 28.359,78 €" in text
    assert "Geschätzter Wert 28.359,78 €: 187.640,22 € unter dem Schwellenwert" in text


def test_maximum_values_that_do_not_add_up_are_refused():
    tender = replace(_with_maximum(), maximum_total=Decimal("1.00"))
    with pytest.raises(ValueError, match="maximum total"):
        build_record_pdf(tender, generated_at=GENERATED_AT)
