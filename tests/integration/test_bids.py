"""Bids: import from the filled price sheet, sealed until the two-person opening, late bids,
checking, and the prices handed to the evaluation (issue 13; R15, R16), on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf import clock
from einkauf.audit.models import AuditEvent
from einkauf.bids import services
from einkauf.bids.models import LATE_REASON, Bid, BidLot, BidOpening, BidPrice, CheckDecision
from einkauf.errors import InvalidState, NotFound, StaleVersion, ValidationFailed

from bids_support import AFTER, BEFORE, DEADLINE, FULL, HOSTILE, fill, price_sheet_of


@pytest.fixture
def bidders(db):
    return [services.create_bidder(db, "test", name=name, address="Hauptstr. 1\n44135 Dortmund",
                                   vat_id="DE136695976", email=f"angebot@{slug}.example")
            for name, slug in (("Papier Müller GmbH", "mueller"), ("Büro Schulz KG", "schulz"),
                               (HOSTILE, "evil"))]


def _prices(db) -> int:
    return db.scalar(select(func.count()).select_from(BidPrice))


def test_import_stores_the_prices_and_the_same_file_twice_gives_the_same_state(db, bid_tender, bidders):
    sheet = fill(price_sheet_of(db, bid_tender), FULL, offered={"1|P-1": "=cmd Marke X"})
    with clock.fixed(BEFORE):
        bid, lots, count = services.import_bid(db, "test", bid_tender.reference, bidders[0].name, sheet,
                                               received_at=BEFORE - timedelta(hours=1))
        assert (lots, count, bid.late) == (2, 3, False)
        again, lots2, count2 = services.import_bid(db, "test", bid_tender.reference, bidders[0].name, sheet,
                                                   received_at=BEFORE - timedelta(hours=1))
    assert again.id == bid.id and (lots2, count2) == (2, 3)
    assert _prices(db) == 3 and db.scalar(select(func.count()).select_from(Bid)) == 1
    stored = sorted(db.execute(select(BidPrice.unit_price, BidPrice.offered_product)).all())
    assert stored == [(Decimal("2.3500"), "=cmd Marke X"), (Decimal("7.1234"), ""), (Decimal("39.9000"), "")]


def test_a_reimport_replaces_the_prices_until_the_opening(db, bid_tender, bidders, make_user):
    base = price_sheet_of(db, bid_tender)
    with clock.fixed(BEFORE):
        services.import_bid(db, "test", bid_tender.id, bidders[0].id, fill(base, FULL), received_at=BEFORE)
        services.import_bid(db, "test", bid_tender.id, bidders[0].id, fill(base, {"2|T-1": Decimal("38")}),
                            received_at=BEFORE)
    assert _prices(db) == 1 and db.scalar(select(BidLot.lot_number)) == "2"
    a, b = make_user("coordinator"), make_user("coordinator")
    with clock.fixed(AFTER):
        services.open_bids(db, a, b, bid_tender.id)
        with pytest.raises(InvalidState, match="unveränderlich"):
            services.import_bid(db, "test", bid_tender.id, bidders[0].id, fill(base, FULL), received_at=BEFORE)
    assert _prices(db) == 1


def test_nothing_about_a_price_is_in_the_audit_log(db, bid_tender, bidders):
    sheet = fill(price_sheet_of(db, bid_tender), {"1|P-1": Decimal("123.4567"), "1|P-2": 98765})
    with clock.fixed(BEFORE):
        services.import_bid(db, "test", bid_tender.id, bidders[0].id, sheet, received_at=BEFORE)
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action.like("bid%"))))
    assert events
    # the file's SHA-256 is hex and may contain any digits: everything else is searched
    text = json.dumps([(e.summary, e.before, {k: v for k, v in (e.after or {}).items() if k != "file_sha256"})
                       for e in events], ensure_ascii=False)
    assert all(len(e.after["file_sha256"]) == 64 for e in events if e.action.startswith("bid.imp"))
    for needle in ("123", "4567", "98765", "98.765"):
        assert needle not in text
    assert '"price_count": 2' in text


def test_opening_needs_the_deadline_and_two_different_coordinators(db, bid_tender, bidders, make_user):
    a, b = make_user("coordinator"), make_user("coordinator")
    officer = make_user("finance")
    with clock.fixed(BEFORE):
        services.import_bid(db, "test", bid_tender.id, bidders[0].id, fill(price_sheet_of(db, bid_tender), FULL),
                            received_at=BEFORE)
        with pytest.raises(InvalidState, match="Angebotsfrist läuft"):
            services.open_bids(db, a, b, bid_tender.id)
        with pytest.raises(InvalidState, match="verschlossen"):
            services.lot_prices(db, bid_tender, db.scalar(select(Bid)), bid_tender.lots[0].id)
        assert all(not lot.bids for lot in services.bid_prices_for_evaluation(db, bid_tender.id))
    with clock.fixed(AFTER):
        with pytest.raises(ValidationFailed, match="zwei verschiedene"):
            services.open_bids(db, a, a.email, bid_tender.id)
        with pytest.raises(ValidationFailed, match="kein aktiver Zugang der Koordination"):
            services.open_bids(db, a, officer, bid_tender.id)
        assert db.scalar(select(func.count()).select_from(BidOpening)) == 0
        opening = services.open_bids(db, a.email, b.email.upper(), bid_tender.reference)
        with pytest.raises(InvalidState, match="bereits"):
            services.open_bids(db, a, b, bid_tender.id)
    assert (opening.first_by_label, opening.second_by_label) == (a.email, b.email)
    assert opening.record["bid_count"] == 1 and opening.record["lots"] == {"1": 1, "2": 1}
    lines = services.opening_lines(opening, bid_tender)
    assert any("Papier Müller GmbH: Eingang 10.03.2027, 09:00 Uhr; Lose 1, 2; 3 Preise" in line for line in lines)


def test_a_late_bid_is_recorded_and_excluded_with_the_reason(db, bid_tender, bidders, make_user):
    sheet = fill(price_sheet_of(db, bid_tender), FULL)
    a, b = make_user("coordinator"), make_user("coordinator")
    with clock.fixed(AFTER):
        bid, _lots, _count = services.import_bid(db, "test", bid_tender.id, bidders[1].id, sheet,
                                                 received_at=DEADLINE + timedelta(minutes=1))
        services.import_bid(db, "test", bid_tender.id, bidders[0].id, sheet, received_at=DEADLINE)
        opening = services.open_bids(db, a, b, bid_tender.id)
        # after the opening a late bid can still be recorded (it is excluded anyway), an on-time one not
        late2, _l, _c = services.import_bid(db, "test", bid_tender.id, bidders[2].id, sheet, received_at=AFTER)
        with pytest.raises(InvalidState, match="unveränderlich"):
            services.record_bid(db, "test", bid_tender.id, "büro schulz kg", received_at=DEADLINE)  # existing bid
        services.create_bidder(db, "test", name="Neu AG")
        with pytest.raises(InvalidState, match="bereits geöffnet"):
            services.record_bid(db, "test", bid_tender.id, "Neu AG", received_at=DEADLINE)
    assert bid.late and all(lot.decision == CheckDecision.EXCLUDED and lot.reason_label == LATE_REASON
                            for lot in bid.lots)
    assert late2.late
    assert opening.record["late_count"] == 1
    assert any(f"ausgeschlossen: {LATE_REASON}" in line for line in services.opening_lines(opening, bid_tender))
    valid = services.bid_prices_for_evaluation(db, bid_tender.id)
    assert [[b.bidder_name for b in lot.bids] for lot in valid] == [["Papier Müller GmbH"], ["Papier Müller GmbH"]]
    with clock.fixed(AFTER), pytest.raises(ValidationFailed, match="verspätetes Angebot bleibt ausgeschlossen"):
        services.decide_bid_lot(db, "test", bid_tender.id, bid.id, bid.lots[0].id, decision="admitted",
                                gap_reason="egal egal", expected_version=bid.lots[0].version)


def test_checks_incomplete_lots_gap_reason_exclusion_and_stale_versions(db, bid_tender, bidders, make_user):
    sheet = fill(price_sheet_of(db, bid_tender), {"1|P-1": Decimal("2.35"), "2|T-1": 0})
    a, b = make_user("coordinator"), make_user("coordinator")
    with clock.fixed(BEFORE):
        bid, _l, _c = services.import_bid(db, "test", bid_tender.id, bidders[0].id, sheet, received_at=BEFORE)
    with clock.fixed(AFTER):
        services.open_bids(db, a, b, bid_tender.id)
        checks = services.bid_checks(db, bid_tender, bid)
        assert [(c.lot.number, c.complete, [m.product_number for m in c.missing]) for c in checks] == [
            ("1", False, ["P-2"]), ("2", True, [])]
        lot1 = checks[0].bid_lot
        with pytest.raises(ValidationFailed, match="fehlen 1 Preise"):
            services.decide_bid_lot(db, a, bid_tender.id, bid.id, lot1.id, decision="admitted",
                                    expected_version=lot1.version)
        with pytest.raises(ValidationFailed, match="sonstigen"):
            services.decide_bid_lot(db, a, bid_tender.id, bid.id, lot1.id, decision="excluded", reason_code="other",
                                    expected_version=lot1.version)
        done = services.decide_bid_lot(db, a, bid_tender.id, bid.id, lot1.id, decision="admitted",
                                       gap_reason="Position P-2 macht 0,1 % des Loswerts aus.",
                                       expected_version=1)
        assert done.version == 2 and done.decision == CheckDecision.ADMITTED
        with pytest.raises(StaleVersion):
            services.decide_bid_lot(db, a, bid_tender.id, bid.id, lot1.id, decision="excluded",
                                    reason_code="incomplete", expected_version=1)
        services.decide_bid_lot(db, a, bid_tender.id, bid.id, checks[1].bid_lot.id, decision="excluded",
                                reason_code="formal", expected_version=1)
        with pytest.raises(NotFound):
            services.decide_bid_lot(db, a, bid_tender.id + 1000, bid.id, lot1.id, decision="excluded",
                                    reason_code="formal", expected_version=2)
    evaluation = services.bid_prices_for_evaluation(db, bid_tender.id)
    lot1_eval, lot2_eval = evaluation
    assert [p.key for p in lot1_eval.positions] == ["1|P-1", "1|P-2"]
    assert lot1_eval.positions[0].oz == "1.001" and isinstance(lot1_eval.positions[0].estimated_quantity, Decimal)
    assert lot1_eval.bids[0].prices == {"1|P-1": Decimal("2.3500"), "1|P-2": None}
    assert lot1_eval.bids[0].gap_reason.startswith("Position P-2")
    assert lot2_eval.bids == ()  # excluded for a formal defect
    events = [e.summary for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "bid.check"))]
    assert len(events) == 2 and "Formfehler" in events[1]


def test_the_web_form_replaces_one_page_of_a_lot(db, bid_tender, bidders):
    with clock.fixed(BEFORE):
        bid = services.record_bid(db, "test", bid_tender.id, bidders[0].id, received_at=BEFORE)
        lot = services.tender_lots(db, bid_tender)[0]
        ids = [p.position_id for p in lot.positions]
        total = services.save_lot_prices(db, "test", bid_tender.id, bid.id, lot.tender_lot_id,
                                         {ids[0]: (Decimal("1.5"), "X"), ids[1]: (None, "")}, expected_version=1)
        assert total == 1
        with pytest.raises(StaleVersion):
            services.save_lot_prices(db, "test", bid_tender.id, bid.id, lot.tender_lot_id,
                                     {ids[0]: (Decimal("1.5"), "X")}, expected_version=1)
        with pytest.raises(ValidationFailed, match="nicht zu diesem Los"):
            other = services.tender_lots(db, bid_tender)[1].positions[0].position_id
            services.save_lot_prices(db, "test", bid_tender.id, bid.id, lot.tender_lot_id,
                                     {other: (Decimal("1"), "")}, expected_version=2)
        assert services.save_lot_prices(db, "test", bid_tender.id, bid.id, lot.tender_lot_id,
                                        {ids[0]: (None, "")}, expected_version=2) == 0
    assert db.scalar(select(func.count()).select_from(BidLot)) == 0


def test_bidder_names_are_unique_and_vat_ids_checked(db):
    services.create_bidder(db, "test", name="Alpha GmbH", vat_id="de 136 695 976")
    with pytest.raises(ValidationFailed, match="gibt es schon"):
        services.create_bidder(db, "test", name="  alpha   gmbh ")
    with pytest.raises(ValidationFailed, match="Prüfziffer"):
        services.create_bidder(db, "test", name="Beta", vat_id="DE136695977")
    with pytest.raises(ValidationFailed, match="Format"):
        services.create_bidder(db, "test", name="Gamma", vat_id="123456789")
    assert services.get_bidder(db, "ALPHA GMBH").vat_id == "DE136695976"
