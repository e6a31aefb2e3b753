"""Opened bids for the tender of bids_support, for the contract tests
(import with `from contracts_support import ...`)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from einkauf import clock
from einkauf.bids import services
from einkauf.rounds.models import Member

from bids_support import AFTER, BEFORE, fill, price_sheet_of

# A dearer second bid: its prices must never show on a contract page.
DEARER = {"1|P-1": Decimal("4.8765"), "1|P-2": Decimal("9.4321"), "2|T-1": Decimal("41.2345")}
# bids_support.FULL is far below the estimate in lot 1 (abnormally low, R18): awarded with this.
CLARIFIED = "Restposten des Herstellers; Lieferzusage liegt vor."


def open_bids_of(db, tender, make_user, tables) -> dict[str, int]:
    """Bids [(bidder name, prices)] for the tender, received before the deadline, opened by two
    coordinators afterwards; returns the bid ids by bidder name."""
    base = price_sheet_of(db, tender)
    ids = {}
    with clock.fixed(BEFORE):
        for name, table in tables:
            bidder = services.create_bidder(db, "test", name=name, address="Hauptstr. 1\n44135 Dortmund",
                                            email="angebote@example.org")
            bid, _lots, _count = services.import_bid(db, "test", tender.id, bidder.id, fill(base, table),
                                                     received_at=BEFORE)
            ids[name] = bid.id
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), tender.id)
    return ids


def cities_of(db) -> dict[str, Member]:
    """The members of the bids_support tender by city: {"Essen": …, "Bochum": …}."""
    return {m.name.split()[0]: m for m in db.scalars(select(Member).where(Member.name.like("% BID")))}
