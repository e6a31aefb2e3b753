"""Finance exports of a round's or a tender's lot plan: the row query and the export services (issue 6).

The rows are the plan's allocations (one per submitted demand line, i.e. per member × delivery
site × cost centre × budget account × lot position — the demand service refuses a second line
with the same product, site, cost centre and budget account) joined to their position, lot,
member and delivery site. All money comes from the database as the stored scaled integers:
the net value is the allocation's `net_value` (quantity × reference price, half-up to cents,
stored by the build, R1); VAT and gross are computed in the same SELECT:

    VAT   = (net · rate + 5000) div 10000   net in cents, rate in hundredths of a percent
          = round_half_up(net × rate / 100)                                       (cents)
    gross = net + VAT

Both operands are non-negative integers, so integer division is floor on SQLite and
PostgreSQL alike and adding half the divisor makes it half-up. The rows stream from the
database (`yield_per`) into the pure writers of einkauf.exports.finance_csv / finance_xlsx; nothing holds more
than one batch of rows. The xlsx writer reads full FinanceRow tuples; the CSV writer, whose
cost is mostly reading and formatting rows, reads only ids and the row's own values
(`finance_lines_statement`) and looks up the plan's members, sites and positions once.

At awarded prices (issue 14 part 3, R20, R22) the same rows are joined (outer) to the award of
their lot in the tender (the round's active tender, or the tender exported) and to the awarded
bid's price of their position; net is then einkauf.contracts.queries.awarded_row_cents — the
one rule of a row at an awarded price, shared with the contract pages — and VAT and gross follow
from it as above. Rows of lots not awarded (no decision yet, or cancelled) keep their estimate
and carry a status, but no awarded amounts (NULL, written as empty cells): never silently priced.

Tenant isolation (R8): `member_id` restricts the rows in SQL; callers pass the signed-in
user's own member (never one taken from the request) for officers and member-bound finance.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import BigInteger, String, case, cast, exists, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label
from einkauf.bids.models import AwardOutcome, Bid, Bidder, BidLot, BidPrice, LotAward
from einkauf.contracts.queries import awarded_annual_cents, awarded_row_cents
from einkauf.contracts.values import AWARD_ROUNDING_CAUSE
from einkauf.db import utcnow
from einkauf.errors import InvalidState, NotFound, ValidationFailed
from einkauf.exports.finance import PRICE_BASIS_LABELS, ExportInfo, ExportTotals, LotValues, download_name, fiscal_year
from einkauf.exports.finance_csv import FinanceLines, write_finance_csv_lines, write_reconciliation_csv
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, Profile, for_price_basis
from einkauf.exports.finance_xlsx import write_finance_xlsx
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.lots.services import member_annual_shares
from einkauf.lots.values import lot_money
from einkauf.money import cents_to_euro
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus
from einkauf.rounds.services import get_round
from einkauf.tenders.models import Tender, TenderLot, TenderStatus

log = logging.getLogger(__name__)

# "abstimmung": the reconciliation per lot as CSV (R22), a file of its own beside the detail CSV.
FORMATS = ("xlsx", "csv", "abstimmung")
PRICE_BASES = tuple(PRICE_BASIS_LABELS)
YIELD_PER = 5000


class NoAwards(InvalidState):
    """Awarded prices were asked for, but no lot has been awarded yet."""


def _big(column) -> Any:
    return type_coerce(column, BigInteger)


def _vat_and_gross(net: Any = None) -> tuple[Any, Any]:
    net = _big(Allocation.net_value) if net is None else net
    vat = (net * _big(LotPosition.vat_rate) + literal(5000, BigInteger)) // literal(10000, BigInteger)
    return vat, net + vat


# The award status of a row's lot, as written in the export (column "Vergabestatus").
STATUS_AWARDED = "vergeben"
STATUS_NO_PRICE = "vergeben, ohne Preis"  # the awarded bid has no price for the position (gap accepted)
STATUS_OPEN = "nicht vergeben"
STATUS_CANCELLED = "aufgehoben"


def _with_awards(statement, tender_id: int, *, supplier: bool = False):
    """Join a statement over Lot and LotPosition (outer) to the award of the lot in the tender
    and the awarded bid's price of the position: BidPrice.unit_price is NULL unless the lot is
    awarded and the bid prices the position."""
    statement = (statement
                 .outerjoin(TenderLot, (TenderLot.lot_id == Lot.id) & (TenderLot.tender_id == tender_id))
                 .outerjoin(LotAward, LotAward.tender_lot_id == TenderLot.id)
                 .outerjoin(BidLot, (BidLot.bid_id == LotAward.bid_id) & (BidLot.tender_lot_id == TenderLot.id)
                            & (LotAward.outcome == AwardOutcome.AWARDED))
                 .outerjoin(BidPrice, (BidPrice.bid_lot_id == BidLot.id) & (BidPrice.position_id == LotPosition.id)))
    if supplier:
        statement = statement.outerjoin(Bid, Bid.id == BidLot.bid_id).outerjoin(Bidder, Bidder.id == Bid.bidder_id)
    return statement


def _award_status() -> Any:
    return case((BidPrice.unit_price.is_not(None), literal(STATUS_AWARDED, String)),
                (LotAward.outcome == AwardOutcome.AWARDED, literal(STATUS_NO_PRICE, String)),
                (LotAward.outcome == AwardOutcome.CANCELLED, literal(STATUS_CANCELLED, String)),
                else_=literal(STATUS_OPEN, String))


def _awarded_net() -> Any:
    return awarded_row_cents(Allocation.quantity, BidPrice.unit_price)


def _ordered_rows(columns: Sequence[Any], plan_id: int, member_id: int | None, tender_id: int | None = None,
                  supplier: bool = False):
    """The plan's allocations joined to position, lot, member and site, in export order:
    AGS, lot, position, delivery site, cost centre, budget account (allocation id last)."""
    statement = (
        select(*columns)
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(Lot, Lot.id == LotPosition.lot_id)
        .join(Member, Member.id == Allocation.member_id)
        .join(DeliverySite, DeliverySite.id == Allocation.delivery_site_id)
        .where(LotPosition.plan_id == plan_id)
    )
    if tender_id is not None:
        statement = _with_awards(statement, tender_id, supplier=supplier)
    statement = statement.order_by(Member.ags, Lot.sort_key, LotPosition.number, DeliverySite.name,
                                   Allocation.cost_centre, Allocation.budget_account, Allocation.id)
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    return statement


def finance_rows_statement(plan_id: int, *, fiscal_year: str, round_code: str, reference: str = "",
                           price_basis: str = "estimated", member_id: int | None = None,
                           tender_id: int | None = None):
    """The SELECT of the detail rows of a plan, in FinanceRow order, sorted stably:
    AGS, lot, position, delivery site, cost centre, budget account (allocation id last).
    At awarded prices (price_basis "awarded", tender_id the tender whose awards count) net, VAT
    and gross are the awarded amounts and the award columns are filled."""
    if price_basis == "awarded":
        if tender_id is None:
            raise ValueError("awarded prices need the tender of the awards")
        net = _awarded_net()
        vat, gross = _vat_and_gross(net)
        return _ordered_rows((
            literal(fiscal_year, String), Member.name, Member.ags, DeliverySite.name, Allocation.cost_centre,
            Allocation.budget_account, literal(reference, String), Lot.number, Lot.title, LotPosition.number,
            LotPosition.product_number, LotPosition.short_text, LotPosition.cpv_code, _big(Allocation.quantity),
            LotPosition.unit_label, _big(LotPosition.reference_price), net, _big(LotPosition.vat_rate), vat, gross,
            literal(PRICE_BASIS_LABELS[price_basis], String), literal(round_code, String), LotPosition.unit_code,
            func.coalesce(Bidder.name, literal("", String)), _award_status(), _big(BidPrice.unit_price),
            _big(Allocation.net_value),
        ), plan_id, member_id, tender_id, supplier=True)
    vat, gross = _vat_and_gross()
    return _ordered_rows((
        literal(fiscal_year, String), Member.name, Member.ags, DeliverySite.name, Allocation.cost_centre,
        Allocation.budget_account, literal(reference, String), Lot.number, Lot.title, LotPosition.number,
        LotPosition.product_number, LotPosition.short_text, LotPosition.cpv_code, _big(Allocation.quantity),
        LotPosition.unit_label, _big(LotPosition.reference_price), _big(Allocation.net_value),
        _big(LotPosition.vat_rate), vat, gross, literal(PRICE_BASIS_LABELS[price_basis], String),
        literal(round_code, String), LotPosition.unit_code, literal("", String), literal("", String),
        literal(None, BigInteger), _big(Allocation.net_value),
    ), plan_id, member_id)


def finance_lines_statement(plan_id: int, *, member_id: int | None = None, tender_id: int | None = None):
    """The same rows in the compact form of FinanceLines: member, site and position ids, then
    cost centre, budget account, quantity, net, VAT and gross — in the same order.

    Measured on SQLite (250,000 rows): 0.38 s instead of 0.83 s to read them as full rows — the
    sort carries less, and the driver builds two strings per row instead of sixteen.

    With tender_id: at the awarded prices of that tender (net, VAT, gross NULL where not priced);
    the row's estimated net follows them (at estimated prices it is the net)."""
    net = _awarded_net() if tender_id is not None else _big(Allocation.net_value)
    vat, gross = _vat_and_gross(net)
    estimate = (_big(Allocation.net_value),) if tender_id is not None else ()
    return _ordered_rows((
        Allocation.member_id, Allocation.delivery_site_id, Allocation.position_id, Allocation.cost_centre,
        Allocation.budget_account, _big(Allocation.quantity), net, vat, gross, *estimate,
    ), plan_id, member_id, tender_id)


