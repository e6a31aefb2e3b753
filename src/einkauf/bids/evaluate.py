"""The evaluation of a tender's stored bids (issue 13; R15–R18, R22): the opened bids of each lot
with the tender's frozen award criteria and price method, evaluated by einkauf.bids.evaluation.

Sealed until opened (R15): before the opening is recorded nothing is evaluated. The estimated
value of a lot is the one frozen with the tender (TenderLot.estimated_value, the figure of the
Vergabevermerk), the estimated unit price of a position its frozen reference price. The quality
fulfilment per bid and criterion and the recorded lot draws (einkauf.bids.scores) are passed in
as entered (R17): scores and ranks are reproducible from the stored inputs.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.bids.evaluation import BidId, LotBid, LotInput, PositionInput, Scoring, TenderEvaluation, evaluate_tender
from einkauf.bids.models import BidLot, LotDraw, LotDrawPlace, QualityScore
from einkauf.bids.services import bid_prices_for_evaluation, get_opening, get_tender
from einkauf.errors import InvalidState
from einkauf.formatting import format_money_de, format_number_de
from einkauf.lots.models import Lot, LotPosition
from einkauf.tenders.models import Tender, TenderLot
from einkauf.tenders.services import award_criteria_of


def scoring_of(tender: Tender) -> Scoring:
    """The award criteria and the price method frozen with the tender (R17)."""
    return Scoring(criteria=tuple(award_criteria_of(tender)), price_method=tender.price_method)


def quality_of(session: Session, tender_id: int) -> dict[tuple[int, int], dict[str, Decimal]]:
    """The entered quality fulfilment (criterion → percent) by (tender lot id, bid id)."""
    found: dict[tuple[int, int], dict[str, Decimal]] = {}
    for tender_lot_id, bid_id, criterion, percent in session.execute(
            select(BidLot.tender_lot_id, BidLot.bid_id, QualityScore.criterion, QualityScore.percent)
            .join(BidLot, BidLot.id == QualityScore.bid_lot_id).join(TenderLot, TenderLot.id == BidLot.tender_lot_id)
            .where(TenderLot.tender_id == tender_id)):
        found.setdefault((tender_lot_id, bid_id), {})[criterion] = percent
    return found


def draws_of(session: Session, tender_id: int) -> dict[int, tuple[BidId, ...]]:
    """The recorded lot draws by tender lot id: the drawn bid ids, draw after draw in the order
    recorded (each bid at most once per lot)."""
    found: dict[int, list[BidId]] = {}
    for tender_lot_id, bid_id in session.execute(
            select(LotDraw.tender_lot_id, LotDrawPlace.bid_id).join(LotDrawPlace, LotDrawPlace.draw_id == LotDraw.id)
            .where(LotDraw.tender_id == tender_id).order_by(LotDraw.id, LotDrawPlace.place)):
        found.setdefault(tender_lot_id, []).append(bid_id)
    return {lot: tuple(bids) for lot, bids in found.items()}


def evaluate_bids(session: Session, tender_id_or_reference: int | str) -> tuple[Tender, TenderEvaluation]:
    """The Preisspiegel, ranking and flags of every lot of an opened tender.

    Raises InvalidState before the opening (R15): no price is looked at before it."""
    tender = get_tender(session, tender_id_or_reference)
    if get_opening(session, tender.id) is None:
        raise InvalidState(f"Die Angebote zu {tender.reference} sind noch nicht geöffnet; vor der Öffnung "
                           "werden keine Preise ausgewertet (§ 55 VgV).")
    estimated_value = dict(session.execute(select(TenderLot.id, TenderLot.estimated_value)
                                           .where(TenderLot.tender_id == tender.id)).tuples().all())
    reference_price = {f"{number}|{product_number}": price for number, product_number, price in session.execute(
        select(Lot.number, LotPosition.product_number, LotPosition.reference_price)
        .join(Lot, Lot.id == LotPosition.lot_id).where(LotPosition.plan_id == tender.plan_id)).tuples()}
    quality = quality_of(session, tender.id)
    drawn = draws_of(session, tender.id)
    lots = []
    for lot in bid_prices_for_evaluation(session, tender.id):
        positions = tuple(PositionInput(key=p.key, oz=p.oz, label=f"{p.product_number} {p.short_text}".strip(),
                                        unit=p.unit, quantity=p.estimated_quantity,
                                        estimated_price=reference_price.get(p.key))
                          for p in lot.positions)
        bids = tuple(LotBid(bid_id=b.bid_id, bidder=b.bidder_name, prices=b.prices, gap_accepted=bool(b.gap_reason),
                            quality=quality.get((lot.tender_lot_id, b.bid_id), {}))
                     for b in lot.bids)
        lots.append(LotInput(number=lot.number, title=lot.title, positions=positions, bids=bids,
                             estimated_value=estimated_value.get(lot.tender_lot_id, Decimal("0.00")),
                             drawn=drawn.get(lot.tender_lot_id, ())))
    return tender, evaluate_tender(lots, scoring_of(tender))


def ranking_lines(evaluation: TenderEvaluation) -> list[str]:
    """The ranking per lot in German lines (`einkauf tender evaluate`): rank, bidder, lot total,
    points where quality counts, deviation from the estimate and the flags; unranked bids last."""
    lines: list[str] = []
    for lot in evaluation.lots:
        estimate = f" (geschätzter Wert {format_money_de(lot.estimated_value)})" if lot.estimated_value else ""
        lines.append(f"Los {lot.lot.number} – {lot.lot.title}{estimate}")
        if not lot.bids:
            lines.append("  Keine wertbaren Angebote.")
        for bid in (*lot.ranking, *(b for b in lot.bids if b.rank is None)):
            place = f"{bid.rank}." if bid.rank is not None else "–"
            text = f"  {place} {bid.bidder} (Angebot Nr. {bid.bid_id}): Losgesamtsumme {format_money_de(bid.total)}"
            if bid.score is not None:
                parts = ([f"Preis {format_number_de(bid.price_points)}"] if bid.price_points is not None else []) + [
                    f"{name} {format_number_de(points)}" for name, points in bid.quality_points]
                text += f", {format_number_de(bid.score)} Punkte ({'; '.join(parts)})"
            if bid.deviation_from_estimate is not None:
                text += f", {_signed(bid.deviation_from_estimate)} % zum Schätzwert"
            if bid.rank is None:
                text += f" – {bid.status}"
            if bid.tied:
                text += " – Gleichstand"
            elif bid.bid_id in lot.lot.drawn:
                text += " – Platz durch Losentscheid"
            lines.append(text)
            lines.extend(f"     ungewöhnlich niedrig: {reason}" for reason in bid.abnormal_reasons)
        for tie in lot.unresolved_ties:
            names = ", ".join(b.bidder for b in lot.bids if b.bid_id in tie)
            lines.append(f"  Gleichstand offen ({names}): den Losentscheid erfassen.")
        lines.extend(f"  Hinweis: {problem}" for problem in lot.problems)
    return lines


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format_number_de(value)
