"""Benchmark of the call-off monitoring (issue 15, parts 3 and 7): the 1,000,000-line round of
bench_lots.py (400 members × 2,000 products), its lots built, frozen and awarded (bench_finance_awarded),
a framework per awarded lot and six months of sales reports: one call-off row per member,
position and month — 400 × 2,000 × 6 ≈ 4,800,000 rows at full scale. Times the monitoring of the
tender (`einkauf.calloffs.monitoring.tender_monitoring`: every position in total and per member,
levels, overcharges, off-contract) against a raw floor of the same run: one
`SELECT framework_id, position_id, member_id, sum(quantity), sum(net_amount) … GROUP BY` over all
call-off rows, fetched. The aim is at most 3 × the floor. Nothing is asserted.

    .venv/bin/python bench/bench_calloff_status.py               # 400 members
    .venv/bin/python bench/bench_calloff_status.py --scale 0.1   # 40 members

The call-off rows are written in SQL (INSERT … SELECT over the allocations): a twelfth of the
member's annual quantity per month, every seventh member 5 cents above the awarded price (an
overcharge), so that the monitoring has warnings to sort.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_finance import built_round
from bench_finance_awarded import award_all_but_two
from bench_lots import PRODUCTS
from sqlalchemy import BigInteger, func, insert, literal, select, text, type_coerce

from einkauf.bids.models import Bid, BidLot, BidPrice, LotAward
from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.calloffs.monitoring import tender_monitoring
from einkauf.calloffs.terms import add_months, term_end
from einkauf.db import make_engine, make_session_factory, session_scope, write_intent
from einkauf.lots.models import Allocation, LotPosition
from einkauf.tenders.models import Tender, TenderLot

START = date(2027, 1, 1)
PERIODS = 6


def _big(column):
    return type_coerce(column, BigInteger)


def add_call_offs(session, round_id: int) -> None:
    """Award the lots (bench_finance_awarded), then a framework per awarded lot and six months of
    call-offs written in SQL."""
    award_all_but_two(session, round_id)
    tender = session.scalar(select(Tender).where(Tender.round_id == round_id))
    started = time.perf_counter()
    for award in session.scalars(select(LotAward).where(LotAward.tender_id == tender.id,
                                                        LotAward.bid_id.is_not(None))):
        bid = session.get(Bid, award.bid_id)
        framework = Framework(tender_id=tender.id, tender_lot_id=award.tender_lot_id, award_id=award.id,
                              bidder_id=bid.bidder_id, starts_on=START, base_ends_on=term_end(START, 24))
        session.add(framework)
        session.flush()
        lot_id = session.get(TenderLot, award.tender_lot_id).lot_id
        for month in range(PERIODS):
            period = add_months(START, month)
            report = SalesReport(framework_id=framework.id, period=period)
            session.add(report)
            session.flush()
            quantity = func.sum(_big(Allocation.quantity)) / literal(12, BigInteger)
            price = (select(BidPrice.unit_price).join(BidLot, BidLot.id == BidPrice.bid_lot_id)
                     .where(BidLot.bid_id == award.bid_id, BidPrice.position_id == Allocation.position_id)
                     .scalar_subquery())
            # cents = thousandths × 1/10,000 € ÷ 100,000; every seventh member 5 cents more.
            net = (quantity * _big(price)) / literal(100_000, BigInteger) + \
                (Allocation.member_id % literal(7, BigInteger) == 0).cast(BigInteger) * literal(5, BigInteger)
            session.execute(insert(CallOff).from_select(
                ["report_id", "framework_id", "period", "member_id", "position_id", "row_number", "article_number",
                 "article_text", "quantity", "net_amount", "credit_note", "delivery_site"],
                select(literal(report.id), literal(framework.id), literal(period), Allocation.member_id,
                       Allocation.position_id, literal(0), literal(""), literal(""), quantity, net, literal(False),
                       literal(""))
                .join(LotPosition, LotPosition.id == Allocation.position_id)
                .where(LotPosition.lot_id == lot_id)
                .group_by(Allocation.member_id, Allocation.position_id)))
    rows = session.scalar(select(func.count()).select_from(CallOff))
    print(f"  call-offs: {rows:,} rows in {PERIODS} months written in {time.perf_counter() - started:.1f} s")


def _floor(factory) -> tuple[float, int]:
    with session_scope(factory) as session:
        started = time.perf_counter()
        rows = session.execute(text(
            "SELECT framework_id, position_id, member_id, sum(quantity), sum(net_amount) FROM call_offs "
            "GROUP BY framework_id, position_id, member_id")).fetchall()
        return time.perf_counter() - started, len(rows)


def _monitoring(factory, tender_id: int) -> tuple[float, int, int]:
    with session_scope(factory) as session:
        started = time.perf_counter()
        monitoring = tender_monitoring(session, tender_id, today=date(2027, 6, 30))
        elapsed = time.perf_counter() - started
        member_rows = sum(len(p.members) for f in monitoring.frameworks for p in f.positions)
        return elapsed, member_rows, len(monitoring.warnings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 400 members (default 1.0)")
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = built_round(folder, args.scale, args.products, then=add_call_offs)
        factory = make_session_factory(make_engine(url))
        write_intent.set(False)
        with session_scope(factory) as session:
            tender_id = session.scalar(select(Tender.id))
        best_floor = best_run = float("inf")
        for _ in range(args.repeat):
            floor, groups = _floor(factory)
            run, member_rows, warnings = _monitoring(factory, tender_id)
            best_floor, best_run = min(best_floor, floor), min(best_run, run)
        print(f"  floor (GROUP BY, fetched)  {best_floor:7.2f} s  ({groups:,} groups)")
        print(f"  tender_monitoring          {best_run:7.2f} s  ({member_rows:,} member rows, {warnings:,} warnings)")
        print(f"  ratio monitoring / floor   {best_run / best_floor:.2f}")


if __name__ == "__main__":
    main()
