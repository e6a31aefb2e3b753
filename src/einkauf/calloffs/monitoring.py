"""The monitoring of a tender's frameworks (issue 15 part 3, R21): per framework position and in
total — and per member where it called off — called off vs expected to date vs maximum, the
level, the overcharges, the off-contract spend; the warnings first. The rules are in
einkauf.calloffs.monitoring_rules; every sum over the call-off rows is one GROUP BY in SQL
(5,000,000 rows at national scale), Python only walks the grouped rows.

Member rows are made only where a member reported a purchase: a member without call-offs is
on track by definition and adds nothing to a warning (its figures are its contract's, see
einkauf.contracts).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, and_, case, cast, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.bids.models import Bidder, BidLot, BidPrice, LotAward
from einkauf.calloffs.models import CallOff, Framework, FrameworkOption, SalesReport
from einkauf.calloffs.monitoring_rules import LEVEL_RANK, Level, level_in_thousandths, pro_rata_thousandths
from einkauf.calloffs.terms import add_months, elapsed_share, term_end
from einkauf.contracts.queries import awarded_row_cents
from einkauf.contracts.values import member_term_thousandths
from einkauf.lots.models import Allocation, Lot, LotPosition
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member, Round
from einkauf.tenders.models import Tender, TenderLot
from einkauf.tenders.services import get_tender


def _big(column: Any) -> Any:
    return type_coerce(column, BigInteger)



def _thousandths(value: int) -> Decimal:
    return Decimal(value).scaleb(-3)


class Use(NamedTuple):
    """Called off against the quantities of one position — of one member, or of all. Kept in whole
    numbers (quantities in thousandths, money in cents: a national tender has ~800,000 member
    rows); the Decimal properties are what pages and reports show."""

    called_th: int
    expected_th: int  # pro rata to date
    estimated_th: int  # over the planned term
    maximum_th: int
    level: Level
    overcharge_cents: int  # Σ over the overcharged rows
    overcharged_rows: int

    @property
    def called(self) -> Decimal:
        return _thousandths(self.called_th)

    @property
    def expected(self) -> Decimal:
        return _thousandths(self.expected_th)

    @property
    def estimated(self) -> Decimal:
        return _thousandths(self.estimated_th)

    @property
    def maximum(self) -> Decimal:
        return _thousandths(self.maximum_th)

    @property
    def remaining(self) -> Decimal:
        return _thousandths(self.maximum_th - self.called_th)

    @property
    def overcharge(self) -> Decimal:
        return cents_to_euro(self.overcharge_cents)


class MemberUse(NamedTuple):
    member_id: int
    ags: str
    name: str
    use: Use


@dataclass(frozen=True)
class PositionStatus:
    position_id: int
    number: int
    product_number: str
    short_text: str
    unit_label: str
    awarded_price: Decimal | None
    total: Use
    members: tuple[MemberUse, ...]


@dataclass(frozen=True)
class FrameworkStatus:
    framework_id: int
    lot_number: str
    lot_title: str
    supplier: str
    starts_on: date
    ends_on: date  # the current end (base term and exercised options)
    planned_end: date  # the end of the planned term the estimates were computed for
    elapsed_days: int
    total_days: int
    months_reported: tuple[date, ...]
    positions: tuple[PositionStatus, ...]
    off_contract: tuple[tuple[str, Decimal, int], ...]  # (member name, net €, rows)

    @property
    def overcharge(self) -> Decimal:
        return sum((p.total.overcharge for p in self.positions), Decimal("0.00"))

    def count(self, level: Level) -> int:
        return sum(1 for p in self.positions if p.total.level == level)

    @property
    def above_estimate_members(self) -> int:
        """Member rows above their pro-rata estimate (below 80 % of their maximum)."""
        return sum(1 for p in self.positions for m in p.members if m.use.level == Level.ABOVE_ESTIMATE)


class Warning(NamedTuple):
    level: str  # a Level value, or "overcharge"
    lot_number: str
    product_number: str
    short_text: str
    member: str  # "" for the position over all members
    use: Use

    @property
    def called(self) -> Decimal:
        return self.use.called

    @property
    def expected(self) -> Decimal:
        return self.use.expected

    @property
    def maximum(self) -> Decimal:
        return self.use.maximum

    @property
    def overcharge(self) -> Decimal:
        return self.use.overcharge


WARNING_RANK = {Level.MAXIMUM_REACHED.value: 0, Level.NEAR_MAXIMUM.value: 1, "overcharge": 2,
                Level.ABOVE_ESTIMATE.value: 3}


@dataclass(frozen=True)
class TenderMonitoring:
    tender_id: int
    reference: str
    title: str
    today: date
    frameworks: tuple[FrameworkStatus, ...]
    warnings: tuple[Warning, ...] = field(default=())
    member_id: int | None = None  # the view of one member


def _current_end(framework: Framework, options: list[FrameworkOption]) -> date:
    """The last day of the base term, moved by every exercised option's months."""
    end = framework.base_ends_on
    for option in options:
        if option.exercised:
            end = add_months(end + timedelta(days=1), option.months) - timedelta(days=1)
    return end


