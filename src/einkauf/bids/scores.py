"""The coordinator's inputs to the scoring (issue 13, part 5; R17): the quality fulfilment of a bid
per quality criterion and the lot draw that decides a tie.

- `record_quality`: the fulfilment (percent, 0 to 100, at most two places) of one valid bid for
  one lot, all quality criteria of the tender at once. Only after the opening (R15), only when
  the award criteria frozen with the tender include quality criteria, only for a bid that is
  compared and valid in that lot, not once the lot is decided or a draw for it is recorded
  (the draw rests on the scores).
- `record_draw`: the drawn order of the bids of an unresolved tie of a lot, with a note on who
  drew and who witnessed it. Only when the lot's scoring is complete and it has an unresolved
  tie; the order lists exactly the tied bids.

Both audited (record_event), without prices. einkauf.bids.evaluate passes what is stored into
the evaluation, so the ranking, the Preisspiegel and the award use it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.bids.evaluate import evaluate_bids, scoring_of
from einkauf.bids.evaluation import HUNDRED, LotEvaluation
from einkauf.bids.models import BidLot, LotAward, LotDraw, LotDrawPlace, QualityScore
from einkauf.bids.services import get_opening
from einkauf.db import utcnow
from einkauf.errors import InvalidField, InvalidState, NotFound, StaleVersion
from einkauf.formatting import format_number_de
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.tenders.services import get_tender

PERCENT_PLACES = 2
NOTE_MIN = 10
NOTE_MAX = 2000
_PERCENT = re.compile(r"[0-9]{1,3}(?:[.,][0-9]+)?")


def parse_percent(text: str) -> Decimal:
    """A percentage as typed ("80", "87,5", "87.25", "90 %") → Decimal; ValueError with a German
    message for anything else, more than two places or a value outside 0 to 100."""
    raw = (text or "").strip().removesuffix("%").strip().replace("\u00a0", "")
    if not raw:
        raise ValueError("Bitte den Erfüllungsgrad in Prozent angeben (0 bis 100).")
    if not _PERCENT.fullmatch(raw):
        raise ValueError(f"„{raw[:20]}“ ist keine Prozentzahl; bitte eine Zahl von 0 bis 100 angeben, "
                         "z. B. 87,5.")
    return check_percent(Decimal(raw.replace(",", ".")))


def check_percent(value: Decimal) -> Decimal:
    """A fulfilment of 0 to 100 % with at most two places (ValueError with a German message)."""
    if not value.is_finite() or not Decimal(0) <= value <= HUNDRED:
        raise ValueError("Der Erfüllungsgrad muss zwischen 0 und 100 % liegen.")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENT_PLACES:
        raise ValueError(f"Bitte höchstens {PERCENT_PLACES} Nachkommastellen angeben.")
    return value.quantize(Decimal("0.01"))


def quality_version(session: Session, tender_lot_id: int, bid_id: int) -> int:
    """A stale-check token for the quality ratings of one bid lot: the sum of the row versions
    (0 before the first rating; every change raises it, rows are never deleted)."""
    return sum(session.scalars(select(QualityScore.version).join(BidLot, BidLot.id == QualityScore.bid_lot_id)
                               .where(BidLot.tender_lot_id == tender_lot_id, BidLot.bid_id == bid_id)), 0)


def _open_lot(session: Session, tender: Tender, lot_number: str) -> TenderLot:
    """The tender lot, if the tender is active and opened and the lot not decided yet."""
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    tender_lot = next((lot for lot in tender.lots if lot.number == (lot_number or "").strip()), None)
    if tender_lot is None:
        raise NotFound(f"Das Vergabeverfahren {tender.reference} hat kein Los {(lot_number or '')[:20]}.")
    if get_opening(session, tender.id) is None:
        raise InvalidState(f"Die Angebote zu {tender.reference} sind noch nicht geöffnet; vor der Öffnung wird "
                           "nichts gewertet (§ 55 VgV).")
    if session.scalar(select(LotAward.id).where(LotAward.tender_lot_id == tender_lot.id)) is not None:
        raise InvalidState(f"Über Los {tender_lot.number} ist bereits entschieden; die Wertung ist abgeschlossen.")
    return tender_lot


def _lot_evaluation(session: Session, tender: Tender, lot_number: str) -> LotEvaluation:
    _tender, evaluation = evaluate_bids(session, tender.id)
    return next(lot for lot in evaluation.lots if lot.lot.number == lot_number)


def record_quality(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str, bid_id: int,
                   values: Mapping[str, Decimal | str], *, expected_version: int | None = None) -> LotEvaluation:
    """Record the fulfilment of every quality criterion by one bid for one lot (criterion name →
    percent, Decimal or text as typed); returns the lot's evaluation with the new points.

    Errors at a value: InvalidField("criterion-<k>") with k the criterion's index among the
    quality criteria; an unknown or missing criterion: InvalidField("criterion")."""
    tender = get_tender(session, tender_id_or_reference)
    tender_lot = _open_lot(session, tender, lot_number)
    criteria = [name for name, _weight in scoring_of(tender).quality_criteria]
    if not criteria:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} wird allein nach dem Preis gewertet; es gibt "
                           "keine Qualitätskriterien zu bewerten.")
    if session.scalar(select(LotDraw.id).where(LotDraw.tender_lot_id == tender_lot.id)) is not None:
        raise InvalidState(f"Für Los {tender_lot.number} ist bereits ein Losentscheid erfasst; die Qualitätswertung "
                           "kann nicht mehr geändert werden.")
    lot = _lot_evaluation(session, tender, tender_lot.number)
    result = next((bid for bid in lot.bids if bid.bid_id == bid_id), None)
    if result is None or not result.valid:
        raise InvalidField("bid", f"Angebot Nr. {bid_id} ist für Los {tender_lot.number} kein wertbares Angebot "
                                  "(nicht abgegeben, ausgeschlossen oder unvollständig); es wird nicht bewertet.")
    by_key = {name.casefold(): name for name in criteria}
    given: dict[str, Decimal | str] = {}
    for name, value in values.items():
        known = by_key.get(" ".join(name.split()).casefold())
        if known is None:
            raise InvalidField("criterion", f"Unbekanntes Kriterium „{name[:100]}“; die Qualitätskriterien sind: "
                                            + ", ".join(f"„{c}“" for c in criteria) + ".")
        given[known] = value
    missing = [c for c in criteria if c not in given]
    if missing:
        raise InvalidField("criterion", "Bitte alle Qualitätskriterien bewerten; es fehlt: "
                                        + ", ".join(f"„{c}“" for c in missing) + ".")
    percents: dict[str, Decimal] = {}
    for k, name in enumerate(criteria):
        value = given[name]
        try:
            percents[name] = parse_percent(value) if isinstance(value, str) else check_percent(value)
        except ValueError as exc:
            raise InvalidField(f"criterion-{k}", f"{name}: {exc}") from None
    if expected_version is not None and expected_version != quality_version(session, tender_lot.id, bid_id):
        raise StaleVersion()
    bid_lot = session.scalars(select(BidLot).where(BidLot.bid_id == bid_id,
                                                   BidLot.tender_lot_id == tender_lot.id)).one()
    stored = {row.criterion: row for row in session.scalars(select(QualityScore)
                                                            .where(QualityScore.bid_lot_id == bid_lot.id))}
    before = {name: f"{row.percent:f}" for name, row in stored.items()}
    now, label, user_id = utcnow(), actor_label(actor), getattr(actor, "id", None)
    for name, percent in percents.items():
        row = stored.get(name)
        if row is None:
            session.add(QualityScore(bid_lot_id=bid_lot.id, criterion=name, percent=percent, recorded_at=now,
                                     recorded_by_id=user_id, recorded_by_label=label, version=1))
        elif row.percent != percent:
            row.percent, row.recorded_at, row.recorded_by_id, row.recorded_by_label = percent, now, user_id, label
            row.version += 1
    session.flush()
    record_event(session, actor, "bid.quality", "bid", bid_id,
                 summary=f"{tender.reference} Los {tender_lot.number}: Qualitätswertung des Angebots von "
                         f"{result.bidder}: " + "; ".join(f"{name} {format_number_de(p).removesuffix(',00')} %"
                                                          for name, p in percents.items()),
                 before=before or None, after={"lot": tender_lot.number,
                                               **{name: f"{p:f}" for name, p in percents.items()}})
    return _lot_evaluation(session, tender, tender_lot.number)


def record_draw(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str,
                order: Sequence[int], note: str) -> LotDraw:
    """Record the lot draw of an unresolved tie of one lot: `order` the tied bids' numbers in the
    drawn order (first = drawn first), `note` who drew and who witnessed it."""
    tender = get_tender(session, tender_id_or_reference)
    tender_lot = _open_lot(session, tender, lot_number)
    lot = _lot_evaluation(session, tender, tender_lot.number)
    if lot.problems:
        raise InvalidState(f"Los {tender_lot.number} ist noch nicht vollständig gewertet; ein Losentscheid erst "
                           f"danach. {' '.join(lot.problems)}")
    if not lot.unresolved_ties:
        raise InvalidState(f"Los {tender_lot.number} hat keinen offenen Gleichstand; ein Losentscheid ist nicht "
                           "nötig.")
    order = list(order)
    names = {bid.bid_id: bid.bidder for bid in lot.bids}
    if len(set(order)) != len(order):
        raise InvalidField("order", "Jedes Angebot darf im Losentscheid nur einmal vorkommen.")
    tie = next((tie for tie in lot.unresolved_ties if set(tie) == set(order)), None)
    if tie is None:
        expected = " bzw. ".join(", ".join(f"Nr. {b} ({names[b]})" for b in sorted(t, key=str))
                                 for t in lot.unresolved_ties)
        raise InvalidField("order", "Der Losentscheid muss genau die gleichplatzierten Angebote in der gezogenen "
                                    f"Reihenfolge nennen: {expected}.")
    text = " ".join((note or "").split())
    if len(text) < NOTE_MIN:
        raise InvalidField("note", f"Bitte im Vermerk angeben, wer gezogen hat und wer Zeuge war (mindestens "
                                   f"{NOTE_MIN} Zeichen).")
    if len(text) > NOTE_MAX:
        raise InvalidField("note", f"Vermerk: höchstens {NOTE_MAX} Zeichen.")
    draw = LotDraw(tender_id=tender.id, tender_lot_id=tender_lot.id, note=text, recorded_at=utcnow(),
                   recorded_by_id=getattr(actor, "id", None), recorded_by_label=actor_label(actor))
    draw.places = [LotDrawPlace(tender_lot_id=tender_lot.id, bid_id=bid_id, place=place)
                   for place, bid_id in enumerate(order, start=1)]
    session.add(draw)
    session.flush()
    record_event(session, actor, "lot.draw", "tender", tender.id,
                 summary=f"{tender.reference} Los {tender_lot.number}: Losentscheid – "
                         + ", ".join(f"{place}. {names[b]}" for place, b in enumerate(order, start=1)),
                 after={"lot": tender_lot.number, "order": order, "note": text})
    return draw


def record_lot_quality(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str,
                       ratings: Mapping[int, Mapping[str, Decimal | str]],
                       versions: Mapping[int, int] | None = None) -> LotEvaluation:
    """Record the ratings of several bids of one lot at once (the lot page's form): bid id →
    criterion → percent, each checked against its version token (quality_version). Errors at a
    value: InvalidField("q-<bid id>-<k>"); a bid that is not valid: InvalidField("q-<bid id>")."""
    tender = get_tender(session, tender_id_or_reference)
    tender_lot = _open_lot(session, tender, lot_number)
    if not scoring_of(tender).quality_criteria:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} wird allein nach dem Preis gewertet; es gibt "
                           "keine Qualitätskriterien zu bewerten.")
    if not ratings:
        raise InvalidField("ratings", "Bitte für mindestens ein Angebot alle Qualitätskriterien bewerten.")
    lot: LotEvaluation | None = None
    for bid_id, values in ratings.items():
        try:
            lot = record_quality(session, actor, tender.id, tender_lot.number, bid_id, values,
                                 expected_version=(versions or {}).get(bid_id))
        except InvalidField as exc:
            suffix = exc.field.removeprefix("criterion").removeprefix("bid")
            raise InvalidField(f"q-{bid_id}{suffix}", exc.message) from None
    assert lot is not None
    return lot


def lot_draws(session: Session, tender_lot_id: int) -> list[LotDraw]:
    """The draws recorded for one lot, in the order recorded (places in the drawn order)."""
    return list(session.scalars(select(LotDraw).where(LotDraw.tender_lot_id == tender_lot_id).order_by(LotDraw.id)))
