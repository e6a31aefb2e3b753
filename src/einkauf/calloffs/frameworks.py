"""The frameworks (Rahmenvereinbarungen) of awarded lots: creating them, deciding their options,
their state on a day, and the suppliers' customer numbers (issue 15 part 1).

One framework per awarded lot: the supplier is the awarded bid's bidder; the term starts on the
day the coordinator chooses (by default the day after the lot's recorded contract date); the base
term is the round's contract term (einkauf.calloffs.terms.term_end), the options are the round's
extension months in options of a year (terms.option_lengths). Options are decided in order: an
option can be decided once the ones before it are exercised; a declined option ends the chain
(the later ones lapse). Every decision is versioned (R11) and audited (R10).

State on a day: „noch nicht begonnen“ before the start, „beendet“ after the current end (the base
end plus the months of the exercised options), „Option fällig“ while an undecided option follows
and the current end is at most three months away, else „läuft“.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.bids.models import AwardOutcome, Bid, Bidder, BidLot, BidPrice, LotAward
from einkauf.calloffs.models import CustomerNumber, Framework, FrameworkOption, SalesReport
from einkauf.calloffs.terms import add_months, option_lengths, term_end
from einkauf.db import claim_version, unique_or, utcnow
from einkauf.errors import InvalidField, InvalidState, NotFound
from einkauf.formatting import format_date_de
from einkauf.lots.models import Allocation, Lot, LotPosition
from einkauf.rounds.models import Member
from einkauf.tenders.models import Tender, TenderLot
from einkauf.tenders.services import get_tender
from einkauf.texts import N_

DUE_MONTHS = 3
MAX_NOTE = 1000
MAX_CUSTOMER_NUMBER = 60


class FrameworkState(str, enum.Enum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    OPTION_DUE = "option_due"
    ENDED = "ended"


STATE_LABELS = {
    FrameworkState.NOT_STARTED: N_("noch nicht begonnen"),
    FrameworkState.RUNNING: N_("läuft"),
    FrameworkState.OPTION_DUE: N_("Option fällig"),
    FrameworkState.ENDED: N_("beendet"),
}
# The list shows the frameworks needing action first.
STATE_ORDER = {FrameworkState.OPTION_DUE: 0, FrameworkState.RUNNING: 1, FrameworkState.NOT_STARTED: 2,
               FrameworkState.ENDED: 3}


def current_end(base_ends_on: date, options: Sequence[tuple[int, bool | None]]) -> date:
    """The last day of the term: the base end plus the months of the options exercised in order."""
    months = 0
    for length, exercised in options:
        if exercised is not True:
            break
        months += length
    return base_ends_on if months == 0 else term_end(base_ends_on + timedelta(days=1), months)


def next_option(options: Sequence[tuple[int, bool | None]]) -> int | None:
    """The index of the option to decide next: the first undecided one after exercised ones
    (None when all are decided or one was declined)."""
    for index, (_length, exercised) in enumerate(options):
        if exercised is None:
            return index
        if exercised is False:
            return None
    return None


def framework_state(starts_on: date, base_ends_on: date, options: Sequence[tuple[int, bool | None]],
                    today: date) -> FrameworkState:
    """The state on `today` (see the module docstring)."""
    if today < starts_on:
        return FrameworkState.NOT_STARTED
    end = current_end(base_ends_on, options)
    if today > end:
        return FrameworkState.ENDED
    if next_option(options) is not None and end <= add_months(today, DUE_MONTHS):
        return FrameworkState.OPTION_DUE
    return FrameworkState.RUNNING


def _option_pairs(framework: Framework) -> list[tuple[int, bool | None]]:
    return [(option.months, option.exercised) for option in framework.options]


def state_of(framework: Framework, today: date) -> FrameworkState:
    return framework_state(framework.starts_on, framework.base_ends_on, _option_pairs(framework), today)


def end_of(framework: Framework) -> date:
    return current_end(framework.base_ends_on, _option_pairs(framework))


# --- creating -------------------------------------------------------------------------------------

def ensure_frameworks(session: Session, actor: Actor, tender_id_or_reference: int | str, *,
                      starts_on: date | None = None) -> list[Framework]:
    """Create the frameworks of a tender's awarded lots that have none yet (idempotent: returns
    the new ones). `starts_on` applies to every new framework; without it each starts the day
    after its lot's recorded contract date, and a lot without one is refused."""
    tender = get_tender(session, tender_id_or_reference)
    awards = list(session.execute(
        select(LotAward, TenderLot, Bid.bidder_id)
        .join(TenderLot, TenderLot.id == LotAward.tender_lot_id)
        .join(Bid, Bid.id == LotAward.bid_id)
        .where(LotAward.tender_id == tender.id, LotAward.outcome == AwardOutcome.AWARDED)
        .order_by(TenderLot.sort_key)))
    if not awards:
        raise InvalidState(f"Im Vergabeverfahren {tender.reference} ist noch kein Los bezuschlagt; "
                           "Rahmenverträge entstehen aus bezuschlagten Losen.")
    existing = set(session.scalars(select(Framework.tender_lot_id).where(Framework.tender_id == tender.id)))
    rnd = tender.round
    created = []
    for award, tender_lot, bidder_id in awards:
        if tender_lot.id in existing:
            continue
        start = starts_on or (award.contract_date + timedelta(days=1) if award.contract_date else None)
        if start is None:
            raise InvalidField("starts_on", f"Für Los {tender_lot.number} ist kein Vertragsschluss erfasst: bitte den "
                                            "Beginn der Laufzeit angeben.")
        framework = Framework(tender_id=tender.id, tender_lot_id=tender_lot.id, award_id=award.id, bidder_id=bidder_id,
                              starts_on=start, base_ends_on=term_end(start, rnd.contract_term_months),
                              created_at=utcnow(), created_by_label=actor_label(actor))
        for number, months in enumerate(option_lengths(rnd.extension_months), start=1):
            framework.options.append(FrameworkOption(number=number, months=months))
        session.add(framework)
        session.flush()
        record_event(session, actor, "framework.create", "framework", framework.id,
                     summary=f"{tender.reference} Los {tender_lot.number}: Rahmenvertrag vom "
                             f"{format_date_de(framework.starts_on)} bis {format_date_de(framework.base_ends_on)}"
                             f" mit {len(framework.options)} Option(en)",
                     after={"tender": tender.reference, "lot": tender_lot.number, "bidder_id": bidder_id,
                            "starts_on": framework.starts_on, "base_ends_on": framework.base_ends_on,
                            "options": [o.months for o in framework.options]})
        created.append(framework)
    return created


