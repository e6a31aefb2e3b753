"""The Preisspiegel pages (issue 13, part 4): sealed before the opening; afterwards a summary of
all lots, one page per lot with the lowest price marked in words, and the workbook download."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf import clock
from einkauf.bids import services
from einkauf.bids.models import Bid, Bidder

from bids_support import AFTER, BEFORE, FULL, HOSTILE, fill, price_sheet_of
from support import text


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


DEARER = {"1|P-1": "2,50", "1|P-2": "6", "2|T-1": "45"}


def _bids(db, tender, names=("Papier Müller GmbH", HOSTILE)):
    from decimal import Decimal

    base = price_sheet_of(db, tender)
    prices = (FULL, {key: Decimal(value.replace(",", ".")) for key, value in DEARER.items()})
    with clock.fixed(BEFORE):
        for name, table in zip(names, prices, strict=True):
            bidder = services.create_bidder(db, "test", name=name)
            services.import_bid(db, "test", tender.id, bidder.id, fill(base, table), received_at=BEFORE)


def test_before_the_opening_no_price_is_shown(client, db, bid_tender, coordinator):
    _bids(db, bid_tender)
    with clock.fixed(BEFORE):
        for path in (f"/vergaben/{bid_tender.id}/preisspiegel", f"/vergaben/{bid_tender.id}/preisspiegel/los/1",
                     f"/vergaben/{bid_tender.id}/preisspiegel.xlsx"):
            response = client.get(path)
            assert response.status_code == 409
            html = text(response)
            assert "noch nicht geöffnet" in html and "2,35" not in html and "2,3500" not in html


def test_after_the_opening_the_summary_and_the_lot_page_show_the_ranking(client, db, bid_tender, coordinator,
                                                                          make_user):
    _bids(db, bid_tender)
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        summary = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel"))
        assert "Papier Müller GmbH" in summary and "Übersicht über alle Lose" in summary
        page = client.get(f"/vergaben/{bid_tender.id}/preisspiegel/los/1")
        html = text(page)
    assert page.status_code == 200
    assert "2,3500 €" in html and "niedrigster" in html
    # Bidder names are escaped, never markup.
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert client.get(f"/vergaben/{bid_tender.id}/preisspiegel/los/3").status_code == 404


def test_the_lot_page_shows_the_ranking_first_and_the_matrix_page_by_page(client, db, bid_tender, coordinator,
                                                                          make_user, monkeypatch):
    from einkauf.bids import views

    _bids(db, bid_tender, names=("Papier Müller GmbH", "Büro Schulz KG"))
    monkeypatch.setattr(views, "PAGE_SIZE", 1)  # lot 1 has two positions: two pages
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        first = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel/los/1"))
        second = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel/los/1?seite=2"))
        beyond = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel/los/1?seite=99"))
    ranking = first[first.index('id="lot-ranking"'):first.index('id="lot-matrix"')]
    assert ranking.index("Papier Müller GmbH") < ranking.index("Büro Schulz KG")  # rank 1 first
    assert "Positionen 1 bis 1 von 2 (Seite 1 von 2)" in first and "P-1 Kopierpapier A4" in first
    assert "P-2" not in first[first.index('id="lot-matrix"'):]
    assert "Positionen 2 bis 2 von 2 (Seite 2 von 2)" in second and "P-2 Kopierpapier A3" in second
    assert "Seite 2 von 2" in beyond  # a page past the end shows the last one


def test_the_workbook_download_has_the_summary_and_a_sheet_per_lot(client, db, bid_tender, coordinator, make_user):
    _bids(db, bid_tender)
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        response = client.get(f"/vergaben/{bid_tender.id}/preisspiegel.xlsx")
    assert response.status_code == 200
    assert f"Preisspiegel_{bid_tender.reference}.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames[1:] == ["Los 1", "Los 2"]
    texts = [cell for row in book["Los 1"].iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert HOSTILE in texts  # written as text, not as a formula


def test_officers_and_finance_are_refused(client, db, bid_tender, as_role):
    for role in ("officer", "finance", "admin"):
        as_role(role)
        assert client.get(f"/vergaben/{bid_tender.id}/preisspiegel").status_code == 403


def test_the_coordinator_awards_a_lot_on_its_page_and_the_decision_is_shown(client, db, bid_tender, coordinator,
                                                                            make_user):
    from einkauf.bids.models import LotAward

    from support import csrf_token_from

    _bids(db, bid_tender, names=("Papier Müller GmbH", "Büro Schulz KG"))
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), bid_tender.id)
        url = f"/vergaben/{bid_tender.id}/preisspiegel/los/1"
        page = text(client.get(url))
        assert "Entscheidung speichern" in page
        dearer = db.scalars(select(Bid).join(Bidder).where(Bidder.name == "Büro Schulz KG")).one()
        # Another than the first-ranked bid without a reason: refused at the field, nothing stored.
        refused = client.post(url + "/entscheidung", data={"csrf_token": csrf_token_from(page), "decision": "award",
                                                           "bid": str(dearer.id)})
        assert refused.status_code == 422 and "mindestens 10 Zeichen" in text(refused)
        assert db.scalar(select(func.count()).select_from(LotAward)) == 0
        cheaper = db.scalars(select(Bid).join(Bidder).where(Bidder.name == "Papier Müller GmbH")).one()
        done = client.post(url + "/entscheidung", data={"csrf_token": csrf_token_from(page), "decision": "award",
                                                        "bid": str(cheaper.id),
                                                        "clarification": "Preise nach Aufklärung bestätigt."})
        assert done.status_code == 303
        shown = text(client.get(url))
    assert "Zuschlag auf das Angebot von Papier Müller GmbH (Rang 1" in shown
    assert "Entscheidung speichern" not in shown
