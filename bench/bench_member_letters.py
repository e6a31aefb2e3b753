"""Benchmark of the members' award letters (issue 14, part 7): letters for 400 members × 40
lots of 50 positions each, generated one after the other in one process, against a plain
reportlab floor of the same tables measured in the same run; memory peak printed after a tenth,
half and all of the letters (it must stay flat: one letter at a time). Nothing is asserted.

    .venv/bin/python bench/bench_member_letters.py                       # 400 members × 40 × 50
    .venv/bin/python bench/bench_member_letters.py --members 40          # a quick look

Data (generated in memory, no database): per member 40 awarded lots of 50 positions, each lot
with a supplier (name, two address lines, e-mail, VAT id) and a contract date, positions with
article number and a short text of 30–60 characters, unit, awarded unit price (4 decimals), the
member's estimated and maximum quantities and its annual and term values; two cancelled lots
with a reason. The letter data is built here directly as einkauf.exports.pdf.award_letter
dataclasses (what einkauf.contracts.letters builds from the contract queries).

- **letter**: `build_award_letter` — letter head, intro, per lot the supplier facts and the
  positions table with its total row, cancelled lots, totals, page frame "Seite x von y".
- **floor**: the same position rows as plain strings (8 columns) in one `Table` per lot with a
  repeated header row and a one-command grid style, in a `SimpleDocTemplate` with the same
  embedded TTF font: what reportlab needs at least to put the tables on pages.

Full and floor alternate letter by letter, so that a load on the machine hits both alike.
"""
from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from einkauf.exports.pdf.award_letter import (
    POSITION_COLUMNS,
    AwardedLot,
    AwardLetter,
    CancelledLot,
    LetterPosition,
    build_award_letter,
)
from einkauf.exports.pdf.fonts import CONDENSED, register_fonts
from einkauf.formatting import format_money_de, format_number_de, format_quantity_de
from einkauf.lots.values import estimated_quantity, maximum_quantity

WORDS = ("Papier", "weiß", "holzfrei", "Recycling", "DIN", "A4", "80", "g/m²", "Kugelschreiber", "nachfüllbar",
         "Mine", "blau", "Ordner", "Rückenbreite", "Karton", "Laserdrucker", "Tintenpatrone", "schwarz", "rot",
         "Packung", "Stück", "Qualität", "Toner", "Heftklammern", "Textmarker", "Briefumschlag", "DL", "C4")
MONTHS = 48


def _sentence(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words).capitalize()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def make_letter(member: int, lots: int, positions: int) -> AwardLetter:
    rng = random.Random(member)
    awarded = []
    for n in range(1, lots + 1):
        rows = []
        for p in range(1, positions + 1):
            annual = Decimal(rng.randint(1, 500_000)) / 1000
            price = Decimal(rng.randint(5, 2_500_000)) / 10_000
            estimated = estimated_quantity(annual, MONTHS)
            annual_value = _cents(annual * price)
            rows.append(LetterPosition(
                number=p, product_number=f"A-{n:02d}-{p:05d}", short_text=_sentence(rng, rng.randint(30, 60)),
                unit=rng.choice(("Stück", "Packung (500 Blatt)", "Karton", "Liter")), unit_price=price,
                estimated_quantity=estimated, maximum_quantity=maximum_quantity(estimated, Decimal("20")),
                annual_value=annual_value, term_value=annual_value * 4))
        annual_total = sum((r.annual_value or Decimal(0) for r in rows), Decimal("0.00"))
        awarded.append(AwardedLot(
            number=str(n), title=f"Warengruppe {n}", supplier_name=f"Lieferant {n} GmbH & Co. KG",
            supplier_address=f"Industriestraße {n}\n{44000 + n} Dortmund", supplier_email=f"vertrieb{n}@example.org",
            supplier_vat_id=f"DE{123456000 + n}", contract_date=date(2027, 4, 1), positions=tuple(rows),
            annual_value=annual_total, term_value=annual_total * 4))
    return AwardLetter(
        cooperative_name="Einkaufskooperation NRW-Städte", cooperative_address="Friedensplatz 1\n44135 Dortmund",
        reference="EK-2027-001", title="Büromaterial 2027", member_name=f"Stadt Nummer {member}",
        member_ags=f"{5_000_000 + member:08d}", letter_date=date(2027, 4, 2), contract_term_months=24,
        extension_months=24, awarded=tuple(awarded),
        cancelled=(CancelledLot(str(lots + 1), "Toner", "Kein wirtschaftliches Angebot."),
                   CancelledLot(str(lots + 2), "Möbel", "Alle Angebote über dem Budget.")))


def letters(members: int, lots: int, positions: int) -> Iterator[AwardLetter]:
    for member in range(1, members + 1):
        yield make_letter(member, lots, positions)


def pdf_floor(letter: AwardLetter) -> bytes:
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    header = [h for h, _w in POSITION_COLUMNS]
    widths = [w for _h, w in POSITION_COLUMNS]
    style = TableStyle([("FONT", (0, 0), (-1, -1), CONDENSED, 7.5, 9), ("GRID", (0, 0), (-1, -1), 0.25, "grey"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
    story = []
    for lot in letter.awarded:
        rows = [[str(p.number), f"{p.product_number} {p.short_text}", p.unit,
                 format_number_de(p.unit_price or Decimal(0), 4) + " €", format_quantity_de(p.estimated_quantity),
                 format_quantity_de(p.maximum_quantity), format_money_de(p.annual_value or Decimal(0)),
                 format_money_de(p.term_value or Decimal(0))] for p in lot.positions]
        table = Table([header, *rows], colWidths=widths, repeatRows=1)
        table.setStyle(style)
        story.append(table)
    doc.build(story)
    return out.getvalue()


def peak_mib() -> float:
    """The process's peak resident memory so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--lots", type=int, default=40)
    parser.add_argument("--positions", type=int, default=50)
    args = parser.parse_args()
    print(f"einkauf award letters – Python {sys.version.split()[0]}: {args.members} members × {args.lots} lots × "
          f"{args.positions} positions")
    moment = datetime(2027, 4, 2, 8, tzinfo=UTC)
    full = floor = 0.0
    size = floor_size = 0
    checkpoints = {max(1, args.members // 10), max(1, args.members // 2), args.members}
    print(f"  peak memory before the first letter: {peak_mib():7.1f} MiB")
    for count, letter in enumerate(letters(args.members, args.lots, args.positions), start=1):
        start = time.perf_counter()
        size += len(build_award_letter(letter, generated_at=moment))  # the bytes are dropped: one at a time
        full += time.perf_counter() - start
        start = time.perf_counter()
        floor_size += len(pdf_floor(letter))
        floor += time.perf_counter() - start
        if count in checkpoints:
            print(f"  after {count:5d} letters: letters {full:8.2f} s, floor {floor:8.2f} s, "
                  f"peak memory {peak_mib():7.1f} MiB")
    print(f"  build_award_letter           {full:8.2f} s   {full / args.members * 1000:7.1f} ms/letter   "
          f"{size / args.members / 1024:7.1f} KiB/letter")
    print(f"  floor                        {floor:8.2f} s   {floor / args.members * 1000:7.1f} ms/letter   "
          f"{floor_size / args.members / 1024:7.1f} KiB/letter")
    print(f"  ratio (letters / floor)      {full / floor:8.2f}")


if __name__ == "__main__":
    main()
