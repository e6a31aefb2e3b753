"""The detail page of one lot of a round's current plan (issue 16 part 2): its positions (a page
at a time), its members with region and their annual and term shares (R22: the shares add up
to the lot's annual value × years, the difference to the estimated value is the lot's rounding
difference), and the delivery sites its demand goes to. Sums in SQL; read only."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.errors import NotFound
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.lots.values import LotMoney, lot_money
from einkauf.money import cents_to_euro
from einkauf.rounds.models import DeliverySite, Member, Round

POSITIONS_PER_PAGE = 100


@dataclass(frozen=True)
class LotMember:
    member_id: int
    ags: str
    name: str
    region: str
    positions: int  # positions of the lot it takes part in
    rows: int  # its demand lines (allocations) in the lot
    annual_value: Decimal
    term_value: Decimal


@dataclass(frozen=True)
class LotSite:
    member_name: str
    name: str
    address: str
    positions: int
    annual_value: Decimal


@dataclass(frozen=True)
class LotPage:
    round: Round
    lot: Lot
    money: LotMoney
    members: tuple[LotMember, ...]
    sites: tuple[LotSite, ...]
    positions: tuple[LotPosition, ...]  # the shown page
    position_count: int
    page: int
    pages: int


def _sum(column: Any) -> Any:
    """Σ of a scaled-integer column (cents) as a plain integer."""
    return cast(func.sum(type_coerce(column, BigInteger)), BigInteger)


def lot_page(session: Session, rnd: Round, lot_id: int, page: int = 1) -> LotPage:
    """The lot of the round's current plan (NotFound for another round's lot, an old plan's lot
    or an unknown id), with page `page` of its positions (clamped to the last page)."""
    lot = session.scalar(select(Lot).join(LotPlan, LotPlan.id == Lot.plan_id)
                         .where(Lot.id == lot_id, LotPlan.round_id == rnd.id, LotPlan.superseded_at.is_(None)))
    if lot is None:
        raise NotFound("Los nicht gefunden.")
    position_count = session.scalar(select(func.count(LotPosition.id)).where(LotPosition.lot_id == lot.id)) or 0
    pages = max(1, -(-position_count // POSITIONS_PER_PAGE))
    page = min(max(page, 1), pages)
    positions = tuple(session.scalars(select(LotPosition).where(LotPosition.lot_id == lot.id)
                                      .order_by(LotPosition.number)
                                      .offset((page - 1) * POSITIONS_PER_PAGE).limit(POSITIONS_PER_PAGE)))
    by_member = session.execute(
        select(Member.id, Member.ags, Member.name, Member.region, func.count(func.distinct(Allocation.position_id)),
               func.count(Allocation.id), _sum(Allocation.net_value))
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(Member, Member.id == Allocation.member_id)
        .where(LotPosition.lot_id == lot.id)
        .group_by(Member.id, Member.ags, Member.name, Member.region)
        .order_by(Member.name, Member.ags)).all()
    annual = {member_id: cents_to_euro(cents) for member_id, _ags, _name, _region, _p, _r, cents in by_member}
    money = lot_money(lot.annual_value, lot.estimated_value, rnd.contract_term_months + rnd.extension_months,
                      annual)
    term = {share.key: share.term_value for share in money.members}
    members = tuple(LotMember(member_id, ags, name, region or "", positions_, rows, annual[member_id],
                              term[member_id])
                    for member_id, ags, name, region, positions_, rows, _cents in by_member)
    sites = tuple(
        LotSite(member_name, name, ", ".join(part for part in (street, f"{postcode} {city}".strip()) if part),
                positions_, cents_to_euro(cents))
        for member_name, name, street, postcode, city, positions_, cents in session.execute(
            select(Member.name, DeliverySite.name, DeliverySite.street, DeliverySite.postcode, DeliverySite.city,
                   func.count(func.distinct(Allocation.position_id)), _sum(Allocation.net_value))
            .select_from(Allocation)
            .join(LotPosition, LotPosition.id == Allocation.position_id)
            .join(DeliverySite, DeliverySite.id == Allocation.delivery_site_id)
            .join(Member, Member.id == Allocation.member_id)
            .where(LotPosition.lot_id == lot.id)
            .group_by(Member.name, DeliverySite.id, DeliverySite.name, DeliverySite.street, DeliverySite.postcode,
                      DeliverySite.city)
            .order_by(Member.name, DeliverySite.name)))
    return LotPage(rnd, lot, money, members, sites, positions, position_count, page, pages)