def get_framework(session: Session, framework_id: int) -> Framework:
    framework = session.get(Framework, framework_id)
    if framework is None:
        raise NotFound("Rahmenvertrag nicht gefunden.")
    return framework


def framework_of_lot(session: Session, tender_id_or_reference: int | str, lot_number: str) -> Framework:
    """The framework of a tender's lot; NotFound (German) when there is none."""
    tender = get_tender(session, tender_id_or_reference)
    framework = session.scalar(select(Framework).join(TenderLot, TenderLot.id == Framework.tender_lot_id)
                               .where(Framework.tender_id == tender.id, TenderLot.number == lot_number))
    if framework is None:
        raise NotFound(f"Für Los {lot_number[:20]} von {tender.reference} gibt es keinen Rahmenvertrag (erst "
                       "anlegen: einkauf calloffs frameworks).")
    return framework


# --- options -----------------------------------------------------------------------------------------

def decide_option(session: Session, actor: Actor, framework_id: int, number: int, *, exercised: bool,
                  decided_on: date, note: str = "", expected_version: int) -> FrameworkOption:
    """Record the decision on an option (in order; see the module docstring)."""
    framework = get_framework(session, framework_id)
    option = next((o for o in framework.options if o.number == number), None)
    if option is None:
        raise NotFound("Option nicht gefunden.")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidField("note", f"Bemerkung: höchstens {MAX_NOTE} Zeichen.")
    pairs = _option_pairs(framework)
    if option.exercised is not None:
        raise InvalidState(f"Über Option {number} ist bereits entschieden.")
    following = next_option(pairs)
    if following is None or framework.options[following].number != number:
        if any(exercised is False for _m, exercised in pairs[: number - 1]):
            raise InvalidState(f"Option {number} ist entfallen: eine frühere Option wurde nicht ausgeübt.")
        first = framework.options[following].number if following is not None else 1
        raise InvalidState(f"Bitte zuerst über Option {first} entscheiden: Optionen werden der Reihe nach "
                           "entschieden.")
    end = current_end(framework.base_ends_on, pairs)
    if exercised and decided_on > end:
        raise InvalidField("decided_on", f"Die Laufzeit endete am {format_date_de(end)}; eine Option kann nur bis "
                                         "zum Ende der Laufzeit ausgeübt werden.")
    claim_version(session, FrameworkOption, option, expected_version)
    option.exercised = exercised
    option.decided_on = decided_on
    option.decided_at = utcnow()
    option.decided_by_id = getattr(actor, "id", None)
    option.decided_by_label = actor_label(actor)
    option.note = note
    option.version = expected_version + 1
    session.flush()
    new_end = end_of(framework)
    tender_lot = session.get(TenderLot, framework.tender_lot_id)
    record_event(session, actor, "framework.option", "framework", framework.id,
                 summary=f"Rahmenvertrag {framework.id} (Los {tender_lot.number if tender_lot else '?'}): Option "
                         f"{number} {'ausgeübt' if exercised else 'nicht ausgeübt'} am {format_date_de(decided_on)}; "
                         f"Laufzeit bis {format_date_de(new_end)}",
                 before={"exercised": None, "ends_on": end},
                 after={"option": number, "exercised": exercised, "decided_on": decided_on, "note": note,
                        "ends_on": new_end})
    return option


