"""Tender documents from a frozen tender and their register (issue 5), on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.errors import InvalidState, NotFound
from einkauf.lots.services import build_lots
from einkauf.tenders.documents import (
    generate_documents,
    get_document,
    read_document,
    tender_document_data,
    update_tender_texts,
)
from einkauf.tenders.models import TENDER_DOCUMENT_KINDS, Document, DocumentKind
from einkauf.tenders.services import cancel_tender, freeze_tender

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = '<img src="/etc/passwd"> <a href="https://evil.example">Klick</a> =HYPERLINK("x") &amp; <b>fett'


@pytest.fixture
def tender(db, make_round, make_member, make_category, make_product):
    """A frozen tender: two lots, three members, a product with hostile text."""
    rnd = make_round(closed=True)
    paper, ink = make_category(name="Papier", sort_order=1), make_category(name="Tinte", sort_order=2)
    a4 = make_product(paper, number="P-1", price="4.99", short_text="Kopierpapier A4 „weiß“ 80 g/m²")
    evil = make_product(paper, number="P-2", price="0.33", short_text=HOSTILE)
    evil.specification = "Mindestanforderungen: " + "x" * 3000 + " " + HOSTILE
    cartridge = make_product(ink, number="T-1", price="40.00", short_text="Tintenpatrone schwarz")
    members = [make_member(name=n, sites=2) for n in ("Essen", "Bochum", "Köln")]
    for k, city in enumerate(members):
        submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        for product, quantity in ((a4, f"{100 + k}.5"), (evil, "3.333"), (cartridge, str(k + 1))):
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal(quantity),
                              delivery_site_id=city.delivery_sites[k % 2].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    frozen = freeze_tender(db, "koordination@example.org", rnd.id, publication_date=date(2027, 2, 1),
                           submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN), now=NOW)
    return frozen, members


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)



def generate(db, *args, **kwargs):
    """Generate and commit: a file takes its final name only when its register row commits."""
    documents = generate_documents(db, *args, **kwargs)
    db.commit()
    return documents


def test_the_data_names_every_lot_position_member_and_shares_that_add_up(db, tender):
    frozen, _members = tender
    data = tender_document_data(db, frozen, cooperative_name="Einkaufskooperation")

    assert [lot.number for lot in data.lots] == ["1", "2"]
    assert [p.oz for p in data.lots[0].positions] == ["1.001", "1.002"]
    assert {b.name for b in data.lots[0].members} == {"Essen", "Bochum", "Köln"}
    for lot in data.lots:
        # R22: annual shares add up to the lot's annual value, term shares to annual value × years;
        # the § 3 VgV value is the sum of the positions (the difference is shown in the Vermerk).
        assert sum(share.annual_value for share in lot.member_shares) == lot.annual_value
        assert sum(share.value for share in lot.member_shares) == lot.money(48).annual_term_value
        assert all(share.value == 4 * share.annual_value for share in lot.member_shares)
        assert sum(p.estimated_value for p in lot.positions) == lot.estimated_value
    assert len(data.lots[0].delivery_sites) == 3  # each city orders to one of its two sites
    assert data.estimated_total == frozen.estimated_total
    assert (data.maximum_total, data.value_basis) == (frozen.maximum_total, "maximum")
    assert [lot.maximum_value for lot in data.lots] == [lot.maximum_value for lot in frozen.lots]
    assert data.maximum_total == sum(lot.maximum_value for lot in data.lots) > data.estimated_total


def test_generating_writes_three_registered_files_and_again_makes_new_versions(db, tender, tmp_path):
    frozen, _ = tender

    first = generate(db, "koordination@example.org", frozen.id, tmp_path, cooperative_name="EK", now=NOW)
    second = generate(db, "koordination@example.org", frozen.reference, tmp_path, cooperative_name="EK")

    assert sorted(d.kind for d in first) == sorted(TENDER_DOCUMENT_KINDS)
    assert {d.version for d in first} == {1} and {d.version for d in second} == {2}
    folder = tmp_path / frozen.reference
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(d.file_name for d in first + second)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left
    for document in first + second:
        content = (tmp_path / document.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == document.sha256 and len(content) == document.size
        assert read_document(tmp_path, document) == content
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "tender.documents")).startswith(
        f"Unterlagen des Vergabeverfahrens {frozen.reference}")


def test_the_bidder_pdf_lists_lots_positions_members_and_no_prices_while_the_record_has_them(db, tender, tmp_path):
    frozen, _ = tender
    documents = {d.kind: d for d in generate(db, "k", frozen.id, tmp_path, cooperative_name="EK")}

    bidder = _text(read_document(tmp_path, documents[DocumentKind.BIDDER_PDF]))
    record = _text(read_document(tmp_path, documents[DocumentKind.RECORD_PDF]))

    for needle in (frozen.reference, "Kopierpapier A4", "Tintenpatrone schwarz", "1.001", "2.001", "Essen", "Köln"):
        assert needle in bidder
    assert "<img" in bidder  # hostile text printed literally
    assert "4,99" not in bidder and "40,00 €" not in bidder
    for lot in frozen.lots:
        assert f"{lot.estimated_value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") not in bidder
    assert "4,99" in record and frozen.reference in record
    flat = " ".join(record.split())
    maximum = f"{frozen.maximum_total:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " €"
    assert maximum in flat and "Maßgeblich ist der Höchstwert aller" in flat
    assert maximum not in " ".join(bidder.split())  # R7: no values for bidders
    reader = PdfReader(io.BytesIO(read_document(tmp_path, documents[DocumentKind.BIDDER_PDF])))
    assert not any("/Annots" in page for page in reader.pages)


def test_the_price_sheet_has_a_sheet_per_lot_and_user_text_never_becomes_a_formula(db, tender, tmp_path):
    frozen, _ = tender
    sheet = next(d for d in generate(db, "k", frozen.id, tmp_path, cooperative_name="EK")
                 if d.kind == DocumentKind.PRICE_SHEET)
    book = load_workbook(io.BytesIO(read_document(tmp_path, sheet)))
    hostile = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row
               if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert hostile and all(cell.data_type == "s" for cell in hostile)
    lot_sheets = [ws for ws in book.worksheets if (ws.sheet_state == "visible" and "1" in ws.title) or "2" in ws.title]
    assert len(lot_sheets) >= 2


def test_a_changed_or_missing_file_is_not_handed_out(db, tender, tmp_path):
    frozen, _ = tender
    document = generate(db, "k", frozen.id, tmp_path, cooperative_name="EK",
                                  kinds=[DocumentKind.RECORD_PDF])[0]
    (tmp_path / document.path).write_bytes(b"%PDF-1.4 manipuliert")
    with pytest.raises(NotFound, match="verändert"):
        read_document(tmp_path, document)
    (tmp_path / document.path).unlink()
    with pytest.raises(NotFound, match="fehlt"):
        read_document(tmp_path, document)
    document.path = "../../etc/passwd"
    with pytest.raises(NotFound):
        read_document(tmp_path, document)


def test_documents_of_another_tender_are_not_found_and_a_cancelled_tender_makes_none(db, tender, tmp_path):
    frozen, _ = tender
    document = generate(db, "k", frozen.id, tmp_path, cooperative_name="EK")[0]
    with pytest.raises(NotFound):
        get_document(db, frozen.id + 1, document.id)
    cancel_tender(db, "k", frozen.id, "Neu ausschreiben")
    with pytest.raises(InvalidState, match="aufgehoben"):
        generate(db, "k", frozen.id, tmp_path, cooperative_name="EK")


def test_edited_text_blocks_reach_the_bidder_pdf(db, tender, tmp_path):
    frozen, _ = tender
    update_tender_texts(db, "k", frozen.id, invitation_text="Bitte bieten Sie für Los 1 & Los 2 <sofort>.",
                        conditions_text="", expected_version=frozen.version)
    bidder = next(d for d in generate(db, "k", frozen.id, tmp_path, cooperative_name="EK")
                  if d.kind == DocumentKind.BIDDER_PDF)
    assert "Bitte bieten Sie für Los 1 & Los 2 <sofort>." in _text(read_document(tmp_path, bidder))
    assert db.scalar(select(Document).where(Document.id == bidder.id)).created_by_label == "k"