def tender_monitoring(session: Session, tender_id_or_reference: int | str, *, today: date,
                      member_id: int | None = None) -> TenderMonitoring:
    """The monitoring of every framework of the tender at `today` (all members, or one: then only
    its positions and figures, and the position totals it shares). NotFound for an unknown tender."""
    tender = get_tender(session, tender_id_or_reference)
    rnd = session.get(Round, tender.round_id)
    assert rnd is not None
    planned_months = rnd.contract_term_months + rnd.extension_months
    frameworks = list(session.execute(
        select(Framework, TenderLot.number, Lot.title, TenderLot.lot_id, Bidder.name, TenderLot.id)
        .join(TenderLot, TenderLot.id == Framework.tender_lot_id)
        .join(Lot, Lot.id == TenderLot.lot_id)
        .join(Bidder, Bidder.id == Framework.bidder_id)
        .where(Framework.tender_id == tender.id).order_by(TenderLot.sort_key)))
    options: dict[int, list[FrameworkOption]] = defaultdict(list)
    for option in session.scalars(select(FrameworkOption).where(
            FrameworkOption.framework_id.in_([f.id for f, *_ in frameworks])).order_by(FrameworkOption.number)):
        options[option.framework_id].append(option)
    members = {m.id: m for m in session.scalars(select(Member))} if frameworks else {}
    statuses = []
    for framework, lot_number, lot_title, lot_id, supplier, tender_lot_id in frameworks:
        statuses.append(_framework_status(session, framework, lot_number, lot_title, lot_id, tender_lot_id,
                                          supplier, options[framework.id], rnd, planned_months, today, members,
                                          member_id))
    return TenderMonitoring(tender.id, tender.reference, tender.title, today, tuple(statuses),
                            _warnings(tuple(statuses), member_id), member_id)