# --- customer numbers ---------------------------------------------------------------------------------

def set_customer_number(session: Session, actor: Actor, bidder_id: int, customer_number: str,
                        member_ags: str) -> CustomerNumber:
    """Map a supplier's customer number to a member (once; a new mapping replaces the old one)."""
    number = " ".join((customer_number or "").split())
    if not number:
        raise InvalidField("customer_number", "Bitte die Kundennummer angeben.")
    if len(number) > MAX_CUSTOMER_NUMBER:
        raise InvalidField("customer_number", f"Kundennummer: höchstens {MAX_CUSTOMER_NUMBER} Zeichen.")
    bidder = session.get(Bidder, bidder_id)
    if bidder is None:
        raise NotFound("Bieter nicht gefunden.")
    member = session.scalar(select(Member).where(Member.ags == (member_ags or "").strip()))
    if member is None:
        raise InvalidField("member_ags", f"Kein Mitglied mit dem AGS „{(member_ags or '')[:20]}“.")
    if session.scalar(select(Member.id).where(Member.ags == number, Member.id != member.id)) is not None:
        raise InvalidField("customer_number", "Die Kundennummer ist der AGS eines anderen Mitglieds; Meldungen "
                                              "wären nicht eindeutig.")
    row = session.scalar(select(CustomerNumber).where(CustomerNumber.bidder_id == bidder.id,
                                                      CustomerNumber.customer_number == number))
    before = None
    if row is None:
        row = CustomerNumber(bidder_id=bidder.id, customer_number=number, member_id=member.id,
                             created_at=utcnow(), created_by_label=actor_label(actor))
        with unique_or(session, InvalidField("customer_number", "Die Kundennummer wurde gerade von anderer Seite "
                                                                "zugeordnet. Bitte prüfen Sie die Liste.")):
            session.add(row)
            session.flush()
    elif row.member_id == member.id:
        return row
    else:
        before = {"member_id": row.member_id}
        row.member_id = member.id
    session.flush()
    record_event(session, actor, "customer_number.set", "bidder", bidder.id,
                 summary=f"{bidder.name}: Kundennummer {number} → {member.name} ({member.ags})",
                 before=before, after={"customer_number": number, "member_id": member.id}, member_id=member.id)
    return row


