"""An awarded tender with its frameworks and sales report files, for the call-off tests
(import with `from calloffs_support import ...`)."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import select

from einkauf.bids.award import award_lot
from einkauf.bids.models import Bid, LotAward
from einkauf.calloffs.frameworks import ensure_frameworks
from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.lots.models import LotPosition
from einkauf.rounds.models import Round
from einkauf.tenders.models import TenderLot

from bids_support import FULL
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of

START = date(2027, 5, 1)
SUPPLIER = "Papier Müller GmbH"


def _keys(prices: dict, code: str) -> dict:
    """Price sheet keys of a tender of bids_support.create_bid_tender(code=…): "1|P-1" → "1|RFW-P-1"."""
    if code == "BID":
        return prices
    return {f"{key.split('|')[0]}|{code}-{key.split('|')[1]}": value for key, value in prices.items()}


def award_both_lots(db, tender, make_user, code: str = "BID") -> dict[str, int]:
    """The bids_support tender with both lots awarded to Papier Müller GmbH; the bid ids by bidder."""
    ids = open_bids_of(db, tender, make_user, ((SUPPLIER, _keys(FULL, code)), ("Büro Schulz KG", _keys(DEARER, code))))
    award_lot(db, "test", tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    award_lot(db, "test", tender.id, "2", ids[SUPPLIER])
    return ids


def frameworks_of(db, tender, make_user, starts_on: date = START, code: str = "BID") -> dict[str, object]:
    """Both lots awarded, their frameworks created from `starts_on`: {lot number: framework}."""
    award_both_lots(db, tender, make_user, code)
    created = ensure_frameworks(db, "test", tender.id, starts_on=starts_on)
    return {fw_lot(db, f): f for f in created}


def fw_lot(db, framework) -> str:
    from einkauf.tenders.models import TenderLot

    return db.get(TenderLot, framework.tender_lot_id).number


def members(db) -> dict[str, object]:
    return cities_of(db)


HEADER = ["Mitglied", "Artikelnummer", "Artikelbezeichnung", "Menge", "Nettobetrag", "Gutschrift", "Lieferort",
          "Bestelldatum"]


def csv_bytes(rows, *, delimiter: str = ";", encoding: str = "utf-8", bom: bool = False,
              header=HEADER) -> bytes:
    """A CSV sales report of text rows (each a list of cells as written)."""
    lines = [delimiter.join(header)]
    for row in rows:
        lines.append(delimiter.join(f'"{c}"' if delimiter in c else c for c in row))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows, header=HEADER, edit=None) -> bytes:
    """An xlsx sales report with the rows as values (numbers as numbers where given so)."""
    book = Workbook()
    ws = book.active
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal_framework(db, make_user):
    """A second awarded tender (round "RFW") with its frameworks, for worlds of other tests;
    returns the framework of lot 1 and the members by city."""
    from sqlalchemy import select

    from einkauf.rounds.models import Member

    from bids_support import create_bid_tender

    tender = create_bid_tender(db, code="RFW")
    frameworks = frameworks_of(db, tender, make_user, code="RFW")
    cities = {m.name.split()[0]: m for m in db.scalars(select(Member).where(Member.name.like("% RFW")))}
    return frameworks["1"], cities


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
