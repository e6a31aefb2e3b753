"""Benchmark of the Vergabevermerk with its award part (issue 13, parts 4 and 7): the record PDF of a
tender of 20 lots × 500 positions after the opening of 8 bids per lot, with the Preisspiegel per lot
as a landscape annex (bidder columns split over table parts), against a raw floor measured in the
same run. Nothing is asserted: machines differ; the ratio is what to watch.

    .venv/bin/python bench/bench_record_award.py
    .venv/bin/python bench/bench_record_award.py --lots 4 --positions 250 --bids 5 --repeat 2

Data (generated here, no database): the tender of bench_documents.py (20 lots × 500 positions) and
the bids of bench_evaluate.py for the same lot numbers (seeded; per lot one incomplete, one
excluded and one abnormally low bid), evaluated once before the timers (`evaluate_tender`); the
award part built from it by `einkauf.bids.record.award_record` with an opening of every bid, a
check per bid and lot and an award per lot.

- **record**: `build_record_pdf` of the tender without the award part (as before the opening) and
  with it; the difference is what the award part costs (opening, checks, summary, scoring,
  decisions, and the annex: per lot and part of 4 bidders 500 rows of OZ, text, unit, quantity,
  estimated price and per bidder unit price with marks and position total).
- **floor**: the annex's rows as plain strings (formatted with einkauf.formatting, not wrapped) in
  `Table`s with a repeated header row and a one-command grid style, on landscape pages of a
  `SimpleDocTemplate` with the same embedded TTF font: what reportlab needs at least to put the
  Preisspiegel on pages.
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import make_tender
from bench_evaluate import make_lots
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from einkauf.bids.evaluation import Scoring, TenderEvaluation, evaluate_tender
from einkauf.bids.record import award_record
from einkauf.exports import tender_data as td
from einkauf.exports.pdf.fonts import CONDENSED, register_fonts
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.exports.pdf.record_award import ANNEX_FIXED, ANNEX_PRICE_WIDTH, ANNEX_TOTAL_WIDTH, BIDDERS_PER_PART
from einkauf.formatting import format_money_de, format_price_de, format_quantity_de

OPENED = datetime(2027, 3, 15, 12, tzinfo=UTC)


def make_award(evaluation: TenderEvaluation) -> td.AwardRecord:
    bidders = sorted({bid.bidder for lot in evaluation.lots for bid in lot.bids})
    opening = td.OpeningRecord(
        opened_at=OPENED, opened_by=("erste@einkauf.example", "zweite@einkauf.example"),
        bids=tuple(td.OpenedBid(name, OPENED - timedelta(days=1), False,
                                tuple(lot.lot.number for lot in evaluation.lots),
                                len(evaluation.lots) * len(evaluation.lots[0].rows)) for name in bidders))
    checks = tuple(td.BidLotCheck(bid.bidder, lot.lot.number, "admitted" if bid.valid else "excluded",
                                  missing=tuple(lot.rows[i].position.oz for i, c in enumerate(
                                      row.cells[k] for row in lot.rows) if c.unit_price is None),
                                  reason="" if bid.valid else "Formfehler (§ 57 Abs. 1 VgV)",
                                  gap_reason="Unwesentlich: wenige Positionen" if bid.valid and bid.missing else "",
                                  checked_at=OPENED, checked_by="erste@einkauf.example")
                   for lot in evaluation.lots for k, bid in enumerate(lot.bids))
    decisions = tuple(td.LotDecision(lot.lot.number, "awarded", OPENED + timedelta(days=2), "erste@einkauf.example",
                                     bidder=lot.ranking[0].bidder, lot_total=lot.ranking[0].total, rank=1,
                                     clarification="Aufklärung liegt vor." if lot.ranking[0].abnormally_low else "")
                      for lot in evaluation.lots if lot.ranking)
    return award_record(evaluation, opening, checks, decisions)


def floor(award: td.AwardRecord) -> bytes:
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=18 * mm, rightMargin=18 * mm)
    style = TableStyle([("FONT", (0, 0), (-1, -1), CONDENSED, 7.5, 9), ("GRID", (0, 0), (-1, -1), 0.25, "grey"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
    story = []
    for matrix in award.matrices:
        fixed = [[row.oz, row.label, row.unit, format_quantity_de(row.quantity),
                  format_price_de(row.estimated_price) if row.estimated_price is not None else "–"]
                 for row in matrix.rows]
        for start in range(0, len(matrix.bidders), BIDDERS_PER_PART):
            columns = range(start, min(start + BIDDERS_PER_PART, len(matrix.bidders)))
            header = [h for h, _w in ANNEX_FIXED] + [v for c in columns for v in (matrix.bidders[c], "")]
            widths = [w for _h, w in ANNEX_FIXED] + [w for _c in columns for w in (ANNEX_PRICE_WIDTH,
                                                                                     ANNEX_TOTAL_WIDTH)]
            rows = [header]
            for base, row in zip(fixed, matrix.rows, strict=True):
                line = list(base)
                for c in columns:
                    unit, total, _lowest, _outlier = row.cells[c]
                    line += ["–" if unit is None else format_price_de(unit),
                             "–" if total is None else format_money_de(total)]
                rows.append(line)
            rows.append(["Losgesamtsumme", "", "", "", ""] + [v for c in columns
                                                              for v in ("", format_money_de(matrix.totals[c]))])
            table = Table(rows, colWidths=widths, repeatRows=1)
            table.setStyle(style)
            story.append(table)
    doc.build(story)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--bids", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import reportlab

    tender = make_tender(args.lots, args.positions)
    evaluation = evaluate_tender(make_lots(args.lots, args.positions, args.bids), Scoring())
    award = make_award(evaluation)
    opened = replace(tender, award=award)
    print(f"Python {sys.version.split()[0]}, reportlab {reportlab.Version}; {args.lots} lots × {args.positions} "
          f"positions × {args.bids} bids")
    build_record_pdf(make_tender(1, 1), generated_at=OPENED)  # warm-up: fonts, caches (not timed)
    before, after, raw = [], [], []
    sizes = [0, 0, 0]
    pages = 0
    for _ in range(args.repeat):  # alternating, so that a load on the machine hits all alike
        started = time.perf_counter()
        sizes[0] = len(build_record_pdf(tender, generated_at=OPENED))
        before.append(time.perf_counter() - started)
        started = time.perf_counter()
        content = build_record_pdf(opened, generated_at=OPENED)
        after.append(time.perf_counter() - started)
        sizes[1] = len(content)
        pages = len(re.findall(rb"/Type /Page\b(?!s)", content))
        started = time.perf_counter()
        sizes[2] = len(floor(award))
        raw.append(time.perf_counter() - started)
    part = min(after) - min(before)
    print(f"  record without award part  best {min(before):6.2f} s  median {statistics.median(before):6.2f} s  "
          f"({sizes[0] / 2**20:.1f} MiB)")
    print(f"  record with award part     best {min(after):6.2f} s  median {statistics.median(after):6.2f} s  "
          f"({sizes[1] / 2**20:.1f} MiB, {pages} pages)")
    print(f"  award part (difference)    best {part:6.2f} s")
    print(f"  floor (annex tables)       best {min(raw):6.2f} s  median {statistics.median(raw):6.2f} s  "
          f"({sizes[2] / 2**20:.1f} MiB)   ratio award part / floor {part / min(raw):.2f}")


if __name__ == "__main__":
    main()