def finance_lines(session: Session, plan_id: int, *, fiscal_year: str, round_code: str, reference: str = "",
                  price_basis: str = "estimated", member_id: int | None = None,
                  tender_id: int | None = None) -> FinanceLines:
    """The detail rows of a plan as FinanceLines for the CSV writer: the lines stream from the
    database; members, delivery sites and positions (a few thousand rows) are read first."""
    members: dict[int, tuple] = {}
    sites: dict[int, tuple] = {}
    member_filter = [Member.id == member_id] if member_id is not None else []
    for id_, name, ags in session.execute(select(Member.id, Member.name, Member.ags).where(*member_filter)):
        members[id_] = (name, ags)
    for id_, name in session.execute(select(DeliverySite.id, DeliverySite.name)):
        sites[id_] = (name,)
    awarded = price_basis == "awarded"
    if awarded and tender_id is None:
        raise ValueError("awarded prices need the tender of the awards")
    award_columns = ((func.coalesce(Bidder.name, literal("", String)), _award_status(), _big(BidPrice.unit_price))
                     if awarded else (literal("", String), literal("", String), literal(None, BigInteger)))
    position_statement = (
        select(LotPosition.id, Lot.number, Lot.title, LotPosition.number, LotPosition.product_number,
               LotPosition.short_text, LotPosition.cpv_code, LotPosition.unit_label,
               _big(LotPosition.reference_price), _big(LotPosition.vat_rate), LotPosition.unit_code, *award_columns)
        .join(Lot, Lot.id == LotPosition.lot_id).where(LotPosition.plan_id == plan_id))
    if awarded:
        assert tender_id is not None
        position_statement = _with_awards(position_statement, tender_id, supplier=True)
    positions = {id_: tuple(values) for id_, *values in session.execute(position_statement)}
    lines = stream_rows(session, finance_lines_statement(plan_id, member_id=member_id,
                                                         tender_id=tender_id if awarded else None))
    return FinanceLines(lines=lines, members=members, sites=sites, positions=positions,
                        export=(fiscal_year, reference, PRICE_BASIS_LABELS[price_basis], round_code),
                        unpriced=awarded)


