"""The demo's finished tender of the previous round (issue 13, part 9).

The round 2025 is closed with the demand of the cities that submitted in 2027 (at 90 % of their
2027 quantities); its lots were built and frozen into an EU-wide tender, four bidders sent bids
(plausible prices around the reference prices, from a seeded generator), both demo coordinators
opened them after the submission deadline, every bid lot was checked — one bid is incomplete in
a lot and excluded, one is abnormally low in a lot and awarded with the clarification of § 60
VgV — and every lot awarded to its first-ranked bid.

Everything goes through the services a coordinator uses, with the clock set to the historical
moment of each step (einkauf.clock), so that the records carry their 2025 dates and every rule
(deadlines, sealing, four eyes, ranking) applies as it would have then.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from einkauf import clock
from einkauf.auth.models import User
from einkauf.berlin import BERLIN
from einkauf.bids import services as bids
from einkauf.bids.award import award_lot
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.models import BidLot, ExclusionReason
from einkauf.catalogue.models import Product
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.demo import data
from einkauf.lots.services import build_lots
from einkauf.rounds.models import Member, Round
from einkauf.tenders.models import Tender
from einkauf.tenders.services import freeze_tender

PRICE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class FinishedTender:
    round_code: str
    reference: str
    bidders: int
    lots: int
    awarded: int


def _berlin(parts: tuple[int, int, int, int, int]) -> datetime:
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def vat_id(digits: str) -> str:
    """A German USt-IdNr. with its check digit (einkauf.bids.services.de_vat_check_digit)."""
    return f"DE{digits}{bids.de_vat_check_digit(digits)}"


def add_finished_tender(session: Session, members: dict[str, Member], products: dict[str, Product],
                        users: dict[str, User]) -> FinishedTender:
    """The round 2025 with its awarded tender (see the module docstring)."""
    coordinators = [users[a.email] for a in data.accounts() if a.role == "coordinator"]
    rnd = _add_previous_round(session, members, products, users)
    with clock.fixed(_berlin(data.PREVIOUS_LOTS_BUILT)):
        build_lots(session, data.DEMO_ACTOR, rnd.id)
        tender = freeze_tender(
            session, coordinators[0], rnd.id, publication_date=data.PREVIOUS_PUBLICATION,
            submission_deadline=_berlin(data.PREVIOUS_SUBMISSION_DEADLINE), acknowledge_warnings=True,
            title="Rahmenvereinbarungen Büro- und Verbrauchsmaterial 2025")
    bidder_ids = _add_bids(session, tender)
    with clock.fixed(_berlin(data.PREVIOUS_OPENING)):
        bids.open_bids(session, coordinators[0], coordinators[1], tender.id)
    with clock.fixed(_berlin(data.PREVIOUS_OPENING) + timedelta(hours=2)):
        _check_bids(session, coordinators[0], tender)
    with clock.fixed(_berlin(data.PREVIOUS_DECISION)):
        awarded = _award(session, coordinators[0], tender)
    return FinishedTender(round_code=rnd.code, reference=tender.reference, bidders=len(bidder_ids),
                          lots=len(tender.lots), awarded=awarded)


def _add_previous_round(session: Session, members: dict[str, Member], products: dict[str, Product],
                        users: dict[str, User]) -> Round:
    deadline = _berlin(data.PREVIOUS_DEADLINE)
    opened_at = datetime.combine(data.PREVIOUS_OPENS_ON, time(9, 0), tzinfo=BERLIN).astimezone(UTC)
    rnd = Round(code=data.PREVIOUS_ROUND_CODE, title=data.PREVIOUS_ROUND_TITLE, opens_on=data.PREVIOUS_OPENS_ON,
                deadline=deadline, contract_term_months=data.ROUND_CONTRACT_TERM_MONTHS,
                extension_months=data.ROUND_EXTENSION_MONTHS,
                max_quantity_buffer_pct=data.ROUND_MAX_QUANTITY_BUFFER_PCT, opened_at=opened_at,
                created_at=opened_at, closed_at=_berlin(data.PREVIOUS_CLOSED))
    session.add(rnd)
    session.flush()
    submitted = {c.ags: c for c in data.CITIES if c.submission == data.SUBMITTED}
    submissions = {}
    for ags, city in submitted.items():
        at = deadline - timedelta(days=city.submitted_days_ago % 20 + 1)
        submissions[ags] = Submission(round_id=rnd.id, member_id=members[ags].id, version=1,
                                      status=SubmissionStatus.SUBMITTED, submitted_at=at,
                                      submitted_by_id=users[data.officer_email(city.name)].id, created_at=opened_at,
                                      updated_at=at)
    session.add_all(submissions.values())
    session.flush()
    site_ids = {(m.ags, s.name): s.id for m in members.values() for s in m.delivery_sites}
    rows = [{"submission_id": submissions[line.ags].id, "product_id": products[line.product_number].id,
             "delivery_site_id": site_ids[(line.ags, line.site_name)],
             "quantity": max(Decimal(1), (line.quantity * data.PREVIOUS_QUANTITY_SHARE).quantize(
                 Decimal(1), rounding=ROUND_HALF_UP)),
             "cost_centre": line.cost_centre, "budget_account": line.budget_account, "note": ""}
            for line in data.planned_demand() if line.ags in submitted]
    session.execute(insert(DemandLine), rows)
    return rnd


def _lots_of(bidder: data.BidderData, lots: list[bids.LotInfo]) -> list[bids.LotInfo]:
    if bidder.lots == "all":
        return lots
    return lots[:int(bidder.lots.split(":")[1])]


def _add_bids(session: Session, tender: Tender) -> list[int]:
    """The bidders and their prices: per bidder a price level, per lot and position a jitter of
    ±6 % around a level per lot; the incomplete bid leaves positions of its first lot open, the abnormal one offers a
    lot far below the others."""
    rng = random.Random(data.PRICE_SEED)
    lots = bids.tender_lots(session, tender)
    reference = dict(session.execute(select(Product.number, Product.reference_price)).tuples().all())
    received = _berlin(data.PREVIOUS_SUBMISSION_DEADLINE) - timedelta(days=3)
    ids = []
    for number, bidder_data in enumerate(data.BIDDERS):
        with clock.fixed(received + timedelta(hours=number)):
            bidder = bids.create_bidder(session, data.DEMO_ACTOR, name=bidder_data.name, address=bidder_data.address,
                                        vat_id=vat_id(bidder_data.vat_digits), email=bidder_data.email)
            bid = bids.record_bid(session, data.DEMO_ACTOR, tender.id, bidder.id, received_at=clock.now())
            for index, lot in enumerate(_lots_of(bidder_data, lots), start=1):
                level = Decimal(bidder_data.price_level)
                if bidder_data.name == data.ABNORMAL_BIDDER and index == data.ABNORMAL_LOT_INDEX:
                    level = Decimal(data.ABNORMAL_PRICE_LEVEL)
                level += rng.randint(-5, 5)
                prices: dict[int, tuple[Decimal | None, str]] = {}
                for k, position in enumerate(lot.positions):
                    if bidder_data.name == data.INCOMPLETE_BIDDER and index == 1 and k < data.INCOMPLETE_MISSING:
                        continue
                    jitter = Decimal(rng.randint(940, 1060)) / 1000
                    price = reference[position.product_number] * level / 100 * jitter
                    prices[position.position_id] = (price.quantize(PRICE_QUANTUM, ROUND_HALF_UP), "")
                session.refresh(bid)
                bids.save_lot_prices(session, data.DEMO_ACTOR, tender.id, bid.id, lot.tender_lot_id, prices,
                                     expected_version=bid.version)
        ids.append(bidder.id)
    return ids


def _check_bids(session: Session, actor: User, tender: Tender) -> None:
    """Admit every complete bid lot; exclude the incomplete one (§ 57 Abs. 1 Nr. 5 VgV)."""
    for bid in bids.tender_bids(session, tender.id):
        for check in bids.bid_checks(session, tender, bid):
            bid_lot: BidLot = check.bid_lot
            if check.complete:
                bids.decide_bid_lot(session, actor, tender.id, bid.id, bid_lot.id, decision="admitted",
                                    expected_version=bid_lot.version)
            else:
                bids.decide_bid_lot(
                    session, actor, tender.id, bid.id, bid_lot.id, decision="excluded",
                    reason_code=ExclusionReason.INCOMPLETE.value,
                    reason_text=f"{len(check.missing)} Positionen ohne Preis; eine Nachforderung von Preisen ist "
                                "ausgeschlossen (§ 56 Abs. 3 VgV).",
                    expected_version=bid_lot.version)


def _award(session: Session, actor: User, tender: Tender) -> int:
    """Award every lot to its first-ranked bid (the abnormally low one with its clarification)."""
    _tender, evaluation = evaluate_bids(session, tender.id)
    awarded = 0
    for lot in evaluation.lots:
        first = lot.first
        if first is None:
            continue
        bid_id = first.bid_id
        assert isinstance(bid_id, int)  # the stored bids' ids (einkauf.bids.evaluate)
        award_lot(session, actor, tender.id, lot.lot.number, bid_id,
                  clarification=data.ABNORMAL_CLARIFICATION if first.abnormally_low else "")
        awarded += 1
    return awarded


