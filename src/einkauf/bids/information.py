"""The information of the unsuccessful bidders and the conclusion of the contract (issue 13,
part 7; R19, § 134 GWB).

Once every lot of an opened EU tender is decided (awarded or cancelled), every bidder that bid
for a lot and is not to receive the award for all the lots it bid for gets an information letter:
per lot the outcome (the winner's name, or the lot's cancellation with its reason) and why its
own bid is not to be accepted (its rank against the winner's, its exclusion, or the cancellation),
and the earliest date of the contract's conclusion. The letters are registered per bidder in the
tender's document register (kind info_letter, recipient "bidder:<id>") and recorded together
with the sending (BidderInformation: day, channel, who). A later sending starts the period anew.

The contract date of an awarded lot is refused in an EU procedure before the information is
recorded and inside the waiting period (10 calendar days electronic, 15 by post, counted from
the day after sending; einkauf.tenders.periods). Lots of the small-lots quota (§ 3 Abs. 9 VgV)
are awarded under national rules and, like national procedures, have no waiting period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf import clock
from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.berlin import utc_to_berlin
from einkauf.bids.award import lot_awards
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.evaluation import LotEvaluation, TenderEvaluation
from einkauf.bids.models import (
    LATE_REASON,
    AwardOutcome,
    Bid,
    Bidder,
    BidderInformation,
    BidLot,
    CheckDecision,
    InformationChannel,
    LotAward,
)
from einkauf.bids.services import get_opening
from einkauf.db import utcnow
from einkauf.errors import InvalidField, InvalidState, NotFound, ValidationFailed
from einkauf.exports.pdf.information import InformationLetter, LetterLot, build_information_letter
from einkauf.formatting import format_date_de, format_money_de, format_number_de
from einkauf.tenders.documents import RecipientFile, register_recipient_documents
from einkauf.tenders.models import Document, DocumentKind, Tender, TenderLot, TenderStatus
from einkauf.tenders.periods import WAITING_CHANNELS_DE, check_contract_date, waiting_period
from einkauf.tenders.services import get_tender

# The channel as the command line and the form name it.
CHANNEL_NAMES = {"elektronisch": InformationChannel.ELECTRONIC, "post": InformationChannel.POST}


@dataclass(frozen=True)
class LetterRecipient:
    """An unsuccessful bidder and its lots, as its letter tells them."""

    bidder_id: int
    name: str
    address: str
    lots: tuple[LetterLot, ...]

    @property
    def recipient(self) -> str:
        return f"bidder:{self.bidder_id}"


def undecided_lots(session: Session, tender: Tender) -> list[str]:
    """The numbers of the tender's lots without a decision (award or cancellation)."""
    decided = lot_awards(session, tender.id)
    return [lot.number for lot in tender.lots if lot.id not in decided]


def _ready(session: Session, tender: Tender) -> None:
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    if get_opening(session, tender.id) is None:
        raise InvalidState(f"Die Angebote zu {tender.reference} sind noch nicht geöffnet; Informationsschreiben gibt "
                           "es erst nach der Öffnung und der Entscheidung über alle Lose.")
    if not tender.eu_wide:
        raise InvalidState(f"{tender.reference} ist kein EU-weites Verfahren; die Information nach § 134 GWB und die "
                           "Wartefrist gelten nur oberhalb der EU-Schwellenwerte.")
    open_lots = undecided_lots(session, tender)
    if open_lots:
        raise InvalidState("Informationsschreiben erst, wenn über alle Lose entschieden ist. Noch offen: "
                           + ", ".join(f"Los {number}" for number in open_lots) + ".")