def _framework_status(session: Session, framework: Framework, lot_number: str, lot_title: str, lot_id: int,
                      tender_lot_id: int, supplier: str, options: list[FrameworkOption], rnd: Round,
                      planned_months: int, today: date, members: dict[int, Member],
                      member_id: int | None) -> FrameworkStatus:
    planned_end = term_end(framework.starts_on, planned_months)
    elapsed, days = elapsed_share(framework.starts_on, planned_end, today)
    award = session.scalar(select(LotAward).where(LotAward.id == framework.award_id))
    assert award is not None and award.bid_id is not None
    prices = dict(session.execute(
        select(BidPrice.position_id, BidPrice.unit_price).join(BidLot, BidLot.id == BidPrice.bid_lot_id)
        .where(BidLot.bid_id == award.bid_id, BidLot.tender_lot_id == tender_lot_id)).tuples().all())
    positions = list(session.execute(
        select(LotPosition.id, LotPosition.number, LotPosition.product_number, LotPosition.short_text,
               LotPosition.unit_label, LotPosition.estimated_quantity, LotPosition.maximum_quantity)
        .where(LotPosition.lot_id == lot_id).order_by(LotPosition.number)))
    # Σ per position and member: quantity (credit notes negative), overcharge in cents, its rows.
    bid_lot_id = session.scalar(select(BidLot.id).where(BidLot.bid_id == award.bid_id,
                                                        BidLot.tender_lot_id == tender_lot_id))
    excess = _big(CallOff.net_amount) - awarded_row_cents(CallOff.quantity, BidPrice.unit_price)
    overcharged = and_(CallOff.credit_note.is_(False), _big(CallOff.quantity) > 0, BidPrice.id.is_not(None),
                       excess > 0)
    statement = (select(CallOff.position_id, CallOff.member_id, cast(func.sum(_big(CallOff.quantity)), BigInteger),
                        cast(func.sum(case((overcharged, excess), else_=literal(0, BigInteger))), BigInteger),
                        func.sum(case((overcharged, 1), else_=0)))
                 .outerjoin(BidPrice, and_(BidPrice.bid_lot_id == bid_lot_id,
                                           BidPrice.position_id == CallOff.position_id))
                 .where(CallOff.framework_id == framework.id, CallOff.position_id.is_not(None))
                 .group_by(CallOff.position_id, CallOff.member_id))
    called: dict[int, dict[int, tuple[int, int, int]]] = defaultdict(dict)
    # Core execution (no ORM row processing): up to ~800,000 grouped rows at national scale.
    for position_id, row_member, quantity, excess_cents, rows in session.connection().execute(statement):
        called[position_id][row_member] = (int(quantity or 0), int(excess_cents or 0), int(rows or 0))
    annual = _member_annual(session, lot_id, called, member_id)
    # A member's quantities over the term (einkauf.contracts.values: the rule of its award letter).
    buffer_hundredths = int(Decimal(rnd.max_quantity_buffer_pct).scaleb(2))

    def quantities_of(position_id: int, row_member: int) -> tuple[int, int]:
        return member_term_thousandths(max(annual.get((position_id, row_member), 0), 0), planned_months,
                                       buffer_hundredths)

    names = {m_id: (m.ags, m.name) for m_id, m in members.items()}
    unknown = ("", "?")
    shown = []
    for position_id, number, product_number, short_text, unit_label, estimated, maximum in positions:
        per_member = called.get(position_id, {})
        if member_id is not None and member_id not in per_member and (position_id, member_id) not in annual:
            continue
        estimated_th, maximum_th = int(estimated.scaleb(3)), int(maximum.scaleb(3))
        total_called = total_excess = total_rows = 0
        member_rows = []
        for row_member, (quantity, excess_cents, rows) in per_member.items():
            total_called += quantity
            total_excess += excess_cents
            total_rows += rows
            if member_id is not None and row_member != member_id:
                continue
            member_estimated, member_maximum = quantities_of(position_id, row_member)
            expected = pro_rata_thousandths(member_estimated, elapsed, days)
            ags, name = names.get(row_member, unknown)
            level = level_in_thousandths(quantity, expected, member_maximum)
            member_rows.append(MemberUse(row_member, ags, name, Use(
                quantity, expected, member_estimated, member_maximum, level, excess_cents, rows)))
        total_expected = pro_rata_thousandths(estimated_th, elapsed, days)
        total = Use(total_called, total_expected, estimated_th, maximum_th,
                    level_in_thousandths(total_called, total_expected, maximum_th), total_excess, total_rows)
        if member_id is not None and not member_rows:
            member_estimated, member_maximum = quantities_of(position_id, member_id)
            ags, name = names.get(member_id, unknown)
            expected = pro_rata_thousandths(member_estimated, elapsed, days)
            member_rows.append(MemberUse(member_id, ags, name, Use(
                0, expected, member_estimated, member_maximum, Level.ON_TRACK, 0, 0)))
        if len(member_rows) > 1:
            member_rows.sort(key=lambda m: (LEVEL_RANK[m.use.level], m.name))
        shown.append(PositionStatus(position_id, number, product_number, short_text, unit_label,
                                    prices.get(position_id), total, tuple(member_rows)))
    off_statement = (select(CallOff.member_id, cast(func.sum(_big(CallOff.net_amount)), BigInteger), func.count())
                     .where(CallOff.framework_id == framework.id, CallOff.position_id.is_(None))
                     .group_by(CallOff.member_id))
    if member_id is not None:
        off_statement = off_statement.where(CallOff.member_id == member_id)
    off_contract = tuple(sorted(
        ((members[m].name if m in members else "?", cents_to_euro(int(cents or 0)), int(rows))
         for m, cents, rows in session.execute(off_statement)), key=lambda row: row[0]))
    months = tuple(session.scalars(select(SalesReport.period).where(SalesReport.framework_id == framework.id)
                                   .order_by(SalesReport.period)))
    return FrameworkStatus(framework.id, lot_number, lot_title, supplier, framework.starts_on,
                           _current_end(framework, options), planned_end, elapsed, days, months, tuple(shown),
                           off_contract)


def _member_annual(session: Session, lot_id: int, called: dict[int, dict[int, tuple]],
                   member_id: int | None) -> dict[tuple[int, int], int]:
    """The members' annual quantities (Σ of their allocations) of the lot's positions, for the
    members that called off there (or for the one member shown)."""
    statement = (select(Allocation.position_id, Allocation.member_id,
                        cast(func.sum(_big(Allocation.quantity)), BigInteger))
                 .join(LotPosition, LotPosition.id == Allocation.position_id)
                 .where(LotPosition.lot_id == lot_id)
                 .group_by(Allocation.position_id, Allocation.member_id))
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    rows = session.connection().execute(statement)
    if member_id is not None:
        return {(p, m): int(q or 0) for p, m, q in rows}
    return {(p, m): int(q or 0) for p, m, q in rows if m in called.get(p, ())}


