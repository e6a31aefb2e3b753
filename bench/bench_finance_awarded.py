"""Benchmark of the finance export at awarded prices (issue 14, parts 3 and 7): the 1,000,000-line
round of bench_lots.py, its lots built and frozen into a tender whose lots are awarded (all but
two: one cancelled, one not decided), exported by `write_export` at awarded prices and at
estimated prices in the same run — the aim is at most 1.2 × the time of the estimated export.
Nothing is asserted.

    .venv/bin/python bench/bench_finance_awarded.py               # 400 members × 2,000 products
    .venv/bin/python bench/bench_finance_awarded.py --scale 0.1   # a tenth of the members
    .venv/bin/python bench/bench_finance_awarded.py --formats csv --repeat 3

The bids are written directly (one bidder per lot, a price for every position: the reference
price × 0.9 plus 0.0007 €, so that the awarded prices have four decimals); the award decisions as
LotAward rows. Each export runs in a forked child (bench_finance._child); exports alternate
(estimated, awarded, estimated, …) so that a load on the machine hits both alike; the best of
--repeat is compared.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_finance import _child, _export, built_round
from bench_lots import PRODUCTS
from sqlalchemy import BigInteger, insert, literal, select, type_coerce

from einkauf.berlin import BERLIN
from einkauf.bids.models import AwardOutcome, Bid, Bidder, BidLot, BidPrice, LotAward
from einkauf.lots.models import LotPosition
from einkauf.tenders.services import freeze_tender

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def award_all_but_two(session, round_id: int) -> None:
    """Freeze the round's plan into a tender and award every lot but the last two (cancelled, open)."""
    tender = freeze_tender(session, "bench", round_id, publication_date=date(2027, 2, 1),
                           submission_deadline=datetime(2027, 3, 10, 12, tzinfo=BERLIN), acknowledge_warnings=True,
                           now=NOW)
    lots = list(tender.lots)
    awarded = lots[:-2] if len(lots) > 2 else lots[:1]
    for index, tender_lot in enumerate(awarded):
        bidder = Bidder(name=f"Bench Lieferant {index + 1} GmbH", address="Hauptstr. 1\n44135 Dortmund")
        bid = Bid(tender_id=tender.id, bidder=bidder, received_at=NOW)
        bid_lot = BidLot(bid=bid, tender_lot_id=tender_lot.id, lot_number=tender_lot.number, sort_key=index)
        session.add_all([bidder, bid, bid_lot])
        session.flush()
        # reference price (cents) × 0.9 in 1/10,000 € = cents × 90, plus 7.
        price = type_coerce(LotPosition.reference_price, BigInteger) * literal(90, BigInteger) + literal(7, BigInteger)
        session.execute(insert(BidPrice).from_select(
            ["bid_lot_id", "position_id", "unit_price", "offered_product"],
            select(literal(bid_lot.id), LotPosition.id, price, literal(""))
            .where(LotPosition.lot_id == tender_lot.lot_id)))
        session.add(LotAward(tender_id=tender.id, tender_lot_id=tender_lot.id, outcome=AwardOutcome.AWARDED,
                             bid_id=bid.id, rank=1))
    if len(lots) > 2:
        session.add(LotAward(tender_id=tender.id, tender_lot_id=lots[-2].id, outcome=AwardOutcome.CANCELLED,
                             reason="Bench: aufgehoben"))
    print(f"  tender {tender.reference}: {len(awarded)} of {len(lots)} lots awarded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 400 members (default 1.0)")
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = built_round(folder, args.scale, args.products, then=award_all_but_two)
        for fmt in args.formats.split(","):
            best: dict[str, tuple] = {}
            for _ in range(args.repeat):
                for prices in ("estimated", "awarded"):
                    (elapsed, rows, size, net), rss = _child(_export, url, fmt, folder, prices)
                    if prices not in best or elapsed < best[prices][0]:
                        best[prices] = (elapsed, rows, size, net, rss)
            for prices, (elapsed, rows, size, net, rss) in best.items():
                print(f"  {fmt:4}  {prices:9}  {elapsed:7.2f} s  {rows / elapsed:10,.0f} rows/s  ({rows:,} rows, "
                      f"{size / 2**20:,.0f} MiB, net {net} €, peak RSS {rss[0]:,.0f} MiB, +{rss[1]:,.0f} MiB)")
            print(f"  {fmt:4}  ratio awarded / estimated {best['awarded'][0] / best['estimated'][0]:.2f}")


if __name__ == "__main__":
    main()
