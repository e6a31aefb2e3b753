"""The decision per lot (issue 13, part 7; R16–R18): award to a bid or cancel the lot.

A lot is awarded to its first-ranked valid bid; another valid bid only with a recorded reason.
An abnormally low bid (R18, § 60 VgV) is awarded only with the recorded clarification. A lot
with an unresolved tie has no first-ranked bid: the draw must be recorded first, or a bid is
chosen with a reason. While quality ratings of valid bids are missing (R17) the lot has no
ranking and is not awarded. A lot is cancelled with a reason (no valid bid, all bids above the budget
…). One decision per lot, refused before the opening (R15) and for a cancelled tender; audited,
without prices of other bids.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.evaluation import BidResult, LotEvaluation
from einkauf.bids.models import AwardOutcome, LotAward
from einkauf.db import utcnow
from einkauf.errors import InvalidField, InvalidState, NotFound
from einkauf.formatting import format_money_de
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.tenders.services import get_tender

MIN_REASON = 10
MAX_TEXT = 2000


def lot_awards(session: Session, tender_id: int) -> dict[int, LotAward]:
    """The decisions taken so far, by tender lot id."""
    return {award.tender_lot_id: award for award in
            session.scalars(select(LotAward).where(LotAward.tender_id == tender_id))}


def _decidable(session: Session, tender: Tender, lot_number: str) -> tuple[TenderLot, LotEvaluation]:
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    tender_lot = next((lot for lot in tender.lots if lot.number == lot_number), None)
    if tender_lot is None:
        raise NotFound(f"Das Vergabeverfahren {tender.reference} hat kein Los {lot_number[:20]}.")
    if session.scalar(select(LotAward.id).where(LotAward.tender_lot_id == tender_lot.id)) is not None:
        raise InvalidState(f"Über Los {lot_number} ist bereits entschieden.")
    _tender, evaluation = evaluate_bids(session, tender.id)
    lot = next(lot for lot in evaluation.lots if lot.lot.number == lot_number)
    return tender_lot, lot


def _text(value: str, field: str, what: str, required: bool) -> str:
    text = " ".join((value or "").split())
    if required and len(text) < MIN_REASON:
        raise InvalidField(field, f"Bitte {what} angeben (mindestens {MIN_REASON} Zeichen).")
    if len(text) > MAX_TEXT:
        raise InvalidField(field, f"{what[0].upper()}{what[1:]}: höchstens {MAX_TEXT} Zeichen.")
    return text


def award_lot(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str, bid_id: int, *,
              reason: str = "", clarification: str = "") -> LotAward:
    """Award a lot to a valid bid (see the module docstring for the rules)."""
    tender = get_tender(session, tender_id_or_reference)
    tender_lot, lot = _decidable(session, tender, lot_number)
    if lot.problems:  # quality ratings missing (R17): no ranking yet, so no award
        raise InvalidState(f"Los {lot_number} ist noch nicht vollständig gewertet; erst die Qualitätswertung "
                           f"erfassen. {' '.join(lot.problems)}")
    chosen: BidResult | None = next((bid for bid in lot.bids if bid.bid_id == bid_id), None)
    if chosen is None or not chosen.valid:
        raise InvalidField("bid", f"Angebot Nr. {bid_id} ist für Los {lot_number} kein wertbares Angebot.")
    first = lot.first
    reason = _text(reason, "reason", "den Grund, warum nicht das erstplatzierte Angebot den Zuschlag erhält",
                   required=first is None or first.bid_id != chosen.bid_id)
    clarification = _text(clarification, "clarification",
                          "die Aufklärung des ungewöhnlich niedrigen Preises (§ 60 VgV)",
                          required=chosen.abnormally_low)
    award = LotAward(tender_id=tender.id, tender_lot_id=tender_lot.id, outcome=AwardOutcome.AWARDED,
                     bid_id=chosen.bid_id, lot_total=chosen.total, rank=chosen.rank, reason=reason,
                     clarification=clarification, decided_at=utcnow(), decided_by_id=getattr(actor, "id", None),
                     decided_by_label=actor_label(actor))
    session.add(award)
    session.flush()
    record_event(session, actor, "lot.award", "tender", tender.id,
                 summary=f"{tender.reference} Los {lot_number}: Zuschlag auf das Angebot von "
                         f"{chosen.bidder} (Rang {chosen.rank}, "
                         f"Losgesamtsumme {format_money_de(chosen.total)})",
                 after={"lot": lot_number, "bid_id": chosen.bid_id, "rank": chosen.rank,
                        "reason": reason, "clarification": clarification})
    return award


def cancel_lot(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str,
               reason: str) -> LotAward:
    """Cancel one lot with its reason (no valid bid, all bids above the budget …)."""
    tender = get_tender(session, tender_id_or_reference)
    tender_lot, _lot = _decidable(session, tender, lot_number)
    reason = _text(reason, "reason", "den Grund der Aufhebung des Loses", required=True)
    award = LotAward(tender_id=tender.id, tender_lot_id=tender_lot.id, outcome=AwardOutcome.CANCELLED,
                     reason=reason, decided_at=utcnow(), decided_by_id=getattr(actor, "id", None),
                     decided_by_label=actor_label(actor))
    session.add(award)
    session.flush()
    record_event(session, actor, "lot.cancel", "tender", tender.id,
                 summary=f"{tender.reference} Los {lot_number} aufgehoben: {reason}",
                 after={"lot": lot_number, "reason": reason})
    return award
