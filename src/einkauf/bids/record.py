"""The award part of the Vergabevermerk (issue 13, parts 4 and 7): the opening, the checks of
every bid and lot, the Preisspiegel summary and matrices, the scoring and the decisions, as the
plain records of einkauf.exports.tender_data (AwardRecord).

`award_record_part(session, tender)` is the builder the composition root (einkauf.app.create_app,
the `einkauf` command group) hands to einkauf.tenders.documents.provide_award_part: tenders may not
import bids, but every Vergabevermerk generated after the opening must carry this part. Before the
opening it returns None — nothing of a price is read (R15). Every figure comes from
einkauf.bids.evaluate.evaluate_bids, the evaluation the Preisspiegel pages, the workbook and the
award use (R22).
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.bids.award import lot_awards
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.evaluation import LotEvaluation, TenderEvaluation
from einkauf.bids.models import Bid, Bidder, BidLot, BidOpening, BidPrice, CheckDecision, LotAward
from einkauf.bids.services import get_opening, tender_lots
from einkauf.errors import InvalidState, StaleVersion
from einkauf.exports import tender_data as td
from einkauf.tenders.documents import RenderedDocuments, render_documents
from einkauf.tenders.models import DocumentKind, Tender
from einkauf.tenders.rules import PRICE_METHODS
from einkauf.tenders.services import get_tender

HUNDRED = Decimal(100)


def award_record_part(session: Session, tender: Tender) -> td.AwardRecord | None:
    """The award part of the tender's Vergabevermerk; None before the opening (R15)."""
    opening = get_opening(session, tender.id)
    if opening is None:
        return None
    _tender, evaluation = evaluate_bids(session, tender.id)
    return award_record(evaluation, opening_record(opening), bid_lot_checks(session, tender),
                        lot_decisions(session, tender))


def award_record(evaluation: TenderEvaluation, opening: td.OpeningRecord, checks: tuple[td.BidLotCheck, ...],
                 decisions: tuple[td.LotDecision, ...]) -> td.AwardRecord:
    """The record from an evaluation and the stored opening, checks and decisions (pure)."""
    scoring = evaluation.scoring
    return td.AwardRecord(
        opening=opening, checks=checks, decisions=decisions,
        standings=tuple(lot_standing(lot) for lot in evaluation.lots),
        matrices=tuple(lot_matrix(lot) for lot in evaluation.lots),
        price_only=scoring.price_only, price_method=PRICE_METHODS[scoring.price_method],
        abnormal_share_pct=scoring.abnormal_share * HUNDRED, outlier_share_pct=scoring.outlier_share * HUNDRED)


def opening_record(opening: BidOpening) -> td.OpeningRecord:
    """The opening as it was recorded (its stored record: counts, never prices)."""
    record = opening.record or {}

    def received(text: str) -> datetime:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # stored as UTC

    return td.OpeningRecord(
        opened_at=opening.opened_at, opened_by=(opening.first_by_label, opening.second_by_label),
        bids=tuple(td.OpenedBid(bidder=entry["bidder"], received_at=received(entry["received_at"]),
                                late=bool(entry["late"]), lots=tuple(entry.get("lots") or ()),
                                price_count=int(entry.get("price_count") or 0))
                   for entry in record.get("bids", [])))


def bid_lot_checks(session: Session, tender: Tender) -> tuple[td.BidLotCheck, ...]:
    """Every lot of every bid with its check decision and the positions without a price, by
    bidder, then lot order (two queries for the prices, whatever the number of bids)."""
    lots = {lot.tender_lot_id: lot for lot in tender_lots(session, tender)}
    priced: dict[int, set[int]] = {}
    for bid_lot_id, position_id in session.execute(
            select(BidPrice.bid_lot_id, BidPrice.position_id).join(BidLot, BidLot.id == BidPrice.bid_lot_id)
            .join(Bid, Bid.id == BidLot.bid_id).where(Bid.tender_id == tender.id)).tuples():
        priced.setdefault(bid_lot_id, set()).add(position_id)
    checks = []
    for bid_lot, bidder_name in session.execute(
            select(BidLot, Bidder.name).join(Bid, Bid.id == BidLot.bid_id).join(Bidder, Bidder.id == Bid.bidder_id)
            .where(Bid.tender_id == tender.id).order_by(Bidder.name, Bid.id, BidLot.sort_key)).tuples():
        lot = lots.get(bid_lot.tender_lot_id)
        have = priced.get(bid_lot.id, set())
        missing = tuple(p.oz for p in lot.positions if p.position_id not in have) if lot is not None else ()
        excluded = bid_lot.decision == CheckDecision.EXCLUDED
        checks.append(td.BidLotCheck(
            bidder=bidder_name, lot_number=bid_lot.lot_number, decision=bid_lot.decision.value, missing=missing,
            reason=bid_lot.reason_label if excluded else "", gap_reason=bid_lot.gap_reason,
            checked_at=bid_lot.checked_at, checked_by=bid_lot.checked_by_label))
    return tuple(checks)


