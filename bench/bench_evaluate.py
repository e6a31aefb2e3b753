"""Benchmark of the bid evaluation (issue 13, item 10): evaluating a tender of 20 lots × 500
positions with 8 bids per lot (`evaluate_tender`: every position total rounded once, lot totals,
lowest prices, medians and outliers, completeness, ranking, abnormally low checks, the summary),
next to a raw floor measured in the same run. Nothing is asserted: machines differ; the ratio
is what to watch (the aim is an absolute figure under 1 s).

    .venv/bin/python bench/bench_evaluate.py
    .venv/bin/python bench/bench_evaluate.py --lots 4 --positions 250 --bids 5 --repeat 3
    .venv/bin/python bench/bench_evaluate.py --quality            # price 70 %, quality 30 %

Data (generated here, no database, seeded): quantities over the term with up to three decimals,
unit prices with up to four decimals around an estimated price; one bid per lot misses 1 % of
its prices (incomplete), one is excluded, one is about 25 % cheaper (abnormally low).

- **evaluate**: `evaluate_tender` on the prepared `LotInput`s (the inputs the bids services
  build from the database; loading them is not part of this figure).
- **floor**: the arithmetic any evaluation must do, in plain Python over the same Decimals:
  per bid and position quantity × price quantized half-up to cents, summed per bid and lot,
  and the lot totals sorted — no matrix, no flags, no scoring.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from einkauf.bids.evaluation import LotBid, LotInput, PositionInput, Scoring, evaluate_tender

CENT = Decimal("0.01")
BIDDERS = ("Bürowelt GmbH", "Papier & Co. KG", "Office Direkt AG", "Schreibwaren Müller e. K.", "Rheinland Büro GmbH",
           "Westfalen Papier OHG", "Lieferprofi GmbH", "Ruhr Office Service GmbH", "Niederrhein Handel GmbH",
           "Sauerland Bedarf KG")


def make_lots(lots: int, positions: int, bids: int, seed: int = 13) -> list[LotInput]:
    rnd = random.Random(seed)
    result = []
    for number in range(1, lots + 1):
        rows = []
        for p in range(positions):
            quantity = Decimal(rnd.randint(1, 5_000_000)).scaleb(-3)
            estimate = Decimal(rnd.randint(10, 2_500_000)).scaleb(-4)
            rows.append(PositionInput(f"{number}-{p}", f"{number}.{p + 1}", f"Artikel {number}.{p + 1}", "Stück",
                                      quantity, estimate))
        lot_bids = []
        for b in range(bids):
            factor = Decimal("0.75") if b == 2 else Decimal(rnd.randint(85, 130)) / 100
            prices: dict[str, Decimal | None] = {}
            for row in rows:
                jitter = Decimal(rnd.randint(9_000, 11_000)) / 10_000
                prices[row.key] = (row.estimated_price * factor * jitter).quantize(Decimal("0.0001"))
            if b == 1:
                for row in rows[:: 100]:
                    prices[row.key] = None
            lot_bids.append(LotBid(b + 1, BIDDERS[b % len(BIDDERS)], prices,
                                   excluded_reason="Formfehler" if b == 3 else None,
                                   quality={"Qualität": Decimal(rnd.randint(40, 100))}))
        result.append(LotInput(str(number), f"Los {number}", tuple(rows), tuple(lot_bids)))
    return result


def floor(lots: list[LotInput]) -> list[list[Decimal]]:
    out = []
    for lot in lots:
        totals = []
        for bid in lot.bids:
            prices = bid.prices
            total = Decimal(0)
            for position in lot.positions:
                price = prices.get(position.key)
                if price is not None:
                    total += (position.quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
            totals.append(total)
        totals.sort()
        out.append(totals)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--bids", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quality", action="store_true", help="price 70 %% and quality 30 %%")
    args = parser.parse_args()
    scoring = (Scoring(criteria=(("Preis", Decimal(70)), ("Qualität", Decimal(30)))) if args.quality else Scoring())
    lots = make_lots(args.lots, args.positions, args.bids)
    print(f"Python {sys.version.split()[0]}; {args.lots} lots × {args.positions} positions × {args.bids} bids "
          f"= {args.lots * args.positions * args.bids:,} prices; criteria "
          f"{', '.join(f'{n} {w}' for n, w in scoring.criteria)}")
    full, raw = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        evaluation = evaluate_tender(lots, scoring)
        full.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor(lots)
        raw.append(time.perf_counter() - started)
    flagged = sum(row.abnormally_low for row in evaluation.summary)
    print(f"  evaluate  best {min(full) * 1000:7.0f} ms  median {statistics.median(full) * 1000:7.0f} ms  "
          f"(first-ranked total {evaluation.first_total} €, {flagged} abnormally low bids)")
    print(f"  floor     best {min(raw) * 1000:7.0f} ms  median {statistics.median(raw) * 1000:7.0f} ms   "
          f"ratio {min(full) / min(raw):.2f}")


if __name__ == "__main__":
    main()