def customer_numbers(session: Session, bidder_id: int) -> list[tuple[str, Member]]:
    return [(number, member) for number, member in session.execute(
        select(CustomerNumber.customer_number, Member).join(Member, Member.id == CustomerNumber.member_id)
        .where(CustomerNumber.bidder_id == bidder_id).order_by(CustomerNumber.customer_number))]


# --- reading for the pages and the CLI ----------------------------------------------------------------

@dataclass(frozen=True)
class FrameworkRow:
    framework: Framework
    reference: str
    tender_id: int
    lot_number: str
    lot_title: str
    supplier: str
    ends_on: date
    state: FrameworkState

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def framework_rows(session: Session, today: date) -> list[FrameworkRow]:
    """Every framework with its state on `today`, the ones needing action first."""
    rows = []
    for framework, reference, tender_id, number, title, supplier in session.execute(
            select(Framework, Tender.reference, Tender.id, TenderLot.number, Lot.title, Bidder.name)
            .join(Tender, Tender.id == Framework.tender_id)
            .join(TenderLot, TenderLot.id == Framework.tender_lot_id)
            .join(Lot, Lot.id == TenderLot.lot_id)
            .join(Bidder, Bidder.id == Framework.bidder_id)):
        rows.append(FrameworkRow(framework, reference, tender_id, number, title, supplier, end_of(framework),
                                 state_of(framework, today)))
    return sorted(rows, key=lambda r: (STATE_ORDER[r.state], r.ends_on, r.reference, r.lot_number))


@dataclass(frozen=True)
class PositionRow:
    position_id: int
    number: int
    product_number: str
    short_text: str
    unit_label: str
    unit_price: Decimal | None
    estimated_quantity: Decimal
    maximum_quantity: Decimal


def framework_positions(session: Session, framework: Framework) -> list[PositionRow]:
    """The lot's positions with the awarded unit price and the estimated and maximum quantities
    over the term (the whole positions, all members)."""
    tender_lot = session.get(TenderLot, framework.tender_lot_id)
    award = session.get(LotAward, framework.award_id)
    if tender_lot is None or award is None:
        return []
    statement = (select(LotPosition, BidPrice.unit_price).select_from(LotPosition)
                 .outerjoin(BidLot, (BidLot.bid_id == award.bid_id) & (BidLot.tender_lot_id == tender_lot.id))
                 .outerjoin(BidPrice, (BidPrice.bid_lot_id == BidLot.id) & (BidPrice.position_id == LotPosition.id))
                 .where(LotPosition.lot_id == tender_lot.lot_id).order_by(LotPosition.number))
    return [PositionRow(p.id, p.number, p.product_number, p.short_text, p.unit_label, price, p.estimated_quantity,
                        p.maximum_quantity) for p, price in session.execute(statement)]


def participating_members(session: Session, framework: Framework) -> list[Member]:
    """The members named in the framework (R6): those with allocations in the lot."""
    tender_lot = session.get(TenderLot, framework.tender_lot_id)
    if tender_lot is None:
        return []
    ids = (select(Allocation.member_id).join(LotPosition, LotPosition.id == Allocation.position_id)
           .where(LotPosition.lot_id == tender_lot.lot_id).distinct())
    return list(session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.name)))


def sales_reports(session: Session, framework_id: int) -> list[SalesReport]:
    return list(session.scalars(select(SalesReport).where(SalesReport.framework_id == framework_id)
                                .order_by(SalesReport.period.desc())))


def tenders_without_frameworks(session: Session) -> list[tuple[Tender, int]]:
    """Tenders with awarded lots that have no framework yet, with the number of such lots."""
    has = select(Framework.tender_lot_id)
    statement = (select(Tender, func.count(LotAward.id))
                 .join(LotAward, LotAward.tender_id == Tender.id)
                 .where(LotAward.outcome == AwardOutcome.AWARDED, LotAward.tender_lot_id.not_in(has))
                 .group_by(Tender.id).order_by(Tender.reference))
    return [(tender, int(count)) for tender, count in session.execute(statement)]