def _not_chosen(lot: LotEvaluation, evaluation: TenderEvaluation, bid: Bid, bid_lot: BidLot, award: LotAward,
                winner: str) -> str:
    """Why `bid` is not to be accepted for the lot that `award` gives to `winner`'s bid."""
    if bid.late:
        return f"Ihr Angebot ist nach Ablauf der Angebotsfrist eingegangen und wurde ausgeschlossen ({LATE_REASON})."
    if bid_lot.decision == CheckDecision.EXCLUDED:
        return f"Ihr Angebot wurde von der Wertung ausgeschlossen: {bid_lot.reason_label}."
    result = next((b for b in lot.bids if b.bid_id == bid.id), None)
    if result is None or result.rank is None:
        status = result.status if result is not None else "nicht gewertet"
        return f"Ihr Angebot konnte nicht gewertet werden ({status})."
    chosen = next((b for b in lot.bids if b.bid_id == award.bid_id), None)
    count = len(lot.ranking)
    if evaluation.scoring.price_only:
        text = (f"Der Zuschlag wird auf das Angebot mit dem niedrigsten Preis erteilt (einziges Zuschlagskriterium "
                f"Preis). Ihr Angebot belegt mit einer Losgesamtsumme von {format_money_de(result.total)} Rang "
                f"{result.rank} von {count}; das Angebot von {winner} belegt Rang {award.rank}.")
    else:
        own = format_number_de(result.score) if result.score is not None else "–"
        theirs = format_number_de(chosen.score) if chosen is not None and chosen.score is not None else "–"
        text = (f"Der Zuschlag wird auf das wirtschaftlichste Angebot nach den bekannt gemachten "
                f"Zuschlagskriterien erteilt. Ihr Angebot erreicht {own} Punkte und belegt Rang {result.rank} von "
                f"{count}; das Angebot von {winner} erreicht {theirs} Punkte und belegt Rang {award.rank}.")
    if award.reason:
        text += f" Begründung der Auswahl: {award.reason}"
    return text


def letter_recipients(session: Session, tender_id_or_reference: int | str) -> list[LetterRecipient]:
    """The unsuccessful bidders of a decided EU tender with the contents of their letters,
    by bidder name. Refused (InvalidState, German) before the opening, for a national procedure
    and while a lot is undecided (naming the lots)."""
    tender = get_tender(session, tender_id_or_reference)
    _ready(session, tender)
    awards = lot_awards(session, tender.id)
    _tender, evaluation = evaluate_bids(session, tender.id)
    evaluated = {lot.lot.number: lot for lot in evaluation.lots}
    tender_lots = {lot.id: lot for lot in tender.lots}
    bids = list(session.scalars(select(Bid).join(Bidder, Bidder.id == Bid.bidder_id)
                                .where(Bid.tender_id == tender.id).order_by(Bidder.name, Bid.id)))
    names = {bid.id: bid.bidder.name for bid in bids}
    recipients = []
    for bid in bids:
        lots = []
        for bid_lot in bid.lots:
            tender_lot = tender_lots[bid_lot.tender_lot_id]
            award = awards[tender_lot.id]
            if award.outcome == AwardOutcome.CANCELLED:
                lots.append(LetterLot(tender_lot.number, tender_lot.lot.title, False,
                                      "Das Los wird aufgehoben; es wird kein Zuschlag erteilt.",
                                      f"Aufhebung des Loses: {award.reason}"))
            elif award.bid_id == bid.id:
                lots.append(LetterLot(tender_lot.number, tender_lot.lot.title, True,
                                      "Der Zuschlag soll auf Ihr Angebot erteilt werden.", ""))
            else:
                winner = names.get(award.bid_id or 0, "–")
                lots.append(LetterLot(tender_lot.number, tender_lot.lot.title, False,
                                      f"Der Zuschlag soll auf das Angebot von {winner} erteilt werden.",
                                      _not_chosen(evaluated[tender_lot.number], evaluation, bid, bid_lot, award,
                                                  winner)))
        if lots and not all(lot.won for lot in lots):
            recipients.append(LetterRecipient(bid.bidder_id, bid.bidder.name, bid.bidder.address, tuple(lots)))
    return recipients


@dataclass(frozen=True)
class InformationResult:
    information: BidderInformation
    documents: list[Document]


