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

from sqlalchemy import BigInteger, String, cast, exists, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label
from einkauf.db import utcnow
from einkauf.errors import InvalidState, NotFound, ValidationFailed
from einkauf.exports.finance import PRICE_BASIS_LABELS, ExportInfo, ExportTotals, LotValues, download_name, fiscal_year
from einkauf.exports.finance_csv import FinanceLines, write_finance_csv_lines, write_reconciliation_csv
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, Profile
from einkauf.exports.finance_xlsx import write_finance_xlsx
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.lots.services import member_annual_shares
from einkauf.lots.values import lot_money
from einkauf.money import cents_to_euro
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus
from einkauf.rounds.services import get_round

log = logging.getLogger(__name__)

# "abstimmung": the reconciliation per lot as CSV (R22), a file of its own beside the detail CSV.
FORMATS = ("xlsx", "csv", "abstimmung")
PRICE_BASES = tuple(PRICE_BASIS_LABELS)
YIELD_PER = 5000


class NoAwards(InvalidState):
    """Awarded prices were asked for, but no lot has been awarded yet."""


def _big(column) -> Any:
    return type_coerce(column, BigInteger)


def _vat_and_gross() -> tuple[Any, Any]:
    net = _big(Allocation.net_value)
    vat = (net * _big(LotPosition.vat_rate) + literal(5000, BigInteger)) // literal(10000, BigInteger)
    return vat, net + vat


def _ordered_rows(columns: Sequence[Any], plan_id: int, member_id: int | None):
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
        .order_by(Member.ags, Lot.sort_key, LotPosition.number, DeliverySite.name, Allocation.cost_centre,
                  Allocation.budget_account, Allocation.id)
    )
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    return statement


def finance_rows_statement(plan_id: int, *, fiscal_year: str, round_code: str, reference: str = "",
                           price_basis: str = "estimated", member_id: int | None = None):
    """The SELECT of the detail rows of a plan, in FinanceRow order, sorted stably:
    AGS, lot, position, delivery site, cost centre, budget account (allocation id last)."""
    vat, gross = _vat_and_gross()
    return _ordered_rows((
        literal(fiscal_year, String), Member.name, Member.ags, DeliverySite.name, Allocation.cost_centre,
        Allocation.budget_account, literal(reference, String), Lot.number, Lot.title, LotPosition.number,
        LotPosition.product_number, LotPosition.short_text, LotPosition.cpv_code, _big(Allocation.quantity),
        LotPosition.unit_label, _big(LotPosition.reference_price), _big(Allocation.net_value),
        _big(LotPosition.vat_rate), vat, gross, literal(PRICE_BASIS_LABELS[price_basis], String),
        literal(round_code, String), LotPosition.unit_code,
    ), plan_id, member_id)


def finance_lines_statement(plan_id: int, *, member_id: int | None = None):
    """The same rows in the compact form of FinanceLines: member, site and position ids, then
    cost centre, budget account, quantity, net, VAT and gross — in the same order.

    Measured on SQLite (250,000 rows): 0.38 s instead of 0.83 s to read them as full rows — the
    sort carries less, and the driver builds two strings per row instead of sixteen."""
    vat, gross = _vat_and_gross()
    return _ordered_rows((
        Allocation.member_id, Allocation.delivery_site_id, Allocation.position_id, Allocation.cost_centre,
        Allocation.budget_account, _big(Allocation.quantity), _big(Allocation.net_value), vat, gross,
    ), plan_id, member_id)


