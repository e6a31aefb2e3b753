"""The savings report of a round (issue 14 part 4, R22): estimated vs awarded annual values per
tender, lot, category and member, and the price development per article. The arithmetic and its
rules: einkauf.contracts.savings_values. The awarded value of a row is computed by
einkauf.contracts.queries.awarded_row_cents — the rounding rule of the contract pages.

Only active tenders count; only lots with an award decision read the awarded bid's prices (R15).
`member_id` limits every figure to one member (officers and member-bound finance, R8).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from einkauf.bids.models import AwardOutcome, BidPrice, LotAward
from einkauf.catalogue.models import Category
from einkauf.cells import PRICE_FORMAT
from einkauf.contracts.queries import _awarded_prices, _big, awarded_row_cents
from einkauf.contracts.savings_values import CooperativeSaving, Figure, OpenLot, PriceChange, SavingsReport, total
from einkauf.errors import NotFound
from einkauf.exports.savings_xlsx import PERCENT_FORMAT, UNIT_PRICE_FORMAT, Sheet
from einkauf.lots.models import Allocation, LotPosition
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member, Round
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.texts import N_

NO_CATEGORY = N_("ohne Warengruppe")


def _rows(session: Session, round_id: int, member_id: int | None) -> list[tuple]:
    """(tender lot id, member id, category id, estimated cents, awarded cents) of the awarded lots."""
    statement = _awarded_prices(
        select(TenderLot.id, Allocation.member_id, LotPosition.category_id,
               cast(func.sum(_big(Allocation.net_value)), BigInteger),
               cast(func.sum(awarded_row_cents(Allocation.quantity, BidPrice.unit_price)), BigInteger))
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
        .join(Tender, Tender.id == TenderLot.tender_id))
    statement = statement.where(Tender.round_id == round_id, Tender.status == TenderStatus.ACTIVE,
                                BidPrice.id.is_not(None))
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    statement = statement.group_by(TenderLot.id, Allocation.member_id, LotPosition.category_id)
    return [tuple(row) for row in session.execute(statement)]


def _lot_estimates(session: Session, tender_lot_ids: list[int], member_id: int | None) -> dict[int, Decimal]:
    statement = (select(TenderLot.id, cast(func.sum(_big(Allocation.net_value)), BigInteger))
                 .select_from(Allocation)
                 .join(LotPosition, LotPosition.id == Allocation.position_id)
                 .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
                 .where(TenderLot.id.in_(tender_lot_ids)))
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    return {key: cents_to_euro(int(cents or 0)) for key, cents in session.execute(statement.group_by(TenderLot.id))}


def _awarded_prices_by_round(session: Session, opens_on_max, member_id: int | None) -> list[tuple]:
    """(round opens_on, round code, product number, short text, unit, awarded unit price) of every
    awarded position of active tenders of rounds that opened up to `opens_on_max`."""
    statement = _awarded_prices(
        select(Round.opens_on, Round.code, LotPosition.product_number, LotPosition.short_text,
               LotPosition.unit_label, BidPrice.unit_price)
        .select_from(LotPosition)
        .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
        .join(Tender, Tender.id == TenderLot.tender_id)
        .join(Round, Round.id == Tender.round_id))
    statement = statement.where(Tender.status == TenderStatus.ACTIVE, Round.opens_on <= opens_on_max,
                                BidPrice.id.is_not(None))
    if member_id is not None:
        statement = statement.where(LotPosition.id.in_(
            select(Allocation.position_id).where(Allocation.member_id == member_id)))
    return [tuple(row) for row in session.execute(statement.distinct())]


def _price_development(session: Session, round_: Round, member_id: int | None) -> tuple[PriceChange, ...]:
    rows = _awarded_prices_by_round(session, round_.opens_on, member_id)
    current: dict[str, tuple] = {}
    previous: dict[str, tuple] = {}
    for opens_on, code, number, short_text, unit_label, price in rows:
        if code == round_.code:
            current.setdefault(number, (short_text, unit_label, price))
        elif opens_on < round_.opens_on and (number not in previous or previous[number][0] < opens_on):
            previous[number] = (opens_on, code, price)
    return tuple(PriceChange(number, short_text, unit_label, price,
                             previous[number][2] if number in previous else None,
                             previous[number][1] if number in previous else "")
                 for number, (short_text, unit_label, price) in sorted(current.items()))


def savings_report(session: Session, round_id: int, *, member_id: int | None = None,
                   translate=lambda text: text) -> SavingsReport:
    """The savings of a round (all members, or one). Raises NotFound for an unknown round."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFound("Bedarfsabfrage nicht gefunden.")
    tender_lots = list(session.scalars(
        select(TenderLot).join(Tender, Tender.id == TenderLot.tender_id)
        .where(Tender.round_id == round_id, Tender.status == TenderStatus.ACTIVE)
        .order_by(Tender.reference, TenderLot.sort_key)))
    awards = {a.tender_lot_id: a for a in session.scalars(
        select(LotAward).where(LotAward.tender_lot_id.in_([t.id for t in tender_lots])))}
    rows = _rows(session, round_id, member_id)
    by_lot: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_member: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for tender_lot_id, row_member, category_id, estimated, awarded in rows:
        for bucket, key in ((by_lot, tender_lot_id), (by_member, row_member), (by_category, category_id)):
            bucket[key][0] += int(estimated or 0)
            bucket[key][1] += int(awarded or 0)

    def figure(label: str, cents: list[int], detail: str = "") -> Figure:
        return Figure(label, cents_to_euro(cents[0]), cents_to_euro(cents[1]), detail)

    lots, not_decided = [], []
    for tender_lot in tender_lots:
        award = awards.get(tender_lot.id)
        if award is not None and award.outcome == AwardOutcome.AWARDED and tender_lot.id in by_lot:
            lots.append(figure(f"{tender_lot.number} {tender_lot.lot.title}", by_lot[tender_lot.id],
                               tender_lot.tender.reference))
        elif award is None or award.outcome != AwardOutcome.AWARDED:
            not_decided.append(tender_lot)
    estimates = _lot_estimates(session, [t.id for t in not_decided], member_id)
    not_counted = tuple(
        OpenLot(t.tender.reference, t.number, t.lot.title,
                "cancelled" if awards.get(t.id) is not None else "open",
                awards[t.id].reason if t.id in awards else "", estimates.get(t.id, Decimal("0.00")))
        for t in not_decided if member_id is None or t.id in estimates)
    tenders: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for tender_lot in tender_lots:
        if tender_lot.id in by_lot:  # only awarded lots have rows at awarded prices
            cents = by_lot[tender_lot.id]
            tenders[tender_lot.tender.reference][0] += cents[0]
            tenders[tender_lot.tender.reference][1] += cents[1]
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(list(by_member)))).tuples().all())
    categories = dict(session.execute(select(Category.id, Category.name).where(
        Category.id.in_([k for k in by_category if k is not None]))).tuples().all())
    members = tuple(sorted((figure(names.get(key, str(key)), cents) for key, cents in by_member.items()),
                           key=lambda f: f.label))
    category_figures = tuple(sorted(
        (figure(categories.get(key, translate(NO_CATEGORY)) if key is not None else translate(NO_CATEGORY), cents)
         for key, cents in by_category.items()), key=lambda f: f.label))
    tender_figures = tuple(figure(reference, cents) for reference, cents in sorted(tenders.items()))
    return SavingsReport(round_code=round_.code, round_title=round_.title,
                         total=total(translate(N_("Gesamt")), lots), tenders=tender_figures, lots=tuple(lots),
                         categories=category_figures, members=members,
                         prices=_price_development(session, round_, member_id), not_counted=not_counted)