def stream_rows(session: Session, statement) -> Iterator[Any]:
    """The rows of a statement, fetched in batches (server-side cursor on PostgreSQL).

    On the session's connection, not through the ORM layer: plain column rows need none of it,
    and it costs about 2 µs per row (measured: 5.5 s instead of 3.7 s for 1,000,000 rows)."""
    result = session.connection().execute(statement.execution_options(yield_per=YIELD_PER))
    try:
        yield from result
    finally:
        result.close()


@dataclass(frozen=True)
class FinanceExport:
    """What one export is of: the plan, the selection and the details for the Info sheet."""

    round: Round
    plan: LotPlan
    info: ExportInfo
    member: Member | None
    reference: str
    price_basis: str
    tender_id: int | None = None  # at awarded prices: the tender whose awards price the rows

    @property
    def fiscal_year(self) -> str:
        return fiscal_year(self.round.code, self.round.deadline)

    def file_name(self, fmt: str) -> str:
        if fmt == "abstimmung":
            name = download_name(self.round.code, self.member.ags if self.member else None, "csv",
                                 reference=self.reference)
            return name.removesuffix(".csv") + "_Abstimmung.csv"
        return download_name(self.round.code, self.member.ags if self.member else None, fmt, reference=self.reference)


def current_plan_of(session: Session, rnd: Round) -> LotPlan:
    """The round's current lot plan; refused while the round is not closed or has no plan."""
    if rnd.status != RoundStatus.CLOSED:
        raise InvalidState(f"Die Bedarfsabfrage {rnd.code} ist noch nicht geschlossen; Finanzexporte gibt es erst "
                           "nach dem Schließen und der Losbildung.")
    plan = session.scalar(select(LotPlan).where(LotPlan.round_id == rnd.id, LotPlan.superseded_at.is_(None)))
    if plan is None:
        raise InvalidState(f"Für die Bedarfsabfrage {rnd.code} wurden noch keine Lose gebildet.")
    return plan


