"""Merged lots keep every CPV code (issue 10, item 6): stored on the lot, frozen with the tender,
printed in the generated documents; on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.exports.tender_data import CpvEntry
from einkauf.lots.planner import LotRules
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, get_plan, save_lot_rules
from einkauf.tenders.documents import generate_documents, staged_content, tender_document_data
from einkauf.tenders.models import DocumentKind
from einkauf.tenders.services import freeze_tender, tender_json

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(db, make_round, make_member, make_category, make_product, cpv):
    """Four categories; office supplies, paper and toner merged (paper and a second office
    category share codes with the others), cleaning alone."""
    rnd = make_round(closed=True)
    cpv("30192000-1", "Bürobedarf")
    cpv("30197630-1", "Druckpapier")
    cpv("30125100-2", "Tonerpatronen")
    cpv("39830000-9", "Reinigungsmittel")
    office = make_category(name="Bürobedarf", cpv_code="30192000-1", sort_order=1)
    paper = make_category(name="Papier", cpv_code="30197630-1", sort_order=2)
    more_office = make_category(name="Büromaterial", cpv_code="30192000-1", sort_order=3)
    toner = make_category(name="Toner", cpv_code="30125100-2", sort_order=4)
    cleaning = make_category(name="Reinigung", cpv_code="39830000-9", sort_order=5)
    city = make_member()
    submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    for category in (office, paper, more_office, toner, cleaning):
        product = make_product(category, price="10.00")
        db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("10"),
                          delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    save_lot_rules(db, "test", rnd.id, LotRules(merge_groups=[(toner.id, office.id, paper.id, more_office.id)]),
                   NATIONAL_PROCEDURES[0], expected_version=0)
    return rnd


def test_the_build_stores_main_and_additional_codes_distinct_in_category_order(db, world):
    result = build_lots(db, "test", world.id)

    assert [(lot.number, lot.cpv_code, lot.additional_cpv_codes) for lot in result.lots] == [
        ("1", "30192000-1", ("30197630-1", "30125100-2")), ("2", "39830000-9", ())]
    lots = get_plan(db, world.id).lots
    assert [(lot.cpv_code, lot.additional_cpv, lot.additional_cpv_codes) for lot in lots] == [
        ("30192000-1", "30197630-1 30125100-2", ["30197630-1", "30125100-2"]), ("39830000-9", "", [])]


def test_the_frozen_tender_and_its_documents_carry_every_code(db, world, tmp_path):
    build_lots(db, "test", world.id)
    tender = freeze_tender(db, "koordination@example.org", world.id, publication_date=date(2027, 2, 1),
                           submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN), now=NOW)

    assert [(lot["cpv_code"], lot["additional_cpv_codes"]) for lot in tender_json(tender)["lots"]] == [
        ("30192000-1", ["30197630-1", "30125100-2"]), ("39830000-9", [])]
    data = tender_document_data(db, tender, cooperative_name="Einkaufskooperation")
    assert data.lots[0].additional_cpv == (CpvEntry("30197630-1", "Druckpapier"),
                                           CpvEntry("30125100-2", "Tonerpatronen"))
    assert data.lots[1].additional_cpv == ()

    documents = generate_documents(db, "koordination@example.org", tender.id, str(tmp_path),
                                   cooperative_name="Einkaufskooperation", now=NOW)
    expected = "30192000-1–Bürobedarf(Haupt),weitere:30197630-1–Druckpapier,30125100-2–Tonerpatronen"
    for document in documents:
        if document.kind in (DocumentKind.BIDDER_PDF, DocumentKind.RECORD_PDF):
            content = staged_content(db, document)  # still under its temporary name until the commit
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
            assert expected in re.sub(r"\s+", "", text), document.kind
