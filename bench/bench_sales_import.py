"""Importing a 200,000-row sales report (issue 15 part 7): xlsx and CSV against their floors.

Generates its own data: a framework of one lot with 2,000 positions and 400 members taking part
(a migrated SQLite file in a temporary folder), and a month's report of 200,000 rows — members by
AGS, 95 % framework articles and 5 % off-contract ones, quantities and net amounts with decimals,
every 50th row a credit note, delivery sites and order dates — written once as xlsx (openpyxl
write-only) and once as CSV (`;`, decimal comma, UTF-8 with BOM).

- **import**: `einkauf.calloffs.reports.read_report_file` (raw checks, detection, every row checked)
  plus `import_sales_report` (members, articles, R6, bulk insert of the call-off rows, audit) and
  the commit — what `einkauf calloffs import` does after reading the file.
- **floor xlsx**: openpyxl read-only over the same bytes, every row's values (`iter_rows(values_only=True)`).
- **floor csv**: decoding the same bytes and `csv.reader` over every row.

Floor and import alternate; the best of the repetitions counts. It prints figures and ratios
(aim ≤ 2×); it asserts nothing.

    .venv/bin/python bench/bench_sales_import.py [--rows 200000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal

MEMBERS, POSITIONS = 400, 2_000
PERIOD = date(2027, 6, 1)


def build_world(url: str) -> int:
    """A migrated SQLite database with one framework; returns its id."""
    from sqlalchemy import insert

    from einkauf.bids.models import AwardOutcome, Bid, Bidder, LotAward
    from einkauf.calloffs.models import Framework
    from einkauf.catalogue.models import Category, CpvCode, Product, Unit
    from einkauf.db import make_engine, make_session_factory
    from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
    from einkauf.migrate import upgrade
    from einkauf.rounds.models import Member, Round
    from einkauf.tenders.models import Tender, TenderLot

    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        session.add_all([CpvCode(code="30192000-1", label="Büroartikel"), Unit(code="H87", label="Stück")])
        category = Category(name="Büromaterial", cpv_code="30192000-1")
        session.add(category)
        session.flush()
        session.execute(insert(Product), [
            {"category_id": category.id, "number": f"A-{i:05d}", "short_text": f"Artikel {i}", "unit_code": "H87",
             "reference_price": Decimal("1.00")} for i in range(1, POSITIONS + 1)])
        session.execute(insert(Member), [{"ags": f"{5900000 + i:08d}", "name": f"Stadt {i}"}
                                         for i in range(1, MEMBERS + 1)])
        rnd = Round(code="B", title="Bench", opens_on=date(2026, 9, 1), deadline=datetime(2026, 10, 1, tzinfo=UTC),
                    contract_term_months=24, extension_months=24, max_quantity_buffer_pct=Decimal("20"))
        session.add(rnd)
        session.flush()
        plan = LotPlan(round_id=rnd.id)
        session.add(plan)
        session.flush()
        lot = Lot(plan_id=plan.id, number="1", sort_key=1, title="Büromaterial", cpv_code="30192000-1")
        session.add(lot)
        session.flush()
        session.execute(insert(LotPosition), [
            {"plan_id": plan.id, "lot_id": lot.id, "product_id": i, "number": i, "product_number": f"A-{i:05d}",
             "short_text": f"Artikel {i}", "annual_quantity": Decimal(100), "estimated_quantity": Decimal(400),
             "maximum_quantity": Decimal(480), "reference_price": Decimal("1.00"), "estimated_value": Decimal(400)}
            for i in range(1, POSITIONS + 1)])
        session.execute(insert(Allocation), [
            {"position_id": 1 + m % POSITIONS, "demand_line_id": m, "member_id": m, "delivery_site_id": 0,
             "quantity": Decimal(1)} for m in range(1, MEMBERS + 1)])
        tender = Tender(reference="EK-B-01", round_id=rnd.id, plan_id=plan.id, title="Bench",
                        procedure="Offenes Verfahren (VgV)", eu_wide=True, national_procedure="UVgO",
                        threshold_amount=Decimal("216000.00"), threshold_valid_from=date(2026, 1, 1),
                        threshold_valid_to=date(2027, 12, 31), estimated_total=Decimal("0.00"),
                        publication_date=date(2027, 2, 1), submission_deadline=datetime(2027, 3, 8, 11, tzinfo=UTC))
        session.add(tender)
        session.flush()
        tender_lot = TenderLot(tender_id=tender.id, lot_id=lot.id, number="1", sort_key=1,
                               estimated_value=Decimal("0"), procedure="Offenes Verfahren (VgV)")
        bidder = Bidder(name="Bench Lieferant GmbH")
        session.add_all([tender_lot, bidder])
        session.flush()
        bid = Bid(tender_id=tender.id, bidder_id=bidder.id, received_at=datetime(2027, 3, 1, tzinfo=UTC))
        session.add(bid)
        session.flush()
        award = LotAward(tender_id=tender.id, tender_lot_id=tender_lot.id, outcome=AwardOutcome.AWARDED, bid_id=bid.id)
        session.add(award)
        session.flush()
        framework = Framework(tender_id=tender.id, tender_lot_id=tender_lot.id, award_id=award.id,
                              bidder_id=bidder.id, starts_on=date(2027, 5, 1), base_ends_on=date(2029, 4, 30))
        session.add(framework)
        session.commit()
        framework_id = framework.id
    engine.dispose()
    return framework_id


def report_rows(count: int) -> list[list]:
    rng = random.Random(15)
    rows = []
    for i in range(count):
        article = f"A-{rng.randint(1, POSITIONS):05d}" if rng.random() < 0.95 else f"X-{rng.randint(1, 500):04d}"
        credit = i % 50 == 49
        quantity = Decimal(rng.randint(1, 5000)).scaleb(-1)
        amount = (quantity * Decimal(rng.randint(50, 5000)).scaleb(-2)).quantize(Decimal("0.01"))
        rows.append([f"{5900000 + rng.randint(1, MEMBERS):08d}", article, f"Artikel {article}",
                     quantity, amount, "ja" if credit else "", f"Lieferstelle {rng.randint(1, 20)}",
                     date(2027, 6, 1 + i % 30)])
    return rows


HEADER = ["Mitglied", "Artikelnummer", "Artikelbezeichnung", "Menge", "Nettobetrag", "Gutschrift", "Lieferort",
          "Bestelldatum"]


def as_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("Umsatzmeldung")
    ws.append(HEADER)
    for row in rows:
        ws.append([row[0], row[1], row[2], float(row[3]), float(row[4]), row[5] or None, row[6], row[7]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row[0], row[1], row[2], str(row[3]).replace(".", ","), str(row[4]).replace(".", ","),
                         row[5], row[6], row[7].strftime("%d.%m.%Y")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def floor_xlsx(data: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    count = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return count


def floor_csv(data: bytes) -> int:
    text = data.decode("utf-8-sig")
    return sum(1 for _row in csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def run_import(url: str, framework_id: int, data: bytes) -> tuple[float, float, int]:
    from einkauf.calloffs.reports import import_sales_report, read_report_file
    from einkauf.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    parsed = read_report_file(data)
    parse = time.perf_counter() - started
    if not parsed.ok:
        raise SystemExit(f"refused: {[str(p) for p in parsed.problems[:3]]}")
    with factory() as session:
        outcome = import_sales_report(session, "bench", framework_id, PERIOD, data, parsed=parsed)
        session.commit()
    total = time.perf_counter() - started
    engine.dispose()
    return total, parse, outcome.rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rows = report_rows(args.rows)
    files = {"csv": as_csv(rows), "xlsx": as_xlsx(rows)}
    floors = {"csv": floor_csv, "xlsx": floor_xlsx}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
        framework_id = build_world(url)
        print(f"{args.rows:,} rows, {MEMBERS} members, {POSITIONS:,} positions; best of {args.repeat}")
        print("| format | file | floor | import (parse / total) | ratio |")
        print("|---|---|---|---|---|")
        for name, data in files.items():
            best_floor = best_total = best_parse = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                floors[name](data)
                best_floor = min(best_floor, time.perf_counter() - started)
                total, parse, stored = run_import(url, framework_id, data)
                best_total, best_parse = min(best_total, total), min(best_parse, parse)
            print(f"| {name} | {len(data) / 1e6:.1f} MB | {best_floor:.2f} s | {best_parse:.2f} s / {best_total:.2f} s "
                  f"({stored:,} rows) | {best_total / best_floor:.2f} |", flush=True)


if __name__ == "__main__":
    main()
