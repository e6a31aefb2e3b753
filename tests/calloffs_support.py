"""An awarded tender with its frameworks and sales report files, for the call-off tests
(import with `from calloffs_support import ...`)."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from einkauf.bids.award import award_lot
from einkauf.calloffs.frameworks import ensure_frameworks

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
