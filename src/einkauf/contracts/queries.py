"""A member's contracts after the award (issue 13 part 8, issue 14 part 2; R15, R20, R22).

Per active tender in which at least one lot the member takes part in has been decided: per
lot the decision — awarded (supplier with address and e-mail, the term, the member's positions
with the awarded unit prices, its quantities and values) or cancelled (with the reason); lots
not decided yet are named without anything of the bids. Only the awarded bid's prices are read,
and only for lots with an award decision (which needs the opening, R15): no other bid and no
price before the decision reaches a page.

Money (see einkauf.contracts.values): every allocation row at the awarded price is rounded once
(awarded_row_cents, in SQL, summed per member and position); the member's term share comes from
einkauf.lots.values.lot_money over all members' annual values of the lot, beside the awarded lot
total and its rounding difference (R22).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.bids.models import AwardOutcome, Bid, Bidder, BidLot, BidPrice, LotAward
from einkauf.contracts.values import member_term_quantities, split_over_positions
from einkauf.errors import NotFound
from einkauf.lots.models import Allocation, LotPosition
from einkauf.lots.values import LotMoney, lot_money, term_years_text
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member
from einkauf.tenders.models import Tender, TenderLot, TenderStatus

# quantity in thousandths × unit price in 1/10,000 € = 1/10,000,000 €; half-up to cents:
# (q·p + 50,000) div 100,000. Split q = a·100,000 + b so that no product exceeds 64 bits before
# the cents themselves would: a·p + (b·p + 50,000) div 100,000 (equal, since a·p·100,000 is a
# whole number of 100,000ths).
_SPLIT = 100_000


def _big(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def awarded_row_cents(quantity: Any, unit_price: Any) -> Any:
    """SQL: one row's value at an awarded price in cents — quantity (Quantity column, stored in
    thousandths) × unit price (bid price column, stored in 1/10,000 €), rounded half-up to cents
    once (R1, the same as einkauf.money.line_value). The one place of this rule for the contract
    pages and the finance export at awarded prices. Both operands are non-negative integers, so
    integer division is floor on SQLite and PostgreSQL alike."""
    q, p = _big(quantity), _big(unit_price)
    split = literal(_SPLIT, BigInteger)
    return (q // split) * p + ((q % split) * p + literal(_SPLIT // 2, BigInteger)) // split


@dataclass(frozen=True)
class Supplier:
    name: str
    address: str
    email: str
    vat_id: str


@dataclass(frozen=True)
class ContractPosition:
    """One position of an awarded lot as the member takes part in it."""

    position_id: int
    number: int
    product_number: str
    short_text: str
    unit_label: str
    unit_price: Decimal | None  # None: the awarded bid has no price for it (gap accepted, R16)
    rows: int  # the member's finance rows (allocations) of the position
    annual_quantity: Decimal
    estimated_quantity: Decimal  # the member's, over the term
    maximum_quantity: Decimal  # the member's, over the term
    position_maximum_quantity: Decimal  # the framework's maximum of the position (all members, R21)
    annual_value: Decimal | None  # Σ of the member's rows at the awarded price
    term_value: Decimal | None  # the member's term share of the lot, split over its positions


@dataclass(frozen=True)
class LotContract:
    """The decision on one lot the member takes part in, and its part of it."""

    tender_lot_id: int
    number: str
    title: str
    outcome: str  # "awarded", "cancelled" or "open" (not decided yet)
    decided_at: datetime | None = None
    reason: str = ""  # why cancelled (or why not the first-ranked bid)
    supplier: Supplier | None = None
    contract_date: date | None = None
    positions: tuple[ContractPosition, ...] = ()
    annual_value: Decimal = Decimal("0.00")  # the member's, Σ of its rows
    term_value: Decimal = Decimal("0.00")  # the member's term share (lot_money)
    money: LotMoney | None = None  # the lot at awarded prices: all members, the awarded total (R22)

    @property
    def unpriced(self) -> tuple[ContractPosition, ...]:
        return tuple(p for p in self.positions if p.unit_price is None)


@dataclass(frozen=True)
class TenderContracts:
    """One tender with the member's lots in it."""

    tender_id: int
    reference: str
    title: str
    contract_term_months: int
    extension_months: int
    lots: tuple[LotContract, ...]

    @property
    def term_months_total(self) -> int:
        return self.contract_term_months + self.extension_months

    @property
    def years_text(self) -> str:
        return term_years_text(self.term_months_total)

    def with_outcome(self, outcome: str) -> tuple[LotContract, ...]:
        return tuple(lot for lot in self.lots if lot.outcome == outcome)


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("Mitglied nicht gefunden.")
    return member


