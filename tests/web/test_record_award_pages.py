"""The Vergabevermerk after the opening from the web (issue 13, parts 4 and 7): the button
"Vergabevermerk neu erzeugen" on the Preisspiegel page makes a new version of the Vergabevermerk
alone, with the award part; refused before the opening; coordinators only. The tender page's
"Unterlagen erzeugen" after the opening carries the award part too."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from einkauf import clock
from einkauf.bids import services
from einkauf.tenders.models import Document, DocumentKind

from bids_support import AFTER, BEFORE, FULL, HOSTILE, fill, price_sheet_of
from support import text


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


def _bid(db, tender):
    base = price_sheet_of(db, tender)
    with clock.fixed(BEFORE):
        bidder = services.create_bidder(db, "test", name=HOSTILE)
        services.import_bid(db, "test", tender.id, bidder.id, fill(base, FULL), received_at=BEFORE)


def _open(db, tender, make_user):
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator", email="erste@einkauf.example"),
                           make_user("coordinator", email="zweite@einkauf.example"), tender.id)


def _records(db, tender) -> list[Document]:
    return list(db.scalars(select(Document).where(Document.tender_id == tender.id)
                           .order_by(Document.kind, Document.version)))


def _pdf_text(client, tender, document) -> str:
    download = client.get(f"/vergaben/{tender.id}/dokumente/{document.id}")
    assert download.status_code == 200
    pages = PdfReader(io.BytesIO(download.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).replace("\xa0", " ").split())


def test_the_button_makes_a_new_vergabevermerk_with_the_award_part_and_nothing_else(client, db, bid_tender,
                                                                                      coordinator, make_user):
    _bid(db, bid_tender)
    _open(db, bid_tender, make_user)
    with clock.fixed(AFTER):
        page = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel"))
        assert "Vergabevermerk neu erzeugen" in page
        response = client.post(f"/vergaben/{bid_tender.id}/preisspiegel/vergabevermerk",
                               data={"request_key": "k" * 32})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/vergaben/{bid_tender.id}/preisspiegel#vergabevermerk")
        assert "Vergabevermerk erzeugt" in text(client.get(response.headers["Location"]))
    documents = _records(db, bid_tender)
    assert [(d.kind, d.version) for d in documents] == [(DocumentKind.RECORD_PDF, 1)]
    content = _pdf_text(client, bid_tender, documents[0])
    assert "Angebotsöffnung" in content and "erste@einkauf.example und zweite@einkauf.example" in content
    assert HOSTILE in content  # the bidder's name printed literally, never as markup
    assert "2,35 € ↓" in content  # the annex: the unit price, the lowest of its position


def test_the_tender_page_generation_after_the_opening_keeps_the_award_part(client, db, bid_tender, coordinator,
                                                                           make_user):
    _bid(db, bid_tender)
    _open(db, bid_tender, make_user)
    with clock.fixed(AFTER):
        assert client.post(f"/vergaben/{bid_tender.id}/dokumente").status_code == 303
    documents = {d.kind: d for d in _records(db, bid_tender)}
    assert "Anlage: Preisspiegel je Los" in _pdf_text(client, bid_tender, documents[DocumentKind.RECORD_PDF])
    # The bidder documents of the same generation carry nothing of the bids (R7, R15).
    bidder_text = _pdf_text(client, bid_tender, documents[DocumentKind.BIDDER_PDF])
    assert "Angebotsöffnung" not in bidder_text and "2,35 €" not in bidder_text and "<script>" not in bidder_text


def test_before_the_opening_the_button_is_refused_and_nothing_is_generated(client, db, bid_tender, coordinator):
    _bid(db, bid_tender)
    with clock.fixed(BEFORE):
        response = client.post(f"/vergaben/{bid_tender.id}/preisspiegel/vergabevermerk", follow_redirects=True)
    assert "noch nicht geöffnet" in text(response)
    assert _records(db, bid_tender) == []
    assert client.post("/vergaben/999999/preisspiegel/vergabevermerk").status_code == 404


def test_only_coordinators_regenerate_the_vergabevermerk(client, db, bid_tender, as_role, make_user):
    _bid(db, bid_tender)
    _open(db, bid_tender, make_user)
    for role in ("officer", "finance", "admin"):
        as_role(role)
        with clock.fixed(AFTER):
            assert client.post(f"/vergaben/{bid_tender.id}/preisspiegel/vergabevermerk").status_code == 403
    assert _records(db, bid_tender) == []