def _check_prices(prices: str) -> None:
    if prices not in PRICE_BASES:
        raise ValidationFailed(f"Unbekannte Preisbasis „{prices[:20]}“: erlaubt sind {', '.join(PRICE_BASES)}.")


def _award_tender(session: Session, rnd: Round, plan: LotPlan, tender: Tender | None) -> Tender:
    """The tender whose awards price an export at awarded prices: the one exported, or the
    round's newest active tender of the plan. Refused (NoAwards) while none of its lots is awarded."""
    if tender is None:
        tender = session.scalar(select(Tender).where(Tender.plan_id == plan.id, Tender.status == TenderStatus.ACTIVE)
                                .order_by(Tender.id.desc()).limit(1))
    awarded = tender is not None and session.scalar(
        select(func.count()).select_from(LotAward).join(TenderLot, TenderLot.id == LotAward.tender_lot_id)
        .where(TenderLot.tender_id == tender.id, LotAward.outcome == AwardOutcome.AWARDED))
    if not awarded:
        raise NoAwards(f"Für die Bedarfsabfrage {rnd.code} gibt es noch keine Zuschläge: ein Export mit "
                       "Zuschlagspreisen ist erst nach der Zuschlagserteilung möglich (--prices estimated "
                       "verwendet die Schätzpreise).")
    assert tender is not None
    return tender


def awarded_plan_ids(session: Session) -> set[int]:
    """The plans with at least one awarded lot in an active tender (the web page offers the
    export at awarded prices for them)."""
    return set(session.scalars(
        select(Tender.plan_id).join(TenderLot, TenderLot.tender_id == Tender.id)
        .join(LotAward, LotAward.tender_lot_id == TenderLot.id)
        .where(Tender.status == TenderStatus.ACTIVE, LotAward.outcome == AwardOutcome.AWARDED).distinct()))


def awarded_tender_ids(session: Session) -> set[int]:
    """The tenders with at least one awarded lot."""
    return set(session.scalars(
        select(TenderLot.tender_id).join(LotAward, LotAward.tender_lot_id == TenderLot.id)
        .where(LotAward.outcome == AwardOutcome.AWARDED).distinct()))


def _member(session: Session, member_id: int | None) -> Member | None:
    if member_id is None:
        return None
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("Mitglied nicht gefunden.")
    return member


def _selection_total(session: Session, plan: LotPlan, member_id: int | None) -> Decimal:
    """The plan's annual net total, or one member's share of it, to reconcile against."""
    if member_id is None:
        return plan.annual_total
    cents = session.scalar(
        select(cast(func.coalesce(func.sum(_big(Allocation.net_value)), 0), BigInteger))
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .where(LotPosition.plan_id == plan.id, Allocation.member_id == member_id)
    )
    return cents_to_euro(cents)


def lot_values(session: Session, plan: LotPlan, member: Member | None = None) -> tuple[LotValues, ...]:
    """Per lot of the plan, the annual and term values the export reconciles against (R22),
    derived by einkauf.lots.values.lot_money like the Vergabevermerk and the pages. For one
    member: only the lots it has rows in, with its annual and term share and no § 3 VgV value."""
    months = plan.round.contract_term_months + plan.round.extension_months
    shares = member_annual_shares(session, plan.id) if member is not None else {}
    values = []
    for lot in plan.lots:
        if member is None:
            money = lot_money(lot.annual_value, lot.estimated_value, months)
            values.append(LotValues(lot.number, lot.title, money.annual_value, months, money.annual_term_value,
                                    money.term_value))
            continue
        key = (member.ags, member.name)
        if key not in shares.get(lot.id, {}):
            continue
        share = lot_money(lot.annual_value, lot.estimated_value, months, shares[lot.id]).member(key)
        values.append(LotValues(lot.number, lot.title, share.annual_value, months, share.term_value))
    return tuple(values)