def lot_decisions(session: Session, tender: Tender) -> tuple[td.LotDecision, ...]:
    """The decisions taken so far, in lot order."""
    awards = lot_awards(session, tender.id)
    names = dict(session.execute(select(Bid.id, Bidder.name).join(Bidder, Bidder.id == Bid.bidder_id)
                                 .where(Bid.tender_id == tender.id)).tuples().all())
    decisions = []
    for tender_lot in sorted(tender.lots, key=lambda lot: lot.sort_key):
        award = awards.get(tender_lot.id)
        if award is None:
            continue
        decisions.append(td.LotDecision(
            lot_number=tender_lot.number, outcome=award.outcome.value, decided_at=award.decided_at,
            decided_by=award.decided_by_label, bidder=names.get(award.bid_id, "") if award.bid_id else "",
            lot_total=award.lot_total, rank=award.rank, reason=award.reason, clarification=award.clarification))
    return tuple(decisions)


def lot_standing(lot: LotEvaluation) -> td.LotStanding:
    """One lot of the Preisspiegel summary from its evaluation (totals to the cent, R22)."""
    name = {bid.bid_id: bid.bidder for bid in lot.bids}
    return td.LotStanding(
        number=lot.lot.number, title=lot.lot.title, estimated_value=lot.estimated_value,
        lowest_total=lot.lowest_total,
        bids=tuple(td.BidStanding(
            bidder=bid.bidder, total=bid.total, status=bid.status, valid=bid.valid, rank=bid.rank, tied=bid.tied,
            deviation_from_lowest=bid.deviation_from_lowest, deviation_from_estimate=bid.deviation_from_estimate,
            price_points=bid.price_points, quality_points=bid.quality_points, score=bid.score,
            abnormal_reasons=bid.abnormal_reasons, missing_count=len(bid.missing)) for bid in lot.bids),
        unresolved_ties=tuple(tuple(name[b] for b in tie) for tie in lot.unresolved_ties),
        drawn=tuple(name[b] for b in lot.lot.drawn if b in name), problems=lot.problems)


def lot_matrix(lot: LotEvaluation) -> td.LotMatrix:
    """The positions × bidders of one lot from its evaluation (the cells as evaluated)."""
    cell = td.MatrixCell
    return td.LotMatrix(
        number=lot.lot.number, title=lot.lot.title, bidders=tuple(bid.bidder for bid in lot.bids),
        totals=tuple(bid.total for bid in lot.bids),
        rows=tuple(td.MatrixRow(oz=row.position.oz, label=row.position.label, unit=row.position.unit,
                                quantity=row.position.quantity, estimated_price=row.position.estimated_price,
                                cells=tuple(cell(*c) for c in row.cells)) for row in lot.rows))


def render_award_record(session: Session, tender_id: int, *, cooperative_name: str, cooperative_address: str = "",
                        now: datetime | None = None) -> RenderedDocuments:
    """A new version of the Vergabevermerk alone (not the bidder documents), with the award part,
    rendered but not yet registered (register with einkauf.tenders.documents.register_documents).

    Refused before the opening (InvalidState): until then the Vergabevermerk has no award part and
    the tender page generates it with the other documents."""
    tender = get_tender(session, tender_id)
    if get_opening(session, tender.id) is None:
        raise InvalidState(f"Die Angebote zu {tender.reference} sind noch nicht geöffnet; der Vergabevermerk mit "
                           "Angebotsöffnung, Preisspiegel und Zuschlag entsteht erst nach der Öffnung.")
    return render_documents(session, tender.id, cooperative_name=cooperative_name,
                            cooperative_address=cooperative_address, kinds=(DocumentKind.RECORD_PDF,), now=now)


def award_state(session: Session, tender_id: int) -> tuple:
    """What the award part is made of, to notice a change between rendering and registering (a
    check or a decision saved meanwhile): the decisions and the checks with their versions."""
    decisions = tuple(session.scalars(select(LotAward.id).where(LotAward.tender_id == tender_id)
                                      .order_by(LotAward.id)))
    checks = tuple(session.execute(select(BidLot.id, BidLot.version).join(Bid, Bid.id == BidLot.bid_id)
                                   .where(Bid.tender_id == tender_id).order_by(BidLot.id)).tuples())
    return decisions, checks


def ensure_award_state(session: Session, tender_id: int, state: tuple) -> None:
    """StaleVersion when the checks or decisions changed since `state` (award_state) was taken:
    the rendered Vergabevermerk would not show them."""
    if award_state(session, tender_id) != state:
        raise StaleVersion("Während des Erzeugens wurde eine Prüfung oder Entscheidung gespeichert. Bitte erzeugen "
                           "Sie den Vergabevermerk erneut, damit er den aktuellen Stand zeigt.")