def _channel(channel: str | InformationChannel) -> InformationChannel:
    if isinstance(channel, InformationChannel):
        return channel
    found = CHANNEL_NAMES.get(channel) or next((c for c in InformationChannel if c.value == channel), None)
    if found is None:
        raise InvalidField("channel", "Bitte den Versandweg wählen: elektronisch oder per Post.")
    return found


def inform_bidders(session: Session, actor: Actor, tender_id_or_reference: int | str, *, sent_on: date,
                   channel: str | InformationChannel, export_dir: str | Path, cooperative_name: str,
                   cooperative_address: str = "", now: datetime | None = None) -> InformationResult:
    """Generate the information letters (one per unsuccessful bidder, registered as documents)
    and record their sending on `sent_on` (German calendar day) by `channel`. Audited."""
    tender = get_tender(session, tender_id_or_reference)
    channel = _channel(channel)
    if sent_on > clock.today_berlin():
        raise InvalidField("sent_on", "Der Versandtag darf nicht in der Zukunft liegen.")
    recipients = letter_recipients(session, tender.id)
    opening = get_opening(session, tender.id)
    assert opening is not None  # letter_recipients refuses before the opening
    if sent_on < utc_to_berlin(opening.opened_at).date():
        raise InvalidField("sent_on", "Der Versandtag darf nicht vor der Öffnung der Angebote liegen.")
    waiting = waiting_period(sent_on, channel.value)
    now = now or utcnow()
    files = []
    for recipient in recipients:
        letter = InformationLetter(
            cooperative_name=cooperative_name, cooperative_address=cooperative_address, reference=tender.reference,
            title=tender.title, procedure=tender.procedure, bidder_name=recipient.name,
            bidder_address=recipient.address, sent_on=sent_on, channel=WAITING_CHANNELS_DE[channel.value],
            earliest_contract_date=waiting.earliest_contract_date, waiting_text=waiting.describe(),
            lots=recipient.lots)
        files.append(RecipientFile(recipient.recipient, f"Bieter-{recipient.bidder_id}",
                                   build_information_letter(letter, generated_at=now)))
    documents = register_recipient_documents(session, actor, tender.id, DocumentKind.INFO_LETTER, files, export_dir,
                                              now=now) if files else []
    information = BidderInformation(tender_id=tender.id, sent_on=sent_on, channel=channel,
                                    earliest_contract_date=waiting.earliest_contract_date, letters=len(files),
                                    recorded_at=now, recorded_by_id=getattr(actor, "id", None),
                                    recorded_by_label=actor_label(actor))
    session.add(information)
    session.flush()
    record_event(session, actor, "tender.inform", "tender", tender.id,
                 summary=f"{tender.reference}: {len(files)} Informationsschreiben nach § 134 GWB, versandt am "
                         f"{format_date_de(sent_on)} {WAITING_CHANNELS_DE[channel.value]}; Vertragsschluss "
                         f"frühestens am {format_date_de(waiting.earliest_contract_date)}",
                 after={"sent_on": sent_on.isoformat(), "channel": channel.value,
                        "earliest_contract_date": waiting.earliest_contract_date.isoformat(),
                        "letters": [d.file_name for d in documents]})
    return InformationResult(information, documents)


def latest_information(session: Session, tender_id: int) -> BidderInformation | None:
    """The last recorded sending of the information (its waiting period counts)."""
    return session.scalar(select(BidderInformation).where(BidderInformation.tender_id == tender_id)
                          .order_by(BidderInformation.recorded_at.desc(), BidderInformation.id.desc()).limit(1))


def information_letters(session: Session, tender_id: int) -> list[tuple[Document, str]]:
    """The registered information letters of a tender with their bidder's name, newest first."""
    rows = session.scalars(select(Document).where(Document.tender_id == tender_id,
                                                  Document.kind == DocumentKind.INFO_LETTER)
                           .order_by(Document.created_at.desc(), Document.recipient, Document.version.desc()))
    documents = list(rows)
    ids = {int(d.recipient.split(":", 1)[1]) for d in documents if d.recipient.startswith("bidder:")}
    names = dict(session.execute(select(Bidder.id, Bidder.name).where(Bidder.id.in_(ids))).tuples().all()) \
        if ids else {}
    return [(d, names.get(int(d.recipient.split(":", 1)[1]), d.recipient) if d.recipient.startswith("bidder:")
             else d.recipient) for d in documents]