def _member_tender_lots(session: Session, member_id: int) -> dict[int, list[TenderLot]]:
    """The lots the member takes part in (it has allocations there), of active tenders with at
    least one decided lot, by tender id, in lot order."""
    decided = select(LotAward.tender_id).distinct()
    taking_part = (select(TenderLot.id)
                   .join(LotPosition, LotPosition.lot_id == TenderLot.lot_id)
                   .join(Allocation, Allocation.position_id == LotPosition.id)
                   .where(Allocation.member_id == member_id)
                   .distinct())
    lots = session.scalars(
        select(TenderLot).join(Tender, Tender.id == TenderLot.tender_id)
        .where(Tender.status == TenderStatus.ACTIVE, Tender.id.in_(decided), TenderLot.id.in_(taking_part))
        .order_by(Tender.submission_deadline.desc(), Tender.id.desc(), TenderLot.sort_key))
    result: dict[int, list[TenderLot]] = {}
    for tender_lot in lots:
        result.setdefault(tender_lot.tender_id, []).append(tender_lot)
    return result


def _awarded_prices(statement: Any) -> Any:
    """Join an Allocation/LotPosition/TenderLot statement to the awarded bid's price of each
    position (outer: a position without a price in the awarded bid stays, unpriced)."""
    return (statement
            .join(LotAward, (LotAward.tender_lot_id == TenderLot.id) & (LotAward.outcome == AwardOutcome.AWARDED))
            .join(BidLot, (BidLot.bid_id == LotAward.bid_id) & (BidLot.tender_lot_id == TenderLot.id))
            .outerjoin(BidPrice, (BidPrice.bid_lot_id == BidLot.id) & (BidPrice.position_id == LotPosition.id)))


def _member_positions(session: Session, member_id: int, tender_lot_ids: list[int]) -> dict[int, list[tuple]]:
    """The member's positions of the awarded lots with the awarded price, its rows, its annual
    quantity and its annual value at that price (both sums in SQL), by tender lot id."""
    statement = _awarded_prices(
        select(TenderLot.id, LotPosition.id, LotPosition.number, LotPosition.product_number, LotPosition.short_text,
               LotPosition.unit_label, LotPosition.maximum_quantity, BidPrice.unit_price, func.count(),
               cast(func.sum(_big(Allocation.quantity)), BigInteger),
               cast(func.sum(awarded_row_cents(Allocation.quantity, BidPrice.unit_price)), BigInteger))
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id))
    statement = (statement.where(Allocation.member_id == member_id, TenderLot.id.in_(tender_lot_ids))
                 .group_by(TenderLot.id, LotPosition.id, LotPosition.number, LotPosition.product_number,
                           LotPosition.short_text, LotPosition.unit_label, LotPosition.maximum_quantity,
                           BidPrice.unit_price)
                 .order_by(TenderLot.id, LotPosition.number))
    result: dict[int, list[tuple]] = defaultdict(list)
    for tender_lot_id, *row in session.execute(statement):
        result[tender_lot_id].append(tuple(row))
    return result


def awarded_annual_cents(session: Session, tender_lot_ids: list[int]) -> dict[int, dict[int, int]]:
    """Every member's annual value of each awarded lot at the awarded prices, in cents: tender lot
    id → {member id: Σ of its rows} (rows of positions without an awarded price left out)."""
    statement = _awarded_prices(
        select(TenderLot.id, Allocation.member_id,
               cast(func.sum(awarded_row_cents(Allocation.quantity, BidPrice.unit_price)), BigInteger))
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id))
    statement = (statement.where(TenderLot.id.in_(tender_lot_ids), BidPrice.id.is_not(None))
                 .group_by(TenderLot.id, Allocation.member_id))
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for tender_lot_id, member_id, cents in session.execute(statement):
        result[tender_lot_id][member_id] = int(cents or 0)
    return result


