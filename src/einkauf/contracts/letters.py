"""The members' award letters (Zuschlagsmitteilung / Abrufberechtigung; issue 14 part 1, R20, R22).

After at least one lot of a tender is decided, every member that takes part in a decided lot gets
a letter: per awarded lot the supplier, the term and its options, the contract date where
recorded, its positions at the awarded prices with its quantities and values; the cancelled lots
with their reason. The letter's figures are those of einkauf.contracts.queries.member_contracts —
the contract pages' own data, never recomputed (R22).

The letters of all members are generated in one action and registered per member in the tender's
document register (kind award_letter, recipient "member:<id>", versions and SHA-256). One letter
at a time is rendered and staged, so that memory does not grow with the number of members.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf import clock
from einkauf.actor import Actor
from einkauf.bids.models import LotAward
from einkauf.contracts.queries import TenderContracts, member_contracts
from einkauf.db import utcnow
from einkauf.errors import InvalidState, NotFound
from einkauf.exports.pdf.award_letter import AwardedLot, AwardLetter, CancelledLot, LetterPosition, build_award_letter
from einkauf.lots.models import Allocation, LotPosition
from einkauf.rounds.models import Member
from einkauf.tenders.documents import RecipientFile, register_recipient_documents
from einkauf.tenders.models import Document, DocumentKind, Tender, TenderLot, TenderStatus
from einkauf.tenders.services import get_tender


def recipient_of(member_id: int) -> str:
    return f"member:{member_id}"


def letter_of(contracts: TenderContracts, member: Member, *, cooperative_name: str, cooperative_address: str,
              letter_date: date) -> AwardLetter:
    """The letter's data from the member's contracts in one tender (the contract page's figures)."""
    awarded = []
    for lot in contracts.with_outcome("awarded"):
        assert lot.supplier is not None  # an awarded lot always names its supplier
        awarded.append(AwardedLot(
            number=lot.number, title=lot.title, supplier_name=lot.supplier.name,
            supplier_address=lot.supplier.address, supplier_email=lot.supplier.email,
            supplier_vat_id=lot.supplier.vat_id, contract_date=lot.contract_date,
            positions=tuple(LetterPosition(
                number=p.number, product_number=p.product_number, short_text=p.short_text, unit=p.unit_label,
                unit_price=p.unit_price, estimated_quantity=p.estimated_quantity,
                maximum_quantity=p.maximum_quantity, annual_value=p.annual_value, term_value=p.term_value)
                for p in lot.positions),
            annual_value=lot.annual_value, term_value=lot.term_value))
    return AwardLetter(
        cooperative_name=cooperative_name, cooperative_address=cooperative_address, reference=contracts.reference,
        title=contracts.title, member_name=member.name, member_ags=member.ags, letter_date=letter_date,
        contract_term_months=contracts.contract_term_months, extension_months=contracts.extension_months,
        awarded=tuple(awarded),
        cancelled=tuple(CancelledLot(lot.number, lot.title, lot.reason) for lot in contracts.with_outcome("cancelled")),
        undecided=tuple(lot.number for lot in contracts.with_outcome("open")))


def _ready(session: Session, tender: Tender) -> None:
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben; es gibt keine "
                           "Zuschlagsmitteilungen.")
    decided = session.scalar(select(LotAward.id).where(LotAward.tender_id == tender.id).limit(1))
    if decided is None:
        raise InvalidState(f"Zuschlagsmitteilungen gibt es erst, wenn über mindestens ein Los von {tender.reference} "
                           "entschieden ist (Zuschlag oder Aufhebung).")


def tender_members(session: Session, tender_id: int) -> list[Member]:
    """The members taking part in a lot of the tender (they have allocations there), by name."""
    taking_part = (select(Allocation.member_id)
                   .join(LotPosition, LotPosition.id == Allocation.position_id)
                   .join(TenderLot, TenderLot.lot_id == LotPosition.lot_id)
                   .where(TenderLot.tender_id == tender_id).distinct())
    return list(session.scalars(select(Member).where(Member.id.in_(taking_part)).order_by(Member.name, Member.ags)))


def member_letters(session: Session, tender: Tender, *, cooperative_name: str, cooperative_address: str = "",
                   letter_date: date | None = None) -> Iterator[tuple[Member, AwardLetter]]:
    """The letter data of every member with a decided lot in the tender, one member at a time."""
    letter_date = letter_date or clock.today_berlin()
    for member in tender_members(session, tender.id):
        found = member_contracts(session, member.id, tender_id=tender.id)
        if not found:
            continue
        letter = letter_of(found[0], member, cooperative_name=cooperative_name,
                           cooperative_address=cooperative_address, letter_date=letter_date)
        if letter.awarded or letter.cancelled:
            yield member, letter


def generate_award_letters(session: Session, actor: Actor, tender_id_or_reference: int | str, *,
                           export_dir: str | Path, cooperative_name: str, cooperative_address: str = "",
                           now: datetime | None = None,
                           progress: Callable[[int, Member], None] | None = None) -> list[Document]:
    """Generate and register the award letters of all members of a tender (a new version each).
    Refused (InvalidState, German) for a cancelled tender and before any lot is decided.
    `progress(count, member)` is called after each letter. Audited (one event for all)."""
    tender = get_tender(session, tender_id_or_reference)
    _ready(session, tender)
    now = now or utcnow()
    letter_date = clock.today_berlin()

    def files() -> Iterator[RecipientFile]:
        for count, (member, letter) in enumerate(
                member_letters(session, tender, cooperative_name=cooperative_name,
                               cooperative_address=cooperative_address, letter_date=letter_date), start=1):
            yield RecipientFile(recipient_of(member.id), f"Mitglied-{member.ags}",
                                build_award_letter(letter, generated_at=now))
            if progress is not None:
                progress(count, member)

    documents = register_recipient_documents(session, actor, tender.id, DocumentKind.AWARD_LETTER, files(),
                                             export_dir, now=now)
    if not documents:
        raise InvalidState(f"Kein Mitglied ist an einem entschiedenen Los von {tender.reference} beteiligt.")
    return documents


def newest_letter(session: Session, tender_id: int, member_id: int) -> Document:
    """The member's newest award letter of the tender; NotFound when there is none."""
    document = session.scalar(select(Document).where(Document.tender_id == tender_id,
                                                     Document.kind == DocumentKind.AWARD_LETTER,
                                                     Document.recipient == recipient_of(member_id))
                              .order_by(Document.version.desc()).limit(1))
    if document is None:
        raise NotFound("Für dieses Mitglied gibt es zu diesem Vergabeverfahren keine Zuschlagsmitteilung.")
    return document


def newest_letters(session: Session, member_id: int) -> dict[int, Document]:
    """The member's newest award letter per tender id."""
    result: dict[int, Document] = {}
    for document in session.scalars(select(Document).where(Document.kind == DocumentKind.AWARD_LETTER,
                                                           Document.recipient == recipient_of(member_id))
                                    .order_by(Document.tender_id, Document.version)):
        result[document.tender_id] = document
    return result