def _warnings(frameworks: tuple[FrameworkStatus, ...], member_id: int | None) -> tuple[Warning, ...]:
    """Most urgent first: every position total that is not on track; of the members, those at 80 %
    of their maximum or beyond it and every overcharge — a member merely above its pro-rata
    estimate is counted (above_estimate_members) and listed in the report, not warned about,
    unless the view is that member's own."""
    warnings = []
    member_levels = {Level.NEAR_MAXIMUM, Level.MAXIMUM_REACHED}
    if member_id is not None:
        member_levels.add(Level.ABOVE_ESTIMATE)
    for framework in frameworks:
        for position in framework.positions:
            if member_id is None and position.total.level != Level.ON_TRACK:
                warnings.append(Warning(position.total.level.value, framework.lot_number, position.product_number,
                                        position.short_text, "", position.total))
            for member in position.members:
                use = member.use
                if use.level in member_levels:
                    warnings.append(Warning(use.level.value, framework.lot_number, position.product_number,
                                            position.short_text, member.name, use))
                if use.overcharge_cents > 0:
                    warnings.append(Warning("overcharge", framework.lot_number, position.product_number,
                                            position.short_text, member.name, use))
    warnings.sort(key=lambda w: (WARNING_RANK[w.level], w.lot_number, w.product_number, w.member))
    return tuple(warnings)


def monitored_tenders(session: Session, *, member_id: int | None = None) -> list[Tender]:
    """Tenders with frameworks, newest first (the monitoring's entry list); for a member only
    those with a framework whose lot it takes part in."""
    statement = select(Tender).where(Tender.id.in_(select(Framework.tender_id)))
    if member_id is not None:
        taking_part = (select(Framework.tender_id)
                       .join(TenderLot, TenderLot.id == Framework.tender_lot_id)
                       .join(LotPosition, LotPosition.lot_id == TenderLot.lot_id)
                       .join(Allocation, Allocation.position_id == LotPosition.id)
                       .where(Allocation.member_id == member_id))
        statement = statement.where(Tender.id.in_(taking_part))
    return list(session.scalars(statement.order_by(Tender.submission_deadline.desc())))


@dataclass(frozen=True)
class ConsumptionPoint:
    month: date  # the first day of the month
    called: Decimal  # cumulative net € reported under the frameworks (off-contract left out)
    expected: Decimal  # cumulative pro-rata estimate at awarded prices by the month's end


@dataclass(frozen=True)
class ConsumptionSeries:
    points: tuple[ConsumptionPoint, ...]
    maximum: Decimal  # Σ maximum quantity × awarded unit price of the frameworks' positions
    estimated: Decimal  # Σ estimated quantity × awarded unit price over the planned term


def consumption_series(session: Session, monitoring: TenderMonitoring) -> ConsumptionSeries:
    """Month by month from the first framework's start to the last reported month (at most to
    `today`): the cumulative reported net spend against the pro-rata estimate, both in € at the
    awarded prices, and the value at the maximum quantities (the chart of the monitoring page)."""
    frameworks = monitoring.frameworks
    if not frameworks:
        return ConsumptionSeries((), Decimal("0.00"), Decimal("0.00"))
    by_month = dict(session.execute(
        select(CallOff.period, cast(func.sum(_big(CallOff.net_amount)), BigInteger))
        .where(CallOff.framework_id.in_([f.framework_id for f in frameworks]), CallOff.position_id.is_not(None))
        .group_by(CallOff.period)).tuples().all())
    values = {f.framework_id: sum((p.total.estimated * p.awarded_price for p in f.positions
                                   if p.awarded_price is not None), Decimal(0)) for f in frameworks}
    maximum = sum((p.total.maximum * p.awarded_price for f in frameworks for p in f.positions
                   if p.awarded_price is not None), Decimal(0))
    first = min(f.starts_on for f in frameworks).replace(day=1)
    last = max([*by_month, first])
    last = min(last, monitoring.today.replace(day=1)) if by_month else first
    points, month, running = [], first, 0
    while month <= last:
        running += int(by_month.get(month, 0) or 0)
        month_end = add_months(month, 1) - timedelta(days=1)
        expected = Decimal(0)
        for framework in frameworks:
            elapsed, days = elapsed_share(framework.starts_on, framework.planned_end, month_end)
            expected += values[framework.framework_id] * elapsed / days
        points.append(ConsumptionPoint(month, cents_to_euro(running),
                                       expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
        month = add_months(month, 1)
    total_estimated = sum(values.values(), Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ConsumptionSeries(tuple(points), maximum.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), total_estimated)