def _contract_date(award: LotAward, tender: Tender) -> date | None:
    """The contract date where one is recorded (not every installation records one yet)."""
    value = getattr(award, "contract_date", None) or getattr(tender, "contract_date", None)
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _awarded_lot(tender: Tender, tender_lot: TenderLot, award: LotAward, supplier: Supplier, rows: list[tuple],
                 annual: dict[int, int], member_id: int) -> LotContract:
    months = tender.round.contract_term_months + tender.round.extension_months
    buffer = tender.round.max_quantity_buffer_pct
    shares = {key: cents_to_euro(cents) for key, cents in annual.items()}
    money = lot_money(sum(shares.values(), Decimal("0.00")), award.lot_total or Decimal("0.00"), months, shares)
    own = next((m for m in money.members if m.key == member_id), None)
    annual_value = own.annual_value if own else Decimal("0.00")
    term_value = own.term_value if own else Decimal("0.00")
    priced = {row[0]: cents_to_euro(row[9]) for row in rows if row[6] is not None}
    term_parts = split_over_positions(term_value, priced) if priced else {}
    positions = []
    for (position_id, number, product_number, short_text, unit_label, position_maximum, unit_price, count,
         thousandths, _cents) in rows:
        quantity = Decimal(int(thousandths or 0)).scaleb(-3)
        estimated, maximum = member_term_quantities(quantity, months, buffer)
        positions.append(ContractPosition(
            position_id=position_id, number=number, product_number=product_number, short_text=short_text,
            unit_label=unit_label, unit_price=unit_price, rows=int(count), annual_quantity=quantity,
            estimated_quantity=estimated, maximum_quantity=maximum, position_maximum_quantity=position_maximum,
            annual_value=priced.get(position_id), term_value=term_parts.get(position_id)))
    return LotContract(tender_lot_id=tender_lot.id, number=tender_lot.number, title=tender_lot.lot.title,
                       outcome="awarded", decided_at=award.decided_at, reason=award.reason, supplier=supplier,
                       contract_date=_contract_date(award, tender), positions=tuple(positions),
                       annual_value=annual_value, term_value=term_value, money=money)


def member_contracts(session: Session, member_id: int, *, tender_id: int | None = None) -> list[TenderContracts]:
    """The member's contracts per tender (newest submission deadline first), see the module
    docstring. Raises NotFound for an unknown member. Callers pass the signed-in user's own
    member for officers and member-bound finance (R8)."""
    get_member(session, member_id)
    by_tender = _member_tender_lots(session, member_id)
    if tender_id is not None:
        by_tender = {key: value for key, value in by_tender.items() if key == tender_id}
    lot_ids = [lot.id for lots in by_tender.values() for lot in lots]
    awards = {award.tender_lot_id: award
              for award in session.scalars(select(LotAward).where(LotAward.tender_lot_id.in_(lot_ids)))}
    awarded_ids = [lot_id for lot_id, award in awards.items() if award.outcome == AwardOutcome.AWARDED]
    suppliers = {bid_id: Supplier(name, address, email, vat_id) for bid_id, name, address, email, vat_id in
                 session.execute(select(Bid.id, Bidder.name, Bidder.address, Bidder.email, Bidder.vat_id)
                                 .join(Bidder, Bidder.id == Bid.bidder_id)
                                 .where(Bid.id.in_([a.bid_id for a in awards.values() if a.bid_id is not None])))}
    rows = _member_positions(session, member_id, awarded_ids)
    annual = awarded_annual_cents(session, awarded_ids)
    result = []
    for tender_lots in by_tender.values():
        tender = tender_lots[0].tender
        contracts = []
        for tender_lot in tender_lots:
            award = awards.get(tender_lot.id)
            if award is None:
                contracts.append(LotContract(tender_lot.id, tender_lot.number, tender_lot.lot.title, "open"))
            elif award.outcome == AwardOutcome.CANCELLED:
                contracts.append(LotContract(tender_lot.id, tender_lot.number, tender_lot.lot.title, "cancelled",
                                             decided_at=award.decided_at, reason=award.reason))
            elif award.bid_id is not None:
                contracts.append(_awarded_lot(tender, tender_lot, award, suppliers[award.bid_id],
                                              rows.get(tender_lot.id, []), annual.get(tender_lot.id, {}), member_id))
        result.append(TenderContracts(tender_id=tender.id, reference=tender.reference, title=tender.title,
                                      contract_term_months=tender.round.contract_term_months,
                                      extension_months=tender.round.extension_months, lots=tuple(contracts)))
    return result


def members_to_choose(session: Session) -> list[Member]:
    """The members a coordinator or cooperative-wide finance user may look at, by name."""
    return list(session.scalars(select(Member).order_by(Member.name, Member.ags)))