def awarded_lot_values(session: Session, plan: LotPlan, tender: Tender,
                       member: Member | None = None) -> tuple[tuple[LotValues, ...], Decimal]:
    """Per lot of the plan, the values the export at awarded prices reconciles against (R20, R22),
    and the selection's annual total at awarded prices. The annual values are the contract
    pages' (einkauf.contracts.queries.awarded_annual_cents: Σ of the members' rows at the awarded
    price); over the term lot_money as there. All members: the lot's awarded total beside it
    (its difference is AWARD_ROUNDING_CAUSE); one member: its annual value and term share.
    Lots not awarded have no value (0,00 €) and their status in the title."""
    months = plan.round.contract_term_months + plan.round.extension_months
    tender_lots = {tl.lot_id: tl for tl in session.scalars(select(TenderLot).where(TenderLot.tender_id == tender.id))}
    awards = {a.tender_lot_id: a for a in session.scalars(
        select(LotAward).where(LotAward.tender_lot_id.in_([tl.id for tl in tender_lots.values()])))}
    awarded_ids = [tl_id for tl_id, a in awards.items() if a.outcome == AwardOutcome.AWARDED]
    annual = awarded_annual_cents(session, awarded_ids)
    shares = member_annual_shares(session, plan.id) if member is not None else {}
    values, total = [], Decimal("0.00")
    zero = Decimal("0.00")
    for lot in plan.lots:
        if member is not None and (member.ags, member.name) not in shares.get(lot.id, {}):
            continue
        tender_lot = tender_lots.get(lot.id)
        award = awards.get(tender_lot.id) if tender_lot is not None else None
        if tender_lot is None or award is None or award.outcome != AwardOutcome.AWARDED:
            status = STATUS_CANCELLED if award is not None else STATUS_OPEN
            values.append(LotValues(lot.number, f"{lot.title} ({status})", zero, months, zero,
                                    None if member is not None else zero))
            continue
        members = {key: cents_to_euro(cents) for key, cents in annual.get(tender_lot.id, {}).items()}
        money = lot_money(sum(members.values(), zero), award.lot_total or zero, months, members)
        if member is None:
            values.append(LotValues(lot.number, lot.title, money.annual_value, months, money.annual_term_value,
                                    award.lot_total or zero))
            total += money.annual_value
        elif member.id in members:
            share = money.member(member.id)
            values.append(LotValues(lot.number, lot.title, share.annual_value, months, share.term_value))
            total += share.annual_value
        else:  # the member's positions of the lot have no awarded price
            values.append(LotValues(lot.number, lot.title, zero, months, zero))
    return tuple(values), total


def prepare_round_export(session: Session, round_id: int, *, member_id: int | None = None,
                         prices: str = "estimated", reference: str = "", now: datetime | None = None
                         ) -> FinanceExport:
    """Check and describe the export of a round's current plan (optionally one member's share only).

    Raises NotFound for an unknown round, InvalidState while it is not closed or has no plan,
    NoAwards for awarded prices while no lot of the round's active tender is awarded.
    """
    rnd = get_round(session, round_id)
    plan = current_plan_of(session, rnd)
    return _prepare(session, rnd, plan, member_id=member_id, prices=prices, reference=reference, now=now)


def prepare_tender_export(session: Session, tender_id_or_reference: int | str, *, member_id: int | None = None,
                          prices: str = "estimated", now: datetime | None = None) -> FinanceExport:
    """The same for a tender: its frozen plan, with its Vergabenummer in every row."""
    from einkauf.tenders.services import get_tender

    tender = get_tender(session, tender_id_or_reference)
    return _prepare(session, tender.round, tender.plan, member_id=member_id, prices=prices,
                    reference=tender.reference, now=now, tender=tender)


def _prepare(session: Session, rnd: Round, plan: LotPlan, *, member_id: int | None, prices: str, reference: str,
             now: datetime | None, tender: Tender | None = None) -> FinanceExport:
    _check_prices(prices)
    award_tender = _award_tender(session, rnd, plan, tender) if prices == "awarded" else None
    member = _member(session, member_id)
    if award_tender is not None:
        lots, net_total = awarded_lot_values(session, plan, award_tender, member)
    else:
        lots, net_total = lot_values(session, plan, member), _selection_total(session, plan, member_id)
    info = ExportInfo(
        round_code=rnd.code, round_title=rnd.title, generated_at=now or utcnow(), price_basis=prices,
        reference=reference, member_label=f"{member.name} ({member.ags})" if member else "alle Mitglieder",
        plan_version=plan.version, plan_fingerprint=plan.fingerprint,
        plan_net_total=net_total, lots=lots,
        award_notes=(AWARD_ROUNDING_CAUSE,) if award_tender is not None else (),
    )
    return FinanceExport(round=rnd, plan=plan, info=info, member=member, reference=reference, price_basis=prices,
                         tender_id=award_tender.id if award_tender is not None else None)


