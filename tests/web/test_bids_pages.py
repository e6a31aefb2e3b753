"""The bids pages (issue 13): sealed until the two-person opening (R15), uploads all or nothing,
checks (R16), escaped bidder names, foreign ids 404."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf import clock
from einkauf.bids import services
from einkauf.bids.models import Bid, BidLot, BidOpening, BidPrice, CheckDecision

from bids_support import AFTER, BEFORE, FULL, HOSTILE, create_bid_tender, fill, price_sheet_of
from support import PASSWORD

SECRET = {"1|P-1": Decimal("2345.6789"), "1|P-2": Decimal("7.1234"), "2|T-1": Decimal("39.9")}
# With punctuation: request ids and CSRF tokens (hex, base64) may contain any run of digits.
SECRET_TEXTS = ("2.345", "2345,", "2345.", ",6789", ".6789", "7,1234", "7.1234", "39,9")


def _no_price(html: str) -> None:
    for text in SECRET_TEXTS:
        assert text not in html, f"price {text} visible before the opening"


def _upload(client, tender, bidder, data: bytes, *, day="10.03.2027", at="09:00"):
    return client.post(f"/vergaben/{tender.id}/angebote/hochladen", data={
        "bidder": str(bidder.id), "received_date": day, "received_time": at,
        "file": (io.BytesIO(data), "angebot.xlsx")}, content_type="multipart/form-data")


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


@pytest.fixture
def bidder(db):
    return services.create_bidder(db, "test", name=HOSTILE, vat_id="DE136695976")


def test_bidders_are_registered_and_their_names_escaped(client, coordinator, db):
    response = client.post("/bieter", data={"name": HOSTILE, "address": "Hauptstr. 1\n44135 Dortmund",
                                            "vat_id": "DE 136695976", "email": "info@example.org"})
    assert response.status_code == 303
    html = client.get("/bieter").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "DE136695976" in html
    again = client.post("/bieter", data={"name": HOSTILE})
    assert again.status_code == 422 and "gibt es schon" in again.get_data(as_text=True)
    wrong = client.post("/bieter", data={"name": "Beta", "vat_id": "DE136695977"})
    assert wrong.status_code == 422 and "Prüfziffer" in wrong.get_data(as_text=True)


def test_nobody_sees_a_price_before_the_opening_and_two_coordinators_open(client, db, bid_tender, bidder,
                                                                          coordinator, make_user):
    second = make_user("coordinator")
    data = fill(price_sheet_of(db, bid_tender), SECRET)
    with clock.fixed(BEFORE):
        response = _upload(client, bid_tender, bidder, data)
        assert response.status_code == 303
        bid = db.scalar(select(Bid))
        pages = [f"/vergaben/{bid_tender.id}/angebote", f"/vergaben/{bid_tender.id}/angebote/{bid.id}",
                 f"/vergaben/{bid_tender.id}/angebote/oeffnung", "/protokoll"]
        pages += [f"/vergaben/{bid_tender.id}/angebote/{bid.id}/lose/{lot.id}" for lot in bid_tender.lots]
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, url
            _no_price(answer.get_data(as_text=True))
        overview = client.get(pages[0]).get_data(as_text=True)
        assert "verschlossen" in overview and "&lt;script&gt;" in overview and "<script>alert" not in overview
        refused = client.post(pages[2], data={"second_email": second.email, "second_password": PASSWORD})
        assert "vorher werden die Angebote nicht geöffnet" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(BidOpening)) == 0
    with clock.fixed(AFTER):
        myself = client.post(pages[2], data={"second_email": coordinator.email, "second_password": PASSWORD})
        assert "zwei verschiedene Personen" in myself.get_data(as_text=True)
        wrong = client.post(pages[2], data={"second_email": second.email, "second_password": "falsch-falsch"})
        assert "konnte nicht bestätigt werden" in wrong.get_data(as_text=True)
        assert db.scalar(select(func.count()).select_from(BidOpening)) == 0
        opened = client.post(pages[2], data={"second_email": second.email, "second_password": PASSWORD})
        assert opened.status_code == 303
        record = client.get(pages[2]).get_data(as_text=True)
        assert f"von {coordinator.email} und {second.email}" in record
        assert "Lose 1, 2; 3 Preise" in record and "&lt;script&gt;" in record
        lot_page = client.get(pages[4]).get_data(as_text=True)
    assert "2.345,6789" in lot_page and "7,1234" in lot_page


def test_a_broken_upload_lists_every_problem_and_stores_nothing(client, db, bid_tender, bidder, coordinator):
    data = fill(price_sheet_of(db, bid_tender), {**FULL, "1|P-1": "viel", "2|T-1": -1})
    with clock.fixed(BEFORE):
        response = _upload(client, bid_tender, bidder, data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Blatt „Los 1“, Zeile 5, Spalte I" in html and "als Text eingetragen" in html
        assert "darf nicht negativ sein" in html
        late = _upload(client, bid_tender, bidder, b"kein Excel")
        assert late.status_code == 422 and "keine Excel-Arbeitsmappe" in late.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Bid)) == 0


def test_a_late_upload_is_recorded_and_excluded(client, db, bid_tender, bidder, coordinator):
    with clock.fixed(AFTER):
        response = _upload(client, bid_tender, bidder, fill(price_sheet_of(db, bid_tender), FULL), at="12:01")
        assert response.status_code == 303
        html = client.get(f"/vergaben/{bid_tender.id}/angebote").get_data(as_text=True)
    assert "verspätet (§ 57 Abs. 1 Nr. 1 VgV)" in html
    assert all(lot.decision == CheckDecision.EXCLUDED for lot in db.scalars(select(BidLot)))


def test_the_blind_form_saves_a_lot_without_showing_prices_and_checks_follow_the_opening(
        client, db, bid_tender, bidder, coordinator, make_user):
    lot = services.tender_lots(db, bid_tender)[0]
    with clock.fixed(BEFORE):
        receipt = client.post(f"/vergaben/{bid_tender.id}/angebote/eingang", data={
            "bidder": str(bidder.id), "received_date": "10.03.2027", "received_time": "08:15"})
        assert receipt.status_code == 303
        bid = db.scalar(select(Bid))
        url = f"/vergaben/{bid_tender.id}/angebote/{bid.id}/lose/{lot.tender_lot_id}"
        first, second_pos = (p.position_id for p in lot.positions)
        bad = client.post(url, data={"version": "1", f"price-{first}": "1,23456"})
        assert bad.status_code == 422 and "höchstens 4 Nachkommastellen" in bad.get_data(as_text=True)
        saved = client.post(url, data={"version": "1", f"price-{first}": "2.345,6789", f"offered-{first}": "Marke"})
        assert saved.status_code == 303, saved.get_data(as_text=True)[-3000:]
        page = client.get(url).get_data(as_text=True)
        _no_price(page)
        assert "1 von 2 Positionen haben einen Preis" in page
        stale = client.post(url, data={"version": "1", f"price-{second_pos}": "1"})
        assert stale.status_code == 409
    assert db.scalar(select(BidPrice.unit_price)) == Decimal("2345.6789")
    with clock.fixed(AFTER):
        services.open_bids(db, coordinator, make_user("coordinator"), bid_tender.id)
        closed = client.post(url, data={"version": "2", f"price-{first}": "1"})
        assert closed.status_code == 409
        bid_lot = db.scalar(select(BidLot))
        detail = client.get(f"/vergaben/{bid_tender.id}/angebote/{bid.id}").get_data(as_text=True)
        assert "unvollständig – 1 Preise fehlen" in detail and "P-2" in detail
        refused = client.post(f"/vergaben/{bid_tender.id}/angebote/{bid.id}/pruefung/{bid_lot.id}", data={
            f"lot{bid_lot.id}-decision": "admitted", f"lot{bid_lot.id}-version": "1"})
        assert refused.status_code == 422 and "unwesentlich" in refused.get_data(as_text=True)
        done = client.post(f"/vergaben/{bid_tender.id}/angebote/{bid.id}/pruefung/{bid_lot.id}", data={
            f"lot{bid_lot.id}-decision": "excluded", f"lot{bid_lot.id}-reason_code": "incomplete",
            f"lot{bid_lot.id}-version": "1"})
        assert done.status_code == 303
    db.refresh(bid_lot)
    assert bid_lot.decision == CheckDecision.EXCLUDED and bid_lot.version == 2


def test_a_bid_of_another_tender_is_not_found(client, db, bid_tender, bidder, coordinator):
    other = create_bid_tender(db, code="ANDERE")
    with clock.fixed(BEFORE):
        bid = services.record_bid(db, "test", other.id, bidder.id, received_at=BEFORE)
        assert client.get(f"/vergaben/{other.id}/angebote/{bid.id}").status_code == 200
        assert client.get(f"/vergaben/{bid_tender.id}/angebote/{bid.id}").status_code == 404
        lot_of_other = other.lots[0].id
        assert client.get(f"/vergaben/{bid_tender.id}/angebote/{bid.id}/lose/{lot_of_other}").status_code == 404


def test_the_tender_page_links_to_its_bids(client, db, bid_tender, coordinator):
    html = client.get(f"/vergaben/{bid_tender.id}").get_data(as_text=True)
    assert re.search(rf'href="/vergaben/{bid_tender.id}/angebote"', html)


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_other_roles_see_nothing_of_bids(client, db, bid_tender, bidder, as_role, role):
    as_role(role)
    with clock.fixed(BEFORE):
        bid = services.record_bid(db, "test", bid_tender.id, bidder.id, received_at=BEFORE)
    for url in (f"/vergaben/{bid_tender.id}/angebote", f"/vergaben/{bid_tender.id}/angebote/{bid.id}", "/bieter",
                f"/vergaben/{bid_tender.id}/angebote/oeffnung"):
        assert client.get(url).status_code == 403