def finance_lines(session: Session, plan_id: int, *, fiscal_year: str, round_code: str, reference: str = "",
                  price_basis: str = "estimated", member_id: int | None = None) -> FinanceLines:
    """The detail rows of a plan as FinanceLines for the CSV writer: the lines stream from the
    database; members, delivery sites and positions (a few thousand rows) are read first."""
    members: dict[int, tuple] = {}
    sites: dict[int, tuple] = {}
    member_filter = [Member.id == member_id] if member_id is not None else []
    for id_, name, ags in session.execute(select(Member.id, Member.name, Member.ags).where(*member_filter)):
        members[id_] = (name, ags)
    for id_, name in session.execute(select(DeliverySite.id, DeliverySite.name)):
        sites[id_] = (name,)
    positions = {
        id_: tuple(values) for id_, *values in session.execute(
            select(LotPosition.id, Lot.number, Lot.title, LotPosition.number, LotPosition.product_number,
                   LotPosition.short_text, LotPosition.cpv_code, LotPosition.unit_label,
                   _big(LotPosition.reference_price), _big(LotPosition.vat_rate), LotPosition.unit_code)
            .join(Lot, Lot.id == LotPosition.lot_id).where(LotPosition.plan_id == plan_id))
    }
    lines = stream_rows(session, finance_lines_statement(plan_id, member_id=member_id))
    return FinanceLines(lines=lines, members=members, sites=sites, positions=positions,
                        export=(fiscal_year, reference, PRICE_BASIS_LABELS[price_basis], round_code))


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


def _check_prices(rnd: Round, prices: str) -> None:
    if prices not in PRICE_BASES:
        raise ValidationFailed(f"Unbekannte Preisbasis „{prices[:20]}“: erlaubt sind {', '.join(PRICE_BASES)}.")
    if prices == "awarded":
        # There is no award in the model yet (bids and awards are a later stage).
        raise NoAwards(f"Für die Bedarfsabfrage {rnd.code} gibt es noch keine Zuschläge: ein Export mit "
                       "Zuschlagspreisen ist erst nach der Zuschlagserteilung möglich (--prices estimated "
                       "verwendet die Schätzpreise).")


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


def prepare_round_export(session: Session, round_id: int, *, member_id: int | None = None,
                         prices: str = "estimated", reference: str = "", now: datetime | None = None
                         ) -> FinanceExport:
    """Check and describe the export of a round's current plan (optionally one member's share only).

    Raises NotFound for an unknown round, InvalidState while it is not closed or has no plan,
    NoAwards for awarded prices (none exist yet).
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
                    reference=tender.reference, now=now)


def _prepare(session: Session, rnd: Round, plan: LotPlan, *, member_id: int | None, prices: str, reference: str,
             now: datetime | None) -> FinanceExport:
    _check_prices(rnd, prices)
    member = _member(session, member_id)
    info = ExportInfo(
        round_code=rnd.code, round_title=rnd.title, generated_at=now or utcnow(), price_basis=prices,
        reference=reference, member_label=f"{member.name} ({member.ags})" if member else "alle Mitglieder",
        plan_version=plan.version, plan_fingerprint=plan.fingerprint,
        plan_net_total=_selection_total(session, plan, member_id),
        lots=lot_values(session, plan, member),
    )
    return FinanceExport(round=rnd, plan=plan, info=info, member=member, reference=reference, price_basis=prices)


def write_export(session: Session, export: FinanceExport, fmt: str, stream: BinaryIO, *,
                 profile: Profile = DEFAULT_PROFILE, actor: Actor | None = None, rows_per_sheet: int | None = None
                 ) -> ExportTotals:
    """Stream the export's rows from the database into the xlsx or CSV writer."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"Unbekanntes Format „{fmt[:20]}“: erlaubt sind xlsx, csv und abstimmung.")
    if fmt == "abstimmung":
        return _write_reconciliation(session, export, stream, profile)
    selection: dict[str, Any] = {"fiscal_year": export.fiscal_year, "round_code": export.round.code,
                                 "reference": export.reference,
                 "price_basis": export.price_basis, "member_id": export.member.id if export.member else None}
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
    statement = (select(Lot.number, func.count(), cast(func.sum(_big(Allocation.net_value)), BigInteger))
                 .select_from(Allocation)
                 .join(LotPosition, LotPosition.id == Allocation.position_id)
                 .join(Lot, Lot.id == LotPosition.lot_id)
                 .where(LotPosition.plan_id == export.plan.id)
                 .group_by(Lot.number))
    if export.member is not None:
        statement = statement.where(Allocation.member_id == export.member.id)
    by_lot = {number: (int(rows), int(cents or 0)) for number, rows, cents in session.execute(statement)}
    write_reconciliation_csv(export.info.lots, by_lot, stream, profile)
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
