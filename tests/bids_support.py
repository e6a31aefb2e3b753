"""A frozen tender with its price sheet, and filled copies of it (import with `from bids_support import ...`)."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from einkauf.berlin import BERLIN
from einkauf.cells import put_text

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN)
BEFORE = datetime(2027, 3, 10, 9, 0, tzinfo=BERLIN)
AFTER = datetime(2027, 3, 11, 9, 0, tzinfo=BERLIN)
HOSTILE = '<script>alert(1)</script> =HYPERLINK("x")'


@pytest.fixture
def bid_tender(db):
    """A frozen tender: lot 1 (P-1, P-2), lot 2 (T-1); deadline 10.03.2027 12:00 German time."""
    return create_bid_tender(db)


def create_bid_tender(db, code: str = "BID", award_criteria=None):
    """The frozen tender of `bid_tender` in any session (also the command line's database);
    award_criteria: [(name, weight)] (default: price only, see QUALITY_CRITERIA)."""
    from einkauf.catalogue.models import Category, CpvCode, Product, Unit
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.lots.services import build_lots
    from einkauf.rounds.models import DeliverySite, Member, Round
    from einkauf.tenders.services import freeze_tender

    if db.get(CpvCode, "30192000-1") is None:
        db.add(CpvCode(code="30192000-1", label="Büroartikel"))
    if db.get(Unit, "H87") is None:
        db.add(Unit(code="H87", label="Stück"))
    rnd = Round(code=code, title="Bedarfsabfrage Angebote", opens_on=date(2026, 9, 1),
                deadline=datetime(2026, 10, 1, 10, tzinfo=UTC), contract_term_months=24,
                extension_months=24, max_quantity_buffer_pct=Decimal("20.00"),
                opened_at=datetime(2026, 9, 1, tzinfo=UTC), closed_at=datetime(2026, 10, 2, tzinfo=UTC))
    db.add(rnd)
    db.flush()
    paper = Category(name=f"Papier {code}", cpv_code="30192000-1", sort_order=1)
    ink = Category(name=f"Tinte {code}", cpv_code="30192000-1", sort_order=2)
    db.add_all([paper, ink])
    db.flush()
    products = []
    for category, number, price, text in ((paper, "P-1", "4.99", "Kopierpapier A4"),
                                          (paper, "P-2", "9.50", "Kopierpapier A3"),
                                          (ink, "T-1", "40.00", "Tintenpatrone schwarz")):
        product = Product(category_id=category.id, number=number if code == "BID" else f"{code}-{number}",
                          short_text=text, unit_code="H87", reference_price=Decimal(price), vat_rate=Decimal("19.00"))
        db.add(product)
        products.append(product)
    db.flush()
    for k, name in enumerate(("Essen", "Bochum")):
        city = Member(ags=f"{5990000 + 100 * len(code) + k:08d}", name=f"{name} {code}", region="Ruhrgebiet")
        city.delivery_sites.append(DeliverySite(name="Rathaus", street="Markt 1", postcode="44135", city=name))
        db.add(city)
        db.flush()
        submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        for product, quantity in zip(products, (f"{100 + k}.5", "3.333", str(k + 1)), strict=False):
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal(quantity),
                              delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    return freeze_tender(db, "koordination@example.org", rnd.id, publication_date=date(2027, 2, 1),
                         submission_deadline=DEADLINE, now=NOW, award_criteria=award_criteria)


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


# Price and two quality criteria, for the scoring of part 5 (R17).
QUALITY_CRITERIA = (("Preis", Decimal(60)), ("Qualität", Decimal(30)), ("Service", Decimal(10)))

FULL = {"1|P-1": Decimal("2.35"), "1|P-2": Decimal("7.1234"), "2|T-1": Decimal("39.90")}


def two_coordinators(session) -> list:
    """Two coordinator accounts (a@ and b@einkauf.example) for the opening in a command-line test."""
    from einkauf.auth import passwords
    from einkauf.auth.models import User
    from einkauf.roles import Role

    users = [User(email=email, role=Role.COORDINATOR, password_hash=passwords.hash_password("x" * 12))
             for email in ("a@einkauf.example", "b@einkauf.example")]
    session.add_all(users)
    session.flush()
    return users


def import_bids(db, tender, tables) -> dict[str, int]:
    """Bids of new bidders: ((name, prices by key, received at), ...) → bid id by bidder name."""
    from einkauf import clock
    from einkauf.bids import services

    base = price_sheet_of(db, tender)
    ids = {}
    for name, table, received in tables:
        with clock.fixed(received):
            bidder = services.create_bidder(db, "test", name=name, address="Hauptstr. 1\n45127 Essen")
            bid, _lots, _count = services.import_bid(db, "test", tender.id, bidder.id, fill(base, table),
                                                     received_at=received)
            ids[name] = bid.id
    return ids


def submit_bids(db, tender, tables) -> dict:
    """Bids from filled price sheets before the deadline: [(bidder name, prices by key)] → {name: bid id}."""
    return import_bids(db, tender, [(name, table, BEFORE) for name, table in tables])


def open_tender(db, tender, first, second) -> None:
    """Record the opening (after the deadline) by two coordinators."""
    from einkauf import clock
    from einkauf.bids import services

    with clock.fixed(AFTER):
        services.open_bids(db, first, second, tender.id)
