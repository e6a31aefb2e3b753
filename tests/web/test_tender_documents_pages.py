"""The tender page generates the documents, lists them in the register and hands them out under
our own file names; other tenders' ids are not found (issue 5)."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.services import build_lots
from einkauf.tenders.models import Document
from einkauf.tenders.services import freeze_tender

from support import text


@pytest.fixture
def tender(db, make_round, make_member, make_category, make_product):
    rnd = make_round(closed=True)
    product = make_product(make_category(name="Papier"), number="P-1", price="4.99", short_text="Kopierpapier A4")
    city = make_member(name="Essen")
    submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("100"),
                      delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    return freeze_tender(db, "k", rnd.id, publication_date=date(2027, 2, 1),
                         submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN),
                         now=datetime(2026, 12, 1, tzinfo=UTC))


def test_the_coordinator_generates_and_downloads_the_documents(client, as_role, db, tender, app):
    as_role("coordinator")
    page = text(client.get(f"/vergaben/{tender.id}"))
    assert "Es wurden noch keine Unterlagen erzeugt" in page

    response = client.post(f"/vergaben/{tender.id}/dokumente")
    assert response.status_code == 303
    page = text(client.get(f"/vergaben/{tender.id}"))
    documents = list(db.scalars(select(Document).where(Document.tender_id == tender.id)))
    assert len(documents) == 3
    for document in documents:
        assert document.file_name in page and document.sha256 in page
        download = client.get(f"/vergaben/{tender.id}/dokumente/{document.id}")
        assert download.status_code == 200
        assert download.mimetype == document.content_type
        assert hashlib.sha256(download.data).hexdigest() == document.sha256
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and document.file_name in disposition
    assert {re.sub(r"_v\d+\.", ".", d.file_name) for d in documents} == {
        f"{tender.reference}_Vergabeunterlagen.pdf", f"{tender.reference}_Vergabevermerk.pdf",
        f"{tender.reference}_Preisblatt.xlsx"}

    client.post(f"/vergaben/{tender.id}/dokumente")
    assert len(list(db.scalars(select(Document).where(Document.tender_id == tender.id)))) == 6


def test_a_document_id_of_another_tender_is_not_found(client, as_role, db, tender, make_round):
    as_role("coordinator")
    client.post(f"/vergaben/{tender.id}/dokumente")
    document = db.scalar(select(Document).where(Document.tender_id == tender.id))

    assert client.get(f"/vergaben/{tender.id + 1}/dokumente/{document.id}").status_code == 404
    assert client.get(f"/vergaben/{tender.id}/dokumente/{document.id + 1000}").status_code == 404


def test_text_blocks_are_saved_with_the_version_and_a_stale_save_keeps_the_input(client, as_role, db, tender):
    as_role("coordinator")
    saved = client.post(f"/vergaben/{tender.id}/texte", data={
        "invitation_text": "Neue Aufforderung", "conditions_text": "Neue Bedingungen", "version": str(tender.version)})
    assert saved.status_code == 303
    db.refresh(tender)
    assert (tender.invitation_text, tender.conditions_text) == ("Neue Aufforderung", "Neue Bedingungen")

    stale = client.post(f"/vergaben/{tender.id}/texte", data={
        "invitation_text": "Mein langer Text", "conditions_text": "", "version": "1"})
    assert stale.status_code == 200
    assert "Mein langer Text" in text(stale) and "von anderer Seite geändert" in text(stale)
