"""The chart on the Preisspiegel overview (issue 14, part 5): after the opening an inline SVG
"Schätzwert und Angebote je Los" with its data table, the awarded totals once a lot is decided;
before the opening no chart and no price (R15); the page's CSP stays strict."""
from __future__ import annotations

import re

from defusedxml import ElementTree
from test_bids_price_matrix_pages import _bids

from einkauf import clock
from einkauf.app import CSP
from einkauf.bids import services
from einkauf.bids.award import award_lot
from einkauf.bids.evaluate import evaluate_bids
from einkauf.formatting import format_money_de

from bids_support import AFTER, BEFORE
from support import text


def _svg(html: str):
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no chart on the page"
    return match.group(0), ElementTree.fromstring(match.group(0))


def _table(html: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="kern-table" id="chart-lots-data">.*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r'<tr class="kern-table__row">(.*?)</tr>', table, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_no_chart_before_the_opening(client, db, bid_tender, as_role):
    as_role("coordinator")
    _bids(db, bid_tender)
    with clock.fixed(BEFORE):
        response = client.get(f"/vergaben/{bid_tender.id}/preisspiegel")
    html = text(response)
    assert response.status_code == 409
    assert "<svg" not in html and "chart-lots" not in html and "Schätzwert und Angebote je Los" not in html


def test_after_the_opening_the_chart_and_its_table_show_estimate_lowest_and_award(client, db, bid_tender, as_role,
                                                                                   make_user):
    coordinator = as_role("coordinator")
    _bids(db, bid_tender)
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        evaluation = evaluate_bids(db, bid_tender.id)[1]
        response = client.get(f"/vergaben/{bid_tender.id}/preisspiegel")
    html = text(response)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP
    svg, root = _svg(html)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-lots-title chart-lots-desc"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Schätzwert und Angebote je Los"
    assert "style=" not in svg and "<script" not in svg
    assert re.search(r'<figcaption [^>]*id="chart-lots-caption">Schätzwert und Angebote je Los<', html)
    table = _table(html)
    assert table["Los"] == ["Geschätzter Wert", "Niedrigstes wertbares Angebot"]  # no award yet: no third series
    for lot in evaluation.lots:
        row = table[f"Los {lot.lot.number}"]
        assert row == [format_money_de(lot.estimated_value), format_money_de(lot.lowest_total)]
        assert format_money_de(lot.lowest_total) in svg  # written at its bar too

    first = evaluation.lots[0]
    with clock.fixed(AFTER):
        award_lot(db, coordinator, bid_tender.id, first.lot.number, first.first.bid_id,
                  clarification="Preise nach Aufklärung bestätigt.")
        db.commit()
        table = _table(text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel")))
    assert table["Los"][-1] == "Zuschlag"
    assert table[f"Los {first.lot.number}"][-1] == format_money_de(first.first.total)
    assert table[f"Los {evaluation.lots[1].lot.number}"][-1] == "–"


def test_the_english_page_names_the_chart_in_english(client, db, bid_tender, as_role, make_user):
    as_role("coordinator")
    _bids(db, bid_tender)
    client.post("/sprache", data={"lang": "en", "next": "/"})
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        html = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel"))
    assert "Estimated value and bids per lot" in html and "Schätzwert und Angebote je Los" not in html
