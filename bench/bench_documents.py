"""Benchmark of the tender documents (issue 5, item 6): the Vergabeunterlagen PDF and the
Preisblatt xlsx for 10,000 positions (20 lots × 500 positions), each against a raw floor
measured in the same run. Nothing is asserted: machines differ; the ratio is what to watch.

    .venv/bin/python bench/bench_documents.py                  # 20 lots × 500 positions
    .venv/bin/python bench/bench_documents.py --lots 4 --positions 250 --repeat 2
    .venv/bin/python bench/bench_documents.py --only xlsx                      # only the Preisblatt

Data (generated here, no database): 20 lots, 500 positions each, 13 members with two delivery
sites each per lot; short texts of 30–60 characters, specifications of 100–600 characters
from a word list (every 50th position 3,000 characters, which the PDF cuts into the annex).

- **bidder PDF**: `build_bidder_pdf` — cover, contents, text blocks, per lot members, delivery
  sites and the Leistungsverzeichnis, annex.
- **PDF floor**: the same Leistungsverzeichnis rows as plain strings (the formatted OZ and
  article number, short text and specification, unit, three quantities) in `Table`s of 500
  rows with a repeated header row and a one-command grid style, in a `SimpleDocTemplate`
  with the same embedded TTF font: what reportlab needs at least to put the rows on pages.
- **price sheet**: `build_price_sheet` — styled, protected, validated, formulas.
- **xlsx floor**: openpyxl write-only rows of the same values (texts, Decimals, the formula
  strings) without styles, validations or protection.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from einkauf.exports.pdf.bidder import build_bidder_pdf
from einkauf.exports.pdf.fonts import CONDENSED, register_fonts
from einkauf.exports.price_sheet import build_price_sheet
from einkauf.exports.tender_data import (
    AwardCriterion,
    Beneficiary,
    DeliverySite,
    TenderDocument,
    TenderLot,
    TenderPosition,
    position_oz,
)
from einkauf.formatting import format_quantity_de
from einkauf.lots.values import estimated_quantity, maximum_quantity, position_estimated_value

UTC = UTC
CITIES = [("Aachen", "05334002"), ("Bielefeld", "05711000"), ("Bochum", "05911000"), ("Dortmund", "05913000"),
          ("Düsseldorf", "05111000"), ("Essen", "05113000"), ("Gelsenkirchen", "05513000"), ("Hagen", "05914000"),
          ("Hamm", "05915000"), ("Köln", "05315000"), ("Mülheim an der Ruhr", "05117000"), ("Münster", "05515000"),
          ("Wuppertal", "05124000")]
WORDS = ("Papier", "weiß", "holzfrei", "Recycling", "DIN", "A4", "80", "g/m²", "Blauer", "Engel", "zertifiziert",
         "Kugelschreiber", "nachfüllbar", "Mine", "blau", "Ordner", "Rückenbreite", "Hebelmechanik", "Karton",
         "mindestens", "höchstens", "geeignet", "für", "Laserdrucker", "Tintenstrahldrucker", "Kopierer",
         "lösemittelfrei", "Verpackung", "umweltfreundlich", "Lieferung", "frei", "Verwendungsstelle", "Größe",
         "Farbe", "schwarz", "rot", "grün", "Stärke", "Länge", "Breite", "Höhe", "Gewicht", "Stück", "je",
         "Packung", "Qualität", "gleichwertig", "Herstellerangabe", "Datenblatt", "beizufügen")


def _sentence(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words).capitalize() + "."


def make_tender(lots: int, positions: int) -> TenderDocument:
    rng = random.Random(2027)
    months = 48
    tender_lots = []
    for n in range(1, lots + 1):
        number = str(n)
        members = tuple(Beneficiary(name, ags) for name, ags in CITIES)
        sites = tuple(DeliverySite(f"{kind} {name}", f"{kind}straße {i}\n{44000 + i} {name}", name, ags)
                      for i, (name, ags) in enumerate(CITIES, start=1) for kind in ("Rathaus", "Schulamt"))
        rows = []
        for p in range(1, positions + 1):
            annual = Decimal(rng.randint(1, 5_000_000)) / 1000
            price = Decimal(rng.randint(5, 250_000)) / 100
            estimated = estimated_quantity(annual, months)
            spec_length = 3000 if p % 50 == 0 else rng.randint(100, 600)
            rows.append(TenderPosition(
                oz=position_oz(number, p, positions), product_number=f"A-{n:02d}-{p:05d}",
                short_text=_sentence(rng, rng.randint(30, 60)), specification=_sentence(rng, spec_length),
                unit=rng.choice(("Stück", "Packung (500 Blatt)", "Karton", "Liter")), annual_quantity=annual,
                estimated_quantity=estimated, maximum_quantity=maximum_quantity(estimated, Decimal("20")),
                reference_price=price, estimated_value=position_estimated_value(annual, price, months),
                delivery_site_count=rng.randint(1, 26)))
        tender_lots.append(TenderLot(
            number=number, title=f"Warengruppe {n}", cpv_code="30192000-1", cpv_label="Büroartikel",
            procedure="Offenes Verfahren (VgV)", small_lot_quota=False,
            estimated_value=sum((r.estimated_value for r in rows), Decimal("0.00")), members=members,
            positions=tuple(rows), delivery_sites=sites))
    return TenderDocument(
        cooperative_name="Einkaufskooperation NRW-Städte", cooperative_address="Friedensplatz 1\n44135 Dortmund",
        reference="EK-2027-001", title="Bench", procedure="Offenes Verfahren (VgV)", eu_wide=True,
        publication_date=date(2027, 2, 1), submission_deadline=datetime(2027, 3, 15, 11, tzinfo=UTC),
        contract_term_months=24, extension_months=24,
        award_criteria=(AwardCriterion("Preis", Decimal("100")),), lots=tuple(tender_lots),
        frozen_at=datetime(2027, 1, 20, 9, tzinfo=UTC), frozen_by="Bench",
        estimated_total=sum((lot.estimated_value for lot in tender_lots), Decimal("0.00")))


def pdf_floor(tender: TenderDocument) -> bytes:
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    header = ["OZ / Art.-Nr.", "Leistung", "Einheit", "Jahresmenge", "Menge Laufzeit", "Höchstmenge"]
    widths = [w * mm for w in (21, 77, 16, 19, 20, 21)]
    style = TableStyle([("FONT", (0, 0), (-1, -1), CONDENSED, 7.5, 9), ("GRID", (0, 0), (-1, -1), 0.25, "grey"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
    story = []
    for lot in tender.lots:
        rows = [[f"{p.oz}\n{p.product_number}", f"{p.short_text}\n{p.specification}", p.unit,
                 format_quantity_de(p.annual_quantity), format_quantity_de(p.estimated_quantity),
                 format_quantity_de(p.maximum_quantity)] for p in lot.positions]
        for start in range(0, len(rows), 500):
            table = Table([header, *rows[start:start + 500]], colWidths=widths, repeatRows=1)
            table.setStyle(style)
            story.append(table)
    doc.build(story)
    return out.getvalue()


def xlsx_floor(tender: TenderDocument) -> bytes:
    wb = Workbook(write_only=True)
    for lot in tender.lots:
        ws = wb.create_sheet(f"Los {lot.number}")
        ws.append(["OZ", "Artikel-Nr.", "Kurztext", "Leistungsbeschreibung", "Einheit", "Jahresmenge",
                   "Höchstmenge", "Menge", "Einheitspreis", "Positionspreis", "Produkt", "Schlüssel"])
        for row, p in enumerate(lot.positions, start=2):
            ws.append([p.oz, p.product_number, p.short_text, p.specification, p.unit, p.annual_quantity,
                       p.maximum_quantity, p.estimated_quantity, None,
                       f'=IF(I{row}="","",ROUND(H{row}*I{row},2))', None, f"{lot.number}|{p.product_number}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _time(fn) -> tuple[float, int]:
    start = time.perf_counter()
    size = len(fn())
    return time.perf_counter() - start, size


def _compare(label: str, full, floor, repeat: int) -> None:
    times, floors, size, floor_size = [], [], 0, 0
    for _ in range(repeat):  # alternate, so that a load on the machine hits both alike
        t, size = _time(full)
        times.append(t)
        t, floor_size = _time(floor)
        floors.append(t)
    best, best_floor = min(times), min(floors)
    print(f"  {label:<28} best {best:7.2f} s   median {statistics.median(times):7.2f} s   "
          f"{size / 1024 / 1024:6.1f} MiB")
    print(f"  {'floor':<28} best {best_floor:7.2f} s   median {statistics.median(floors):7.2f} s   "
          f"{floor_size / 1024 / 1024:6.1f} MiB")
    print(f"  ratio (best / best floor)     {best / best_floor:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("pdf", "xlsx"), help="run only one of the two documents")
    args = parser.parse_args()
    print(f"einkauf document benchmarks – Python {sys.version.split()[0]}")
    tender = make_tender(args.lots, args.positions)
    moment = datetime(2027, 1, 21, 8, tzinfo=UTC)
    if args.only in (None, "pdf"):
        print(f"Vergabeunterlagen (PDF): {args.lots} lots × {args.positions} positions")
        _compare("build_bidder_pdf", lambda: build_bidder_pdf(tender, generated_at=moment),
                 lambda: pdf_floor(tender), args.repeat)
    if args.only in (None, "xlsx"):
        print(f"Preisblatt (xlsx): {args.lots} lots × {args.positions} positions")
        _compare("build_price_sheet", lambda: build_price_sheet(tender, generated_at=moment),
                 lambda: xlsx_floor(tender), args.repeat)


if __name__ == "__main__":
    main()
