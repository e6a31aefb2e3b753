"""A frozen tender with its price sheet, and filled copies of it (import with `from bids_support import ...`)."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from einkauf import BERLIN
from einkauf.exports.cells import put_text

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN)
BEFORE = datetime(2027, 3, 10, 9, 0, tzinfo=BERLIN)
AFTER = datetime(2027, 3, 11, 9, 0, tzinfo=BERLIN)
HOSTILE = '<script>alert(1)</script> =HYPERLINK("x")'


@pytest.fixture
def bid_tender(db, make_round, make_member, make_category, make_product):
    """A frozen tender: lot 1 (P-1, P-2), lot 2 (T-1); deadline 10.03.2027 12:00 German time."""
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.lots.services import build_lots
    from einkauf.tenders.services import freeze_tender

    rnd = make_round(closed=True)
    paper, ink = make_category(name="Papier", sort_order=1), make_category(name="Tinte", sort_order=2)
    a4 = make_product(paper, number="P-1", price="4.99", short_text="Kopierpapier A4")
    a3 = make_product(paper, number="P-2", price="9.50", short_text="Kopierpapier A3")
    cartridge = make_product(ink, number="T-1", price="40.00", short_text="Tintenpatrone schwarz")
    for k, name in enumerate(("Essen", "Bochum")):
        city = make_member(name=name)
        submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        for product, quantity in ((a4, f"{100 + k}.5"), (a3, "3.333"), (cartridge, str(k + 1))):
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal(quantity),
                              delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    return freeze_tender(db, "koordination@example.org", rnd.id, publication_date=date(2027, 2, 1),
                         submission_deadline=DEADLINE, now=NOW)


def price_sheet_of(db, tender) -> bytes:
    from einkauf.exports.price_sheet import build_price_sheet
    from einkauf.tenders.documents import tender_document_data

    return build_price_sheet(tender_document_data(db, tender, cooperative_name="Kooperation"), generated_at=NOW)


def fill(data: bytes, prices: dict, *, offered: dict | None = None, edit=None) -> bytes:
    """The price sheet with unit prices typed into the rows of the given keys ("1|P-1": value);
    `edit(workbook)` may change anything else before saving."""
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        if not ws.title.startswith("Los "):
            continue
        for row in ws.iter_rows(min_row=5):
            key = row[11].value
            if key in prices:
                row[8].value = prices[key]
            if offered and key in offered:
                put_text(row[10], offered[key])
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FULL = {"1|P-1": Decimal("2.35"), "1|P-2": Decimal("7.1234"), "2|T-1": Decimal("39.90")}
