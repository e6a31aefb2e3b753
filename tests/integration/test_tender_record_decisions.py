"""The decisions taken at the freeze reach the documents (issue 10, items 3 and 4), on SQLite and
PostgreSQL: the stored deadlines, warning, justification, scoring formula and the lot rules of the
frozen plan in the Vergabevermerk; question deadline and contracting authority in the bidder PDF."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.rules import LotRules
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, save_lot_rules
from einkauf.rounds.timing import BERLIN
from einkauf.tenders.documents import generate_documents, staged_content, tender_document_data
from einkauf.tenders.models import DocumentKind
from einkauf.tenders.services import freeze_tender

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLISH = date(2027, 2, 27)  # + 30 days = Easter Monday 29.03.2027
JUSTIFICATION = "Dringlichkeit: die bisherigen Rahmenverträge der Mitglieder enden am 31.03.2027."
AUTHORITY, ADDRESS = "Einkaufskooperation Ruhr", "Vergabestelle\nBeispielweg 7\n45127 Essen"


@pytest.fixture
def frozen(db, make_round, make_member, make_category, make_product):
    """An EU-wide tender (200.000 € furniture; paper and ink merged; pens left out), frozen with a
    deadline at 18:00 on Easter Monday, the 30th day: short by the calendar."""
    rnd = make_round(closed=True)
    furniture, paper, ink, pens = (make_category(name=n, sort_order=i)
                                   for i, n in enumerate(("Möbel", "Papier", "Tinte", "Stifte")))
    desk = make_product(furniture, number="M-1", price="500.00", short_text="Schreibtisch")
    a4 = make_product(paper, number="P-1", price="5.00", short_text="Kopierpapier A4")
    cartridge = make_product(ink, number="T-1", price="40.00", short_text="Tintenpatrone")
    pen = make_product(pens, number="S-1", price="1.00", short_text="Kugelschreiber blau")
    city = make_member(name="Essen")
    submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    for product, quantity in ((desk, "100"), (a4, "1000"), (cartridge, "100"), (pen, "50")):
        db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal(quantity),
                          delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    save_lot_rules(db, "test", rnd.id, LotRules(merge_groups=((paper.id, ink.id),),
                                                excluded_products=frozenset({pen.id})),
                   NATIONAL_PROCEDURES[0], expected_version=0)
    build_lots(db, "test", rnd.id)
    return freeze_tender(db, "kira@example.org", rnd.id, publication_date=PUBLISH,
                         submission_deadline=datetime(2027, 3, 29, 18, 0, tzinfo=BERLIN),
                         award_criteria=[("Preis", Decimal("60")), ("Qualität", Decimal("40"))],
                         acknowledge_warnings=True, deadline_justification=JUSTIFICATION, now=NOW)


def squashed(content: bytes, first_page_only: bool = False) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", "", "\n".join(p.extract_text() for p in (pages[:1] if first_page_only else pages)))


def s(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_frozen_decisions_are_stored_and_read_into_the_document_data(db, frozen):
    assert frozen.eu_wide and frozen.minimum_period_days == 30
    assert frozen.minimum_period_last_day == date(2027, 3, 30)  # Easter Monday moves the end
    assert "Ostermontag" in frozen.warnings
    data = tender_document_data(db, frozen, cooperative_name=AUTHORITY, cooperative_address=ADDRESS)
    assert data.deadline_justification == JUSTIFICATION and data.deadline_warnings == tuple(frozen.warning_list)
    assert data.question_deadline == frozen.question_deadline and data.electronic_submission
    assert "Preispunkte (Preis, höchstens 60 Punkte)" in data.scoring_formula
    assert "Zusammengelegte Warengruppen (ein gemeinsames Fachlos): Papier, Tinte." in data.lot_rules
    assert any("S-1 Kugelschreiber blau" in rule for rule in data.lot_rules)


def test_the_generated_documents_carry_the_decisions(db, frozen, tmp_path):
    documents = {d.kind: staged_content(db, d) for d in generate_documents(
        db, "kira@example.org", frozen.id, tmp_path, cooperative_name=AUTHORITY, cooperative_address=ADDRESS,
        now=NOW)}
    record = squashed(documents[DocumentKind.RECORD_PDF])
    for expected in (JUSTIFICATION, "Ostermontag", "Dienstag, 30.03.2027, 24:00 Uhr", "29.03.2027, 18:00 Uhr",
                     "Frist für Bieterfragen", "zur Kenntnis genommen", "Preispunkte (Preis, höchstens 60 Punkte)",
                     "Papier, Tinte", "S-1 Kugelschreiber blau", "kira@example.org", "Ausgewählte Lose"):
        assert s(expected) in record, expected
    questions = frozen.question_deadline.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")
    assert s(f"Frist für Bieterfragen{questions}") in record
    cover = squashed(documents[DocumentKind.BIDDER_PDF], first_page_only=True)
    assert s(f"Öffentlicher Auftraggeber{AUTHORITY}") in cover and s("Beispielweg 7 45127 Essen") in cover
    assert s(f"Frist für Bieterfragen{questions}") in cover
    bidder = squashed(documents[DocumentKind.BIDDER_PDF])
    assert s("Preispunkte (Preis, höchstens 60 Punkte)") in bidder
    assert s(JUSTIFICATION) not in bidder and s("Kugelschreiber") not in bidder


def test_a_paper_tender_says_so_in_the_default_invitation_and_has_no_justification(db, frozen, tmp_path):
    from einkauf.tenders.services import cancel_tender

    cancel_tender(db, "kira@example.org", frozen.id, "Papierangebote zulassen", now=NOW)
    build_lots(db, "test", frozen.round_id)
    paper = freeze_tender(db, "kira@example.org", frozen.round_id, publication_date=PUBLISH,
                          submission_deadline=datetime(2027, 4, 6, 12, 0, tzinfo=BERLIN), electronic_submission=False,
                          now=NOW)
    assert paper.warning_list == [] and paper.deadline_justification == ""
    # Day 35 is Saturday 03.04.2027: the minimum period ends with Monday 05.04.2027.
    assert paper.minimum_period_days == 35 and paper.minimum_period_last_day == date(2027, 4, 5)
    documents = {d.kind: staged_content(db, d) for d in generate_documents(
        db, "kira@example.org", paper.id, tmp_path, cooperative_name=AUTHORITY, now=NOW)}
    bidder = squashed(documents[DocumentKind.BIDDER_PDF])
    assert s("schriftlich auf Papier, unterschrieben") in bidder and s("ausschließlich elektronisch") not in bidder
    record = squashed(documents[DocumentKind.RECORD_PDF])
    assert s("Frist ausreichend") in record and s("35 Tage (§ 15 Abs. 2 VgV)") in record


def test_a_tender_frozen_before_the_minimum_period_was_stored_still_gets_it_in_the_record(db, frozen):
    frozen.minimum_period_days = frozen.minimum_period_end = None  # as the migration leaves older tenders
    db.flush()
    data = tender_document_data(db, frozen, cooperative_name=AUTHORITY)
    assert data.minimum_period_days == 30
    assert data.minimum_period_end == datetime(2027, 3, 31, 0, 0, tzinfo=BERLIN)