def write_export(session: Session, export: FinanceExport, fmt: str, stream: BinaryIO, *,
                 profile: Profile = DEFAULT_PROFILE, actor: Actor | None = None, rows_per_sheet: int | None = None
                 ) -> ExportTotals:
    """Stream the export's rows from the database into the xlsx or CSV writer."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"Unbekanntes Format „{fmt[:20]}“: erlaubt sind xlsx, csv und abstimmung.")
    if fmt == "abstimmung":
        return _write_reconciliation(session, export, stream, profile)
    profile = for_price_basis(profile, export.price_basis)
    selection: dict[str, Any] = {"fiscal_year": export.fiscal_year, "round_code": export.round.code,
                                 "reference": export.reference, "price_basis": export.price_basis,
                                 "member_id": export.member.id if export.member else None,
                                 "tender_id": export.tender_id}
    if fmt == "xlsx":
        rows = stream_rows(session, finance_rows_statement(export.plan.id, **selection))
        extra = {"rows_per_sheet": rows_per_sheet} if rows_per_sheet else {}
        totals = write_finance_xlsx(rows, stream, profile, export.info, **extra)
    else:
        totals = write_finance_csv_lines(finance_lines(session, export.plan.id, **selection), stream, profile,
                                         export.info)
    log.info(
        "finance export %s of round %s%s (%s) by %s: %s rows, net %s",
        fmt,
        export.round.code,
        f" member {export.member.ags}" if export.member else "",
        profile.name,
        actor_label(actor) if actor else "-",
        totals.rows,
        totals.net,
    )
    return totals


def _write_reconciliation(session: Session, export: FinanceExport, stream: BinaryIO, profile: Profile) -> ExportTotals:
    """The reconciliation per lot as CSV: rows and Σ net per lot of the same selection, summed in
    SQL, against the lot values of the Info sheet (R22)."""
    net = _big(Allocation.net_value) if export.tender_id is None else _awarded_net()
    statement = (select(Lot.number, func.count(), cast(func.sum(net), BigInteger))
                 .select_from(Allocation)
                 .join(LotPosition, LotPosition.id == Allocation.position_id)
                 .join(Lot, Lot.id == LotPosition.lot_id)
                 .where(LotPosition.plan_id == export.plan.id)
                 .group_by(Lot.number))
    if export.tender_id is not None:
        statement = _with_awards(statement, export.tender_id)
    if export.member is not None:
        statement = statement.where(Allocation.member_id == export.member.id)
    by_lot = {number: (int(rows), int(cents or 0)) for number, rows, cents in session.execute(statement)}
    write_reconciliation_csv(export.info.lots, by_lot, stream, profile, awarded=export.tender_id is not None)
    log.info("finance reconciliation of round %s%s (%s): %s lots", export.round.code,
             f" member {export.member.ags}" if export.member else "", profile.name, len(export.info.lots))
    return ExportTotals(rows=sum(rows for rows, _ in by_lot.values()),
                        net_cents=sum(cents for _, cents in by_lot.values()))


@dataclass(frozen=True)
class ExportableRound:
    round: Round
    plan: LotPlan


def exportable_rounds(session: Session) -> list[ExportableRound]:
    """Closed rounds with a current lot plan that has allocations, newest deadline first."""
    has_rows = exists(select(1).select_from(LotPosition).where(LotPosition.plan_id == LotPlan.id))
    rows = session.execute(
        select(Round, LotPlan)
        .join(LotPlan, (LotPlan.round_id == Round.id) & LotPlan.superseded_at.is_(None))
        .where(Round.closed_at.is_not(None), has_rows)
        .order_by(Round.deadline.desc(), Round.id.desc())
    ).all()
    return [ExportableRound(round=r, plan=p) for r, p in rows]


def exportable_tenders(session: Session) -> list:
    """Every tender (active or cancelled), newest first: its frozen plan can always be exported."""
    from einkauf.tenders.services import tender_query

    return list(session.scalars(tender_query()))
