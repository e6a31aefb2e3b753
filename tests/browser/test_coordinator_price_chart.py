"""The coordinator opens the Preisspiegel of an opened tender: the chart „Schätzwert und Angebote
je Los“ is drawn (inline SVG under the strict CSP — no console error, axe-core clean) and its data
table opens below it.

A tender with two bids, opened, is added behind the live server's back (its own round CHART,
members and products, which no other browser test uses).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from bids_support import AFTER, BEFORE, FULL, create_bid_tender, fill, price_sheet_of, two_coordinators

pytestmark = pytest.mark.browser


@pytest.fixture
def opened_tender(live_database_url) -> int:
    from einkauf import clock
    from einkauf.bids import services
    from einkauf.db import make_engine, make_session_factory, session_scope

    engine = make_engine(live_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            tender = create_bid_tender(session, code="CHART")
            sheet = price_sheet_of(session, tender)
            for name, factor in (("Papier Müller GmbH", Decimal(1)), ("Büro <b>Schulz</b> KG", Decimal("1.2"))):
                prices = {key.replace("|", "|CHART-"): (value * factor).quantize(Decimal("0.0001"))
                          for key, value in FULL.items()}
                with clock.fixed(BEFORE):
                    bidder = services.create_bidder(session, "browser-test", name=name)
                    services.import_bid(session, "browser-test", tender.id, bidder.id, fill(sheet, prices),
                                        received_at=BEFORE)
            first, second = two_coordinators(session)
            services.open_bids(session, first, second, tender.id, now=AFTER)
            return tender.id
    finally:
        engine.dispose()


def test_the_price_matrix_shows_the_chart_and_its_table(visitor, opened_tender):
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto(f"/vergaben/{opened_tender}/preisspiegel")
    chart = page.get_by_role("img", name="Schätzwert und Angebote je Los")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80
    # Drawn with its colours: presentation attributes are not subject to the CSP's style-src.
    fills = page.eval_on_selector_all("#chart-lots svg rect", "rs => rs.map(r => getComputedStyle(r).fill)")
    assert set(fills) - {"none", "rgb(255, 255, 255)", "rgb(0, 0, 0)"}, fills
    table = page.locator("#chart-lots-data")
    assert not table.is_visible()
    page.get_by_text("Daten des Diagramms als Tabelle").click()
    assert table.is_visible()
    assert table.get_by_role("rowheader", name="Los 1").is_visible()
    assert table.get_by_role("columnheader", name="Niedrigstes wertbares Angebot").is_visible()
    visitor.check()
