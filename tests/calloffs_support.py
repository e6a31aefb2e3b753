"""An awarded lot's framework with three months of sales reports, and the round after it, for
the call-off tests (import with `from calloffs_support import ...`)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from einkauf.bids.award import award_lot
from einkauf.bids.models import Bid, LotAward
from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.lots.models import LotPosition
from einkauf.rounds.models import Round
from einkauf.tenders.models import TenderLot

from bids_support import FULL
from contracts_support import CLARIFIED, cities_of, open_bids_of


def reported_framework(db, bid_tender, make_user):
    """Lot 1 (P-1, P-2) awarded; its framework with three months of reports: Essen called off
    30 + 30 + 30 P-1 with a credit note of 6 (84 in 3 months → 336 a year) and 1 P-2 (→ 4 a
    year); Bochum 500 P-1; Essen also bought an article outside the framework."""
    ids = open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", FULL),))
    award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    award = db.scalar(select(LotAward).join(TenderLot, TenderLot.id == LotAward.tender_lot_id)
                      .where(TenderLot.tender_id == bid_tender.id, TenderLot.number == "1"))
    framework = Framework(tender_id=bid_tender.id, tender_lot_id=award.tender_lot_id, award_id=award.id,
                          bidder_id=db.get(Bid, award.bid_id).bidder_id, starts_on=date(2027, 1, 1),
                          base_ends_on=date(2028, 12, 31))
    db.add(framework)
    db.flush()
    positions = {p.product_number: p.id for p in db.scalars(
        select(LotPosition).join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
        .where(TenderLot.id == award.tender_lot_id))}
    cities = cities_of(db)
    essen, bochum = cities["Essen"].id, cities["Bochum"].id
    rows = {1: [(essen, "P-1", "30"), (bochum, "P-1", "500"), (essen, None, "7")],
            2: [(essen, "P-1", "30"), (essen, "P-2", "1")],
            3: [(essen, "P-1", "30"), (essen, "P-1", "-6")]}
    for month, calls in rows.items():
        report = SalesReport(framework_id=framework.id, period=date(2027, month, 1), rows=len(calls))
        db.add(report)
        db.flush()
        for number, (member_id, article, quantity) in enumerate(calls, start=2):
            db.add(CallOff(report_id=report.id, framework_id=framework.id, period=report.period, member_id=member_id,
                           position_id=positions[article] if article else None, row_number=number,
                           article_number=article or "X-99", quantity=Decimal(quantity),
                           net_amount=Decimal(quantity) * 2, credit_note=quantity.startswith("-")))
    next_round = Round(code="NEXT", title="Bedarfsabfrage danach", opens_on=date(2027, 9, 1),
                       deadline=datetime(2027, 10, 1, 10, tzinfo=UTC), contract_term_months=24,
                       opened_at=datetime(2027, 9, 1, tzinfo=UTC))
    db.add(next_round)
    db.flush()
    return next_round, cities["Essen"], bid_tender