def rounds_with_awards(session: Session) -> list[tuple[int, str]]:
    """(id, code) of every round with an active tender with an awarded lot, newest first (the
    round picker of the member's savings page)."""
    statement = (select(Round.id, Round.code, Round.opens_on)
                 .join(Tender, Tender.round_id == Round.id)
                 .join(TenderLot, TenderLot.tender_id == Tender.id)
                 .join(LotAward, LotAward.tender_lot_id == TenderLot.id)
                 .where(Tender.status == TenderStatus.ACTIVE, LotAward.outcome == AwardOutcome.AWARDED)
                 .distinct().order_by(Round.opens_on.desc(), Round.id.desc()))
    return [(round_id, code) for round_id, code, _opens_on in session.execute(statement)]


def _figure_rows(figures: Iterable[Figure], *, detail: bool = False) -> tuple[tuple, ...]:
    return tuple(((f.detail,) if detail else ()) + (f.label, f.estimated, f.awarded, f.saving, f.pct)
                 for f in figures)


def report_sheets(report: SavingsReport) -> list[Sheet]:
    """The report as the sheets of einkauf.exports.savings_xlsx (the same figures as the page)."""
    money = (PRICE_FORMAT, PRICE_FORMAT, PRICE_FORMAT, PERCENT_FORMAT)
    figure_headers = ("Schätzwert (Jahr)", "Zuschlagswert (Jahr)", "Einsparung", "Einsparung %")
    overview = [("Bedarfsabfrage", report.round_code, None, None, None, None),
                ("Gesamt", "", report.total.estimated, report.total.awarded, report.total.saving, report.total.pct)]
    overview += [("Vergabeverfahren", *row) for row in _figure_rows(report.tenders)]
    overview += [("Nicht gezählt: " + ("aufgehoben" if lot.outcome == "cancelled" else "nicht entschieden"),
                  f"{lot.tender_reference} Los {lot.number} {lot.title} {lot.reason}".strip(),
                  lot.estimated, None, None, None) for lot in report.not_counted]
    return [
        Sheet("Übersicht", ("Art", "Bezeichnung", *figure_headers), tuple(overview), (None, None, *money)),
        Sheet("Lose", ("Vergabeverfahren", "Los", *figure_headers), _figure_rows(report.lots, detail=True),
              (None, None, *money)),
        Sheet("Warengruppen", ("Warengruppe", *figure_headers), _figure_rows(report.categories), (None, *money)),
        Sheet("Mitglieder", ("Mitglied", *figure_headers), _figure_rows(report.members), (None, *money)),
        Sheet("Preisentwicklung", ("Artikelnummer", "Kurztext", "Einheit", "Zuschlagspreis", "Vorrunde",
                                   "Zuschlagspreis Vorrunde", "Änderung", "Änderung %"),
              tuple((p.product_number, p.short_text, p.unit_label, p.price, p.previous_round or None,
                     p.previous_price, p.change, p.pct) for p in report.prices),
              (None, None, None, UNIT_PRICE_FORMAT, None, UNIT_PRICE_FORMAT, UNIT_PRICE_FORMAT, PERCENT_FORMAT)),
    ]


def cooperative_saving(session: Session) -> CooperativeSaving | None:
    """The cooperative's saving over every round with an awarded lot, and per round (the
    coordinator's start page): the same sums as each round's savings report, in one query."""
    statement = _awarded_prices(
        select(Round.id, Round.code, Round.opens_on,
               cast(func.sum(_big(Allocation.net_value)), BigInteger),
               cast(func.sum(awarded_row_cents(Allocation.quantity, BidPrice.unit_price)), BigInteger))
        .select_from(Allocation)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
        .join(Tender, Tender.id == TenderLot.tender_id)
        .join(Round, Round.id == Tender.round_id))
    statement = (statement.where(Tender.status == TenderStatus.ACTIVE, BidPrice.id.is_not(None))
                 .group_by(Round.id, Round.code, Round.opens_on)
                 .order_by(Round.opens_on.desc(), Round.id.desc()))
    rounds = tuple((round_id, Figure(code, cents_to_euro(int(estimated or 0)), cents_to_euro(int(awarded or 0))))
                   for round_id, code, _opens_on, estimated, awarded in session.execute(statement))
    if not rounds:
        return None
    return CooperativeSaving(rounds, total("", (figure for _round_id, figure in rounds)))