def waiting_period_applies(tender: Tender, tender_lot: TenderLot) -> bool:
    """§ 134 GWB binds the lots of an EU procedure, not those of the small-lots quota."""
    return tender.eu_wide and not tender_lot.small_lot_quota


def record_contract_date(session: Session, actor: Actor, tender_id_or_reference: int | str, lot_number: str,
                         contract_date: date) -> LotAward:
    """Record the conclusion of the contract (Zuschlag/Vertragsschluss) of an awarded lot; in
    an EU procedure only after the information is recorded and its waiting period has run."""
    tender = get_tender(session, tender_id_or_reference)
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    tender_lot = next((lot for lot in tender.lots if lot.number == lot_number), None)
    if tender_lot is None:
        raise NotFound(f"Das Vergabeverfahren {tender.reference} hat kein Los {lot_number[:20]}.")
    award = lot_awards(session, tender.id).get(tender_lot.id)
    if award is None:
        raise InvalidState(f"Über Los {lot_number} ist noch nicht entschieden.")
    if award.outcome != AwardOutcome.AWARDED:
        raise InvalidState(f"Los {lot_number} ist aufgehoben; es wird kein Vertrag geschlossen.")
    if award.contract_date is not None:
        raise InvalidState(f"Der Vertragsschluss für Los {lot_number} ist bereits erfasst "
                           f"({format_date_de(award.contract_date)}).")
    if contract_date > clock.today_berlin():
        raise InvalidField("contract_date", "Der Vertragsschluss kann erst erfasst werden, wenn er stattgefunden hat; "
                                            "der Tag liegt in der Zukunft.")
    if contract_date < utc_to_berlin(award.decided_at).date():
        raise InvalidField("contract_date", "Der Vertrag kann nicht vor der Zuschlagsentscheidung geschlossen werden.")
    if waiting_period_applies(tender, tender_lot):
        information = latest_information(session, tender.id)
        if information is None:
            raise InvalidField("contract_date", "Vor dem Vertragsschluss müssen die nicht berücksichtigten Bieter "
                                                "nach § 134 GWB informiert werden; erst danach läuft die Wartefrist.")
        try:
            check_contract_date(contract_date, information.sent_on, information.channel.value)
        except ValidationFailed as exc:
            raise InvalidField("contract_date", exc.message) from None
    award.contract_date = contract_date
    award.contract_recorded_at = utcnow()
    award.contract_recorded_by_label = actor_label(actor)
    session.flush()
    record_event(session, actor, "lot.contract", "tender", tender.id,
                 summary=f"{tender.reference} Los {lot_number}: Vertragsschluss am {format_date_de(contract_date)}",
                 after={"lot": lot_number, "contract_date": contract_date.isoformat()})
    return award


@dataclass(frozen=True)
class AwardRow:
    """A lot of the tender on the award page: its decision, the winner's name, whether § 134 GWB binds it."""

    lot: TenderLot
    award: LotAward | None
    winner: str | None
    waiting: bool


def award_rows(session: Session, tender: Tender) -> list[AwardRow]:
    awards = lot_awards(session, tender.id)
    names = dict(session.execute(select(Bid.id, Bidder.name).join(Bidder, Bidder.id == Bid.bidder_id)
                                 .where(Bid.tender_id == tender.id)).tuples().all())
    rows = []
    for tender_lot in tender.lots:
        award = awards.get(tender_lot.id)
        winner = names.get(award.bid_id) if award is not None and award.bid_id is not None else None
        rows.append(AwardRow(tender_lot, award, winner, waiting_period_applies(tender, tender_lot)))
    return rows
