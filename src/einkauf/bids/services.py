"""Bidders, bids, the two-person opening and the checking of bids (R15, R16).

Sealed bids (R15): before a tender's opening is recorded no function here returns a price for
display, and no audit event or error message carries one — audit events say that a bid was
received or replaced, with counts and the file's SHA-256. The opening needs the submission
deadline to have passed and two different active coordinators. After it a bid is immutable;
only the check decision of each of its lots changes (versioned, audited). A bid received
after the deadline is recorded and excluded (§ 57 Abs. 1 Nr. 1 VgV).

`bid_prices_for_evaluation` hands the valid bids' unit prices to the evaluation (Preisspiegel,
scoring, award) as plain dataclasses.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.auth.models import SignInFailure, User
from einkauf.berlin import format_berlin
from einkauf.bids.models import (
    EXCLUSION_LABELS,
    LATE_REASON,
    Bid,
    Bidder,
    BidLot,
    BidOpening,
    BidPrice,
    CheckDecision,
    ExclusionReason,
)
from einkauf.bids.price_sheet_import import (
    MAX_PRICE,
    PRICE_QUANTUM,
    ExpectedLot,
    ExpectedSheet,
    PriceSheetResult,
    read_price_sheet,
)
from einkauf.db import claim_version, in_chunks, unique_or, utcnow
from einkauf.errors import InvalidState, NotFound, ValidationFailed
from einkauf.exports.price_sheet import positions_fingerprint
from einkauf.exports.tender_data import position_oz
from einkauf.lots.models import Lot, LotPosition
from einkauf.roles import Role
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.tenders.services import get_tender

log = logging.getLogger(__name__)

NAME_MAX = 200
ADDRESS_MAX = 1000
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,24}$")
# Member states' VAT id: two letters, then 2–12 letters or digits (Art. 215 MwStSystRL); the
# German USt-IdNr.: DE and nine digits, the last a check digit (ISO 7064 MOD 11,10).
VAT_RE = re.compile(r"^(?P<country>[A-Z]{2})(?P<number>[0-9A-Z+*]{2,12})$")
EU_VAT_PREFIXES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
                   "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}
REASON_MIN, REASON_MAX = 5, 1000


class PriceSheetRefused(ValidationFailed):
    """A price sheet with problems: nothing was stored. `problems` are located German texts."""

    def __init__(self, problems: list):
        self.problems = [str(p) for p in problems]
        super().__init__(f"Das Preisblatt wurde nicht übernommen ({len(self.problems)} Fehler); es wurde nichts "
                         "gespeichert. " + " ".join(self.problems[:3]))


# --- bidders ---------------------------------------------------------------------------------

def de_vat_check_digit(eight_digits: str) -> int:
    """The check digit of a German USt-IdNr. (ISO 7064 MOD 11,10) for its first eight digits."""
    product = 10
    for digit in eight_digits:
        total = (int(digit) + product) % 10 or 10
        product = (2 * total) % 11
    check = 11 - product
    return 0 if check == 10 else check


def normalise_vat_id(text: str) -> str:
    """A VAT id without spaces, dots and dashes, upper-cased; ValidationFailed (German) when it
    does not have the format of a VAT id of an EU member state ("" stays "")."""
    value = re.sub(r"[\s.\-]", "", text or "").upper()
    if not value:
        return ""
    match = VAT_RE.match(value)
    if match is None or match.group("country") not in EU_VAT_PREFIXES:
        raise ValidationFailed("Die USt-IdNr. hat nicht das Format einer Umsatzsteuer-Identifikationsnummer "
                               "(Länderkennzeichen und Nummer, z. B. DE123456789).")
    if match.group("country") == "DE":
        number = match.group("number")
        if not (len(number) == 9 and number.isdigit()):
            raise ValidationFailed("Eine deutsche USt-IdNr. besteht aus DE und neun Ziffern (z. B. DE123456789).")
        if de_vat_check_digit(number[:8]) != int(number[8]):
            raise ValidationFailed("Die Prüfziffer der USt-IdNr. stimmt nicht – bitte die Nummer prüfen.")
    return value


def _clean(text: str | None, limit: int, what: str, *, required: bool = False, multiline: bool = False) -> str:
    value = (text or "").replace("\r\n", "\n")
    value = "".join(ch for ch in value if (ch == "\n" and multiline) or ch.isprintable())
    value = "\n".join(line.strip() for line in value.split("\n")).strip() if multiline else " ".join(value.split())
    if required and not value:
        raise ValidationFailed(f"Bitte {what} angeben.")
    if len(value) > limit:
        raise ValidationFailed(f"{what[0].upper() + what[1:]}: höchstens {limit} Zeichen.")
    return value


def create_bidder(session: Session, actor: Actor, *, name: str, address: str = "", vat_id: str = "",
                  email: str = "") -> Bidder:
    """Register a bidder (names are unique, compared as entered after trimming)."""
    name = _clean(name, NAME_MAX, "den Namen des Bieters", required=True)
    address = _clean(address, ADDRESS_MAX, "die Anschrift", multiline=True)
    vat = normalise_vat_id(vat_id)
    email = _clean(email, 254, "die E-Mail-Adresse")
    if email and not EMAIL_RE.match(email):
        raise ValidationFailed("Die E-Mail-Adresse ist ungültig.")
    if session.scalar(select(Bidder.id).where(func.lower(Bidder.name) == name.lower())) is not None:
        raise ValidationFailed(f"Einen Bieter „{name}“ gibt es schon.")
    bidder = Bidder(name=name, address=address, vat_id=vat, email=email, created_at=utcnow(),
                    created_by_label=actor_label(actor))
    with unique_or(session, ValidationFailed(f"Einen Bieter „{name}“ gibt es schon.")):
        session.add(bidder)
        session.flush()
    record_event(session, actor, "bidder.create", "bidder", bidder.id, summary=f"Bieter {name} angelegt",
                 after={"name": name, "address": address, "vat_id": vat, "email": email})
    return bidder


def get_bidder(session: Session, bidder_id_or_name: int | str) -> Bidder:
    if isinstance(bidder_id_or_name, int) and not isinstance(bidder_id_or_name, bool):
        bidder = session.get(Bidder, bidder_id_or_name)
    else:
        name = " ".join(str(bidder_id_or_name).split())
        bidder = session.scalar(select(Bidder).where(func.lower(Bidder.name) == name.lower()))
    if bidder is None:
        raise NotFound(f"Bieter „{str(bidder_id_or_name)[:80]}“ nicht gefunden. Bitte zuerst anlegen "
                       "(einkauf bids bidder NAME oder im Web unter „Bieter“).")
    return bidder


def bidder_list(session: Session) -> list[Bidder]:
    return list(session.scalars(select(Bidder).order_by(Bidder.name)))


# --- tender data -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PositionInfo:
    position_id: int
    key: str
    oz: str
    product_number: str
    short_text: str
    unit: str
    estimated_quantity: Decimal


@dataclass(frozen=True)
class LotInfo:
    tender_lot_id: int
    number: str
    title: str
    sort_key: int
    positions: tuple[PositionInfo, ...]


def tender_lots(session: Session, tender: Tender) -> list[LotInfo]:
    """The tender's lots with their frozen positions (keys as in the price sheet), in lot order."""
    rows = list(session.execute(select(TenderLot, Lot).join(Lot, Lot.id == TenderLot.lot_id)
                                .where(TenderLot.tender_id == tender.id).order_by(TenderLot.sort_key)))
    positions: dict[int, list[LotPosition]] = {lot.id: [] for _tl, lot in rows}
    for position in session.scalars(select(LotPosition).where(LotPosition.plan_id == tender.plan_id)
                                    .order_by(LotPosition.lot_id, LotPosition.number)):
        if position.lot_id in positions:
            positions[position.lot_id].append(position)
    result = []
    for tender_lot, lot in rows:
        items = positions[lot.id]
        result.append(LotInfo(
            tender_lot_id=tender_lot.id, number=lot.number, title=lot.title, sort_key=tender_lot.sort_key,
            positions=tuple(PositionInfo(position_id=p.id, key=f"{lot.number}|{p.product_number}",
                                         oz=position_oz(lot.number, p.number, len(items)),
                                         product_number=p.product_number, short_text=p.short_text,
                                         unit=p.unit_label or p.unit_code, estimated_quantity=p.estimated_quantity)
                            for p in items)))
    return result


def expected_sheet(tender: Tender, lots: list[LotInfo]) -> ExpectedSheet:
    return ExpectedSheet(
        reference=tender.reference,
        fingerprint=positions_fingerprint((p.key, p.estimated_quantity) for lot in lots for p in lot.positions),
        lots=tuple(ExpectedLot(number=lot.number, keys=tuple(p.key for p in lot.positions),
                               product_numbers=tuple(p.product_number for p in lot.positions),
                               estimated_quantities=tuple(p.estimated_quantity for p in lot.positions))
                   for lot in lots))


def get_opening(session: Session, tender_id: int) -> BidOpening | None:
    return session.scalar(select(BidOpening).where(BidOpening.tender_id == tender_id))


def is_opened(session: Session, tender_id: int) -> bool:
    return get_opening(session, tender_id) is not None


def tender_bids(session: Session, tender_id: int) -> list[Bid]:
    """The tender's bids, in the order they were received."""
    return list(session.scalars(select(Bid).where(Bid.tender_id == tender_id)
                                .order_by(Bid.received_at, Bid.id)))


def get_bid(session: Session, tender_id: int, bid_id: int) -> Bid:
    """A bid of this tender (another tender's bid id is NotFound)."""
    bid = session.scalar(select(Bid).where(Bid.id == bid_id, Bid.tender_id == tender_id))
    if bid is None:
        raise NotFound("Angebot nicht gefunden.")
    return bid


def price_counts(session: Session, bid_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """bid id → tender lot id → number of prices (a count, not a price: allowed while sealed)."""
    counts: dict[int, dict[int, int]] = {}
    for chunk in in_chunks(bid_ids):
        for bid_id, tender_lot_id, n in session.execute(
                select(BidLot.bid_id, BidLot.tender_lot_id, func.count(BidPrice.id))
                .outerjoin(BidPrice, BidPrice.bid_lot_id == BidLot.id)
                .where(BidLot.bid_id.in_(chunk)).group_by(BidLot.bid_id, BidLot.tender_lot_id)):
            counts.setdefault(bid_id, {})[tender_lot_id] = int(n)
    return counts


# --- recording bids ----------------------------------------------------------------------------

def _active(tender: Tender) -> None:
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben; es werden keine Angebote "
                           "mehr erfasst.")


def _receipt(session: Session, tender: Tender, bidder: Bidder, received_at: datetime, now: datetime
             ) -> tuple[Bid | None, bool]:
    """(existing bid or None, late) after the checks that apply to every way of recording a bid."""
    _active(tender)
    if received_at.tzinfo is None:
        raise ValueError("received_at must be aware")
    if received_at > now + timedelta(minutes=1):
        raise ValidationFailed("Der Eingang liegt in der Zukunft. Bitte Datum und Uhrzeit des Eingangs prüfen.")
    late = received_at > tender.submission_deadline
    existing = session.scalar(select(Bid).where(Bid.tender_id == tender.id, Bid.bidder_id == bidder.id))
    if get_opening(session, tender.id) is not None:
        if existing is not None:
            raise InvalidState("Die Angebote sind geöffnet; danach ist ein Angebot unveränderlich (nur die Prüfung "
                               "wird noch erfasst).")
        if not late:
            raise InvalidState("Die Angebote sind bereits geöffnet. Nach der Öffnung kann nur noch ein verspätetes "
                               "Angebot (Eingang nach der Angebotsfrist) erfasst werden.")
    return existing, late


def record_bid(session: Session, actor: Actor, tender_id_or_reference: int | str, bidder_id_or_name: int | str, *,
               received_at: datetime, source: str = "form", now: datetime | None = None) -> Bid:
    """Record that a bidder's bid was received (or correct its time of receipt before the opening)."""
    tender = get_tender(session, tender_id_or_reference)
    bidder = get_bidder(session, bidder_id_or_name)
    now = now or utcnow()
    existing, late = _receipt(session, tender, bidder, received_at, now)
    bid = _upsert_bid(session, actor, tender, bidder, existing, received_at, late, source, "", now)
    session.flush()
    _exclude_if_late(bid)
    record_event(session, actor, "bid.received" if existing is None else "bid.updated", "bid", bid.id,
                 summary=f"Angebot von {bidder.name} für {tender.reference}: Eingang {format_berlin(received_at)}"
                         + (" – verspätet" if late else ""),
                 after={"tender": tender.reference, "bidder": bidder.name, "received_at": received_at, "late": late})
    return bid


def _upsert_bid(session: Session, actor: Actor, tender: Tender, bidder: Bidder, existing: Bid | None,
                received_at: datetime, late: bool, source: str, sha256: str, now: datetime) -> Bid:
    label = actor_label(actor)
    if existing is None:
        bid = Bid(tender_id=tender.id, bidder_id=bidder.id, received_at=received_at, late=late, source=source,
                  file_sha256=sha256, created_at=now, created_by_label=label, updated_at=now, updated_by_label=label)
        with unique_or(session, InvalidState(f"Für {bidder.name} wurde gerade ein Angebot erfasst. Bitte laden Sie "
                                             "die Seite neu.")):
            session.add(bid)
            session.flush()
        return bid
    claim_version(session, Bid, existing, existing.version)
    session.refresh(existing)
    existing.received_at, existing.late, existing.source = received_at, late, source
    if sha256:
        existing.file_sha256 = sha256
    existing.updated_at, existing.updated_by_label = now, label
    return existing


def _exclude_if_late(bid: Bid) -> None:
    for bid_lot in bid.lots:
        if bid.late:
            bid_lot.decision, bid_lot.reason_code, bid_lot.reason_text = (CheckDecision.EXCLUDED,
                                                                          ExclusionReason.LATE, "")
        elif bid_lot.reason_code == ExclusionReason.LATE:
            bid_lot.decision, bid_lot.reason_code = CheckDecision.PENDING, None


def read_bid_file(session: Session, tender_id_or_reference: int | str, data: bytes) -> PriceSheetResult:
    """Parse and check a filled price sheet against the tender (read only; raises PriceSheetRefused)."""
    tender = get_tender(session, tender_id_or_reference)
    _active(tender)
    result = read_price_sheet(data, expected_sheet(tender, tender_lots(session, tender)))
    if not result.ok:
        raise PriceSheetRefused(result.problems)
    return result


def import_bid(session: Session, actor: Actor, tender_id_or_reference: int | str, bidder_id_or_name: int | str,
               data: bytes, *, received_at: datetime | None = None, source: str = "upload",
               parsed: PriceSheetResult | None = None, now: datetime | None = None) -> tuple[Bid, int, int]:
    """Record a bid from its filled price sheet; all or nothing. A second import for the same
    bidder replaces the bid's prices (the same file gives the same state) until the opening.
    Returns (bid, lots, prices). The audit event names counts and the file's SHA-256, never a price."""
    now = now or utcnow()
    received_at = received_at or now
    tender = get_tender(session, tender_id_or_reference)
    bidder = get_bidder(session, bidder_id_or_name)
    result = parsed if parsed is not None else read_bid_file(session, tender.id, data)
    existing, late = _receipt(session, tender, bidder, received_at, now)
    sha = hashlib.sha256(data).hexdigest()
    lots = {lot.number: lot for lot in tender_lots(session, tender)}
    bid = _upsert_bid(session, actor, tender, bidder, existing, received_at, late, source, sha, now)
    session.execute(delete(BidLot).where(BidLot.bid_id == bid.id))
    session.expire(bid, ["lots"])
    by_key = {p.key: p.position_id for lot in lots.values() for p in lot.positions}
    count = 0
    for number, prices in result.prices.items():
        info = lots[number]
        bid_lot = BidLot(bid_id=bid.id, tender_lot_id=info.tender_lot_id, lot_number=number, sort_key=info.sort_key)
        session.add(bid_lot)
        session.flush()
        session.execute(BidPrice.__table__.insert(), [
            {"bid_lot_id": bid_lot.id, "position_id": by_key[price.key],
             "unit_price": price.unit_price, "offered_product": price.offered_product} for price in prices])
        count += len(prices)
    session.flush()
    session.refresh(bid)
    _exclude_if_late(bid)
    record_event(session, actor, "bid.imported" if existing is None else "bid.replaced", "bid", bid.id,
                 summary=f"Preisblatt von {bidder.name} für {tender.reference} "
                         f"{'übernommen' if existing is None else 'ersetzt'}: {len(result.prices)} Lose, "
                         f"{count} Preise" + (" – verspätet" if late else ""),
                 after={"tender": tender.reference, "bidder": bidder.name, "received_at": received_at, "late": late,
                        "lots": sorted(result.prices), "price_count": count, "file_sha256": sha})
    log.info("bid of %s for %s %s: %s lots, %s prices", bidder.name, tender.reference,
             "recorded" if existing is None else "replaced", len(result.prices), count)
    return bid, len(result.prices), count


def save_lot_prices(session: Session, actor: Actor, tender_id: int, bid_id: int, tender_lot_id: int,
                    prices: dict[int, tuple[Decimal | None, str]], *, expected_version: int) -> int:
    """Replace the prices of the given positions (one page of a lot's form) of a bid before the
    opening; None removes a price. Returns the number of prices the lot holds afterwards."""
    tender = get_tender(session, tender_id)
    _active(tender)
    bid = get_bid(session, tender.id, bid_id)
    if get_opening(session, tender.id) is not None:
        raise InvalidState("Die Angebote sind geöffnet; danach ist ein Angebot unveränderlich (nur die Prüfung "
                           "wird noch erfasst).")
    lot = next((lot for lot in tender_lots(session, tender) if lot.tender_lot_id == tender_lot_id), None)
    if lot is None:
        raise NotFound("Los nicht gefunden.")
    allowed = {p.position_id for p in lot.positions}
    if not set(prices) <= allowed:
        raise ValidationFailed("Das Formular nennt Positionen, die nicht zu diesem Los gehören.")
    for price, offered in prices.values():
        if price is not None and (price < 0 or price > MAX_PRICE or price != price.quantize(PRICE_QUANTUM)):
            raise ValidationFailed("Einheitspreise: ab 0, höchstens 1.000.000.000 €, höchstens 4 Nachkommastellen.")
        if len(offered) > 500:
            raise ValidationFailed("Angebotenes Produkt: höchstens 500 Zeichen.")
    claim_version(session, Bid, bid, expected_version)
    session.refresh(bid)
    bid_lot = session.scalar(select(BidLot).where(BidLot.bid_id == bid.id, BidLot.tender_lot_id == tender_lot_id))
    if bid_lot is None:
        bid_lot = BidLot(bid_id=bid.id, tender_lot_id=tender_lot_id, lot_number=lot.number, sort_key=lot.sort_key)
        session.add(bid_lot)
        session.flush()
    session.execute(delete(BidPrice).where(BidPrice.bid_lot_id == bid_lot.id,
                                           BidPrice.position_id.in_(list(prices))))
    rows = [{"bid_lot_id": bid_lot.id, "position_id": pid, "unit_price": price, "offered_product": offered}
            for pid, (price, offered) in prices.items() if price is not None]
    if rows:
        session.execute(BidPrice.__table__.insert(), rows)
    total = int(session.scalar(select(func.count()).select_from(BidPrice).where(BidPrice.bid_lot_id == bid_lot.id)))
    if total == 0:
        session.delete(bid_lot)
    bid.updated_at, bid.updated_by_label, bid.source = utcnow(), actor_label(actor), "form"
    session.flush()
    session.refresh(bid)
    _exclude_if_late(bid)
    record_event(session, actor, "bid.prices", "bid", bid.id,
                 summary=f"Preise des Angebots von {bid.bidder.name} für Los {lot.number} im Formular erfasst: "
                         f"{len(rows)} von {len(prices)} Positionen dieser Seite",
                 after={"lot": lot.number, "positions_on_page": len(prices), "prices_on_page": len(rows),
                        "prices_in_lot": total})
    return total


# --- opening -----------------------------------------------------------------------------------

def _coordinator(session: Session, who: Any) -> User:
    user = who if isinstance(who, User) else session.scalar(
        select(User).where(func.lower(User.email) == str(who).strip().lower()))
    if user is None or not user.active or user.role != Role.COORDINATOR:
        raise ValidationFailed(f"„{str(getattr(who, 'email', who))[:80]}“ ist kein aktiver Zugang der Koordination; "
                               "die Öffnung bestätigen nur Koordinatorinnen und Koordinatoren.")
    return user


def open_bids(session: Session, first: Any, second: Any, tender_id_or_reference: int | str, *,
              now: datetime | None = None) -> BidOpening:
    """Record the opening of a tender's bids by two different coordinators (R15, § 55 VgV).

    Refused before the submission deadline, with the same person twice, or when already opened."""
    tender = get_tender(session, tender_id_or_reference)
    _active(tender)
    now = now or utcnow()
    one, two = _coordinator(session, first), _coordinator(session, second)
    if one.id == two.id:
        raise ValidationFailed("Die Öffnung müssen zwei verschiedene Personen der Koordination bestätigen "
                               "(Vier-Augen-Prinzip, § 55 VgV).")
    if now <= tender.submission_deadline:
        raise InvalidState(f"Die Angebotsfrist läuft bis {format_berlin(tender.submission_deadline)}; vorher werden "
                           "die Angebote nicht geöffnet.")
    previous = get_opening(session, tender.id)
    if previous is not None:
        raise InvalidState(f"Die Angebote wurden bereits am {format_berlin(previous.opened_at)} geöffnet.")
    bids = tender_bids(session, tender.id)
    counts = price_counts(session, [b.id for b in bids])
    numbers = {lot.tender_lot_id: lot.number for lot in tender_lots(session, tender)}
    entries = []
    per_lot: dict[str, int] = dict.fromkeys(numbers.values(), 0)
    for bid in bids:
        lots = [numbers[tl] for tl in counts.get(bid.id, {}) if tl in numbers]
        lots.sort(key=lambda n: list(numbers.values()).index(n))
        if not bid.late:
            for number in lots:
                per_lot[number] += 1
        entries.append({"bid_id": bid.id, "bidder": bid.bidder.name, "received_at": bid.received_at.isoformat(),
                        "late": bid.late, "lots": lots, "price_count": sum(counts.get(bid.id, {}).values())})
    record = {"bid_count": len(bids), "late_count": sum(1 for b in bids if b.late), "lots": per_lot,
              "bids": entries, "deadline": tender.submission_deadline.isoformat()}
    opening = BidOpening(tender_id=tender.id, opened_at=now, first_by_id=one.id, first_by_label=one.email,
                         second_by_id=two.id, second_by_label=two.email, record=record)
    with unique_or(session, InvalidState("Die Angebote wurden gerade von anderer Seite geöffnet.")):
        session.add(opening)
        session.flush()
    record_event(session, one, "bids.opened", "tender", tender.id,
                 summary=f"Angebote zu {tender.reference} geöffnet von {one.email} und {two.email}: {len(bids)} "
                         f"Angebote, davon {record['late_count']} verspätet",
                 after=record)
    log.info("bids of %s opened by %s and %s", tender.reference, one.email, two.email)
    return opening


def confirm_second_coordinator(session: Session, first: User, email: str, password: str, address: str, *,
                               now: datetime | None = None) -> User:
    """The second coordinator of a web opening, confirmed with their password. Failures count
    towards the sign-in throttle of that account (einkauf.auth); one message for every failure."""
    from einkauf.auth import passwords

    now = now or utcnow()
    email = " ".join((email or "").split()).lower()[:254]
    refused = ValidationFailed("Die zweite Person konnte nicht bestätigt werden (E-Mail, Passwort oder Rolle "
                               "stimmen nicht).")
    recent = session.scalar(select(func.count()).select_from(SignInFailure)
                            .where(SignInFailure.email == email, SignInFailure.at >= now - timedelta(minutes=15)))
    if (recent or 0) >= 5:
        raise ValidationFailed("Zu viele Fehlversuche für diesen Zugang; bitte in 15 Minuten erneut versuchen.")
    user = session.scalar(select(User).where(User.email == email))
    if not passwords.verify_password(user.password_hash if user else None, password or ""):
        session.add(SignInFailure(email=email, address=(address or "unknown")[:64], at=now))
        raise refused
    if user is None or not user.active or user.role != Role.COORDINATOR:
        raise refused
    if user.id == first.id:
        raise ValidationFailed("Die Öffnung müssen zwei verschiedene Personen der Koordination bestätigen "
                               "(Vier-Augen-Prinzip, § 55 VgV); bitte die Zugangsdaten einer zweiten Person "
                               "eingeben.")
    return user


def opening_lines(opening: BidOpening, tender: Tender) -> list[str]:
    """The opening record as German lines (page and command line print the same)."""
    record = opening.record or {}
    lines = [f"Angebotsöffnung {tender.reference} – {tender.title}",
             f"Geöffnet am {format_berlin(opening.opened_at)} von {opening.first_by_label} und "
             f"{opening.second_by_label}",
             f"Angebotsfrist: {format_berlin(tender.submission_deadline)}",
             f"Eingegangene Angebote: {record.get('bid_count', 0)}, davon verspätet: {record.get('late_count', 0)}"]
    for number, n in (record.get("lots") or {}).items():
        lines.append(f"Los {number}: {n} rechtzeitige Angebote")
    for entry in record.get("bids", []):
        received = format_berlin(datetime.fromisoformat(entry["received_at"]))
        lots = ", ".join(entry["lots"]) or "keine"
        late = f" – ausgeschlossen: {LATE_REASON}" if entry["late"] else ""
        lines.append(f"{entry['bidder']}: Eingang {received}; Lose {lots}; {entry['price_count']} Preise{late}")
    return lines


# --- checking (R16) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MissingPosition:
    oz: str
    product_number: str
    short_text: str


@dataclass
class LotCheck:
    bid_lot: BidLot
    lot: LotInfo
    priced: int
    missing: list[MissingPosition] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def bid_checks(session: Session, tender: Tender, bid: Bid) -> list[LotCheck]:
    """Per offered lot of a bid: how many prices, which positions miss one."""
    lots = {lot.tender_lot_id: lot for lot in tender_lots(session, tender)}
    checks = []
    for bid_lot in session.scalars(select(BidLot).where(BidLot.bid_id == bid.id).order_by(BidLot.sort_key)):
        lot = lots[bid_lot.tender_lot_id]
        priced = set(session.scalars(select(BidPrice.position_id).where(BidPrice.bid_lot_id == bid_lot.id)))
        missing = [MissingPosition(p.oz, p.product_number, p.short_text) for p in lot.positions
                   if p.position_id not in priced]
        checks.append(LotCheck(bid_lot=bid_lot, lot=lot, priced=len(priced), missing=missing))
    return checks


def decide_bid_lot(session: Session, actor: Actor, tender_id: int, bid_id: int, bid_lot_id: int, *,
                   decision: str, reason_code: str | None = None, reason_text: str = "", gap_reason: str = "",
                   expected_version: int, now: datetime | None = None) -> BidLot:
    """Record the check of one lot of a bid after the opening: admitted (a gap needs its reason)
    or excluded with a reason from the list (other: with a text)."""
    tender = get_tender(session, tender_id)
    bid = get_bid(session, tender.id, bid_id)
    if get_opening(session, tender.id) is None:
        raise InvalidState("Angebote werden erst nach der Öffnung geprüft.")
    bid_lot = session.scalar(select(BidLot).where(BidLot.id == bid_lot_id, BidLot.bid_id == bid.id))
    if bid_lot is None:
        raise NotFound("Los des Angebots nicht gefunden.")
    try:
        chosen = CheckDecision(decision)
    except ValueError:
        raise ValidationFailed("Bitte eine Entscheidung wählen.") from None
    reason_text = _clean(reason_text, REASON_MAX, "die Begründung", multiline=True)
    gap_reason = _clean(gap_reason, REASON_MAX, "die Begründung", multiline=True)
    code: ExclusionReason | None = None
    check = next(c for c in bid_checks(session, tender, bid) if c.bid_lot.id == bid_lot.id)
    if bid.late and chosen != CheckDecision.EXCLUDED:
        raise ValidationFailed(f"Ein verspätetes Angebot bleibt ausgeschlossen: {LATE_REASON}.")
    if chosen == CheckDecision.EXCLUDED:
        try:
            code = ExclusionReason(reason_code or "")
        except ValueError:
            raise ValidationFailed("Bitte einen Ausschlussgrund aus der Liste wählen.") from None
        if code == ExclusionReason.OTHER and len(reason_text) < REASON_MIN:
            raise ValidationFailed("Bitte den sonstigen Ausschlussgrund beschreiben (mindestens 5 Zeichen).")
        gap_reason = ""
    elif chosen == CheckDecision.ADMITTED:
        reason_text = ""
        if check.complete:
            gap_reason = ""
        elif len(gap_reason) < REASON_MIN:
            raise ValidationFailed(f"Dem Los fehlen {len(check.missing)} Preise: zulassen nur mit Begründung, warum "
                                   "die Lücke unwesentlich ist (mindestens 5 Zeichen) – sonst ausschließen "
                                   "(unvollständig, § 57 Abs. 1 Nr. 5 VgV).")
    else:
        reason_text = gap_reason = ""
    before = {"decision": bid_lot.decision, "reason_code": bid_lot.reason_code, "reason_text": bid_lot.reason_text,
              "gap_reason": bid_lot.gap_reason}
    claim_version(session, BidLot, bid_lot, expected_version)
    session.refresh(bid_lot)
    bid_lot.decision, bid_lot.reason_code = chosen, code
    bid_lot.reason_text, bid_lot.gap_reason = reason_text, gap_reason
    bid_lot.checked_at, bid_lot.checked_by_label = now or utcnow(), actor_label(actor)
    label = {CheckDecision.ADMITTED: "zugelassen" + (" (unwesentliche Lücke)" if gap_reason else ""),
             CheckDecision.EXCLUDED: f"ausgeschlossen: {EXCLUSION_LABELS[code]}" if code else "ausgeschlossen",
             CheckDecision.PENDING: "offen"}[chosen]
    record_event(session, actor, "bid.check", "bid", bid.id,
                 summary=f"Prüfung Angebot {bid.bidder.name}, Los {bid_lot.lot_number}: {label}",
                 before=before, after={"decision": chosen, "reason_code": code, "reason_text": reason_text,
                                       "gap_reason": gap_reason, "missing": len(check.missing)})
    session.flush()
    return bid_lot


# --- prices, only after the opening ---------------------------------------------------------------

def lot_prices(session: Session, tender: Tender, bid: Bid, tender_lot_id: int) -> dict[int, tuple[Decimal, str]]:
    """position id → (unit price, offered product) of one lot of a bid; InvalidState before the opening (R15)."""
    if get_opening(session, tender.id) is None:
        raise InvalidState("Die Preise sind bis zur Öffnung der Angebote verschlossen.")
    return {pid: (price, offered) for pid, price, offered in session.execute(
        select(BidPrice.position_id, BidPrice.unit_price, BidPrice.offered_product)
        .join(BidLot, BidLot.id == BidPrice.bid_lot_id)
        .where(BidLot.bid_id == bid.id, BidLot.tender_lot_id == tender_lot_id))}


@dataclass(frozen=True)
class EvaluationPosition:
    key: str
    oz: str
    product_number: str
    short_text: str
    unit: str
    estimated_quantity: Decimal


@dataclass(frozen=True)
class EvaluationBid:
    """A valid bid for a lot: opened, not late, the lot not excluded. `prices` has every key of
    the lot (None where the bid has no price); `gap_reason` is set when a gap was accepted."""

    bid_id: int
    bidder_id: int
    bidder_name: str
    received_at: datetime
    decision: str  # "pending" or "admitted"
    gap_reason: str
    prices: dict[str, Decimal | None]


@dataclass(frozen=True)
class EvaluationLot:
    tender_lot_id: int
    number: str
    title: str
    positions: tuple[EvaluationPosition, ...]
    bids: tuple[EvaluationBid, ...]


def bid_prices_for_evaluation(session: Session, tender_id: int) -> list[EvaluationLot]:
    """Per tender lot (in lot order): its positions and the valid bids' unit prices by key.

    Before the opening every lot has no bids (R15). Excluded lots and late bids are left out."""
    tender = get_tender(session, tender_id)
    lots = tender_lots(session, tender)
    opened = get_opening(session, tender.id) is not None
    bids_by_lot: dict[int, list[EvaluationBid]] = {lot.tender_lot_id: [] for lot in lots}
    if opened:
        key_of = {p.position_id: p.key for lot in lots for p in lot.positions}
        prices: dict[int, dict[str, Decimal]] = {}
        for bid_lot_id, position_id, price in session.execute(
                select(BidPrice.bid_lot_id, BidPrice.position_id, BidPrice.unit_price)
                .join(BidLot, BidLot.id == BidPrice.bid_lot_id).join(Bid, Bid.id == BidLot.bid_id)
                .where(Bid.tender_id == tender.id, Bid.late.is_(False),
                       BidLot.decision != CheckDecision.EXCLUDED)):
            prices.setdefault(bid_lot_id, {})[key_of[position_id]] = price
        keys_by_lot = {lot.tender_lot_id: [p.key for p in lot.positions] for lot in lots}
        for bid_lot, bid, bidder in session.execute(
                select(BidLot, Bid, Bidder).join(Bid, Bid.id == BidLot.bid_id).join(Bidder, Bidder.id == Bid.bidder_id)
                .where(Bid.tender_id == tender.id, Bid.late.is_(False), BidLot.decision != CheckDecision.EXCLUDED)
                .order_by(Bid.received_at, Bid.id)):
            got = prices.get(bid_lot.id, {})
            bids_by_lot[bid_lot.tender_lot_id].append(EvaluationBid(
                bid_id=bid.id, bidder_id=bidder.id, bidder_name=bidder.name, received_at=bid.received_at,
                decision=bid_lot.decision.value, gap_reason=bid_lot.gap_reason,
                prices={key: got.get(key) for key in keys_by_lot[bid_lot.tender_lot_id]}))
    return [EvaluationLot(
        tender_lot_id=lot.tender_lot_id, number=lot.number, title=lot.title,
        positions=tuple(EvaluationPosition(key=p.key, oz=p.oz, product_number=p.product_number,
                                           short_text=p.short_text, unit=p.unit,
                                           estimated_quantity=p.estimated_quantity) for p in lot.positions),
        bids=tuple(bids_by_lot[lot.tender_lot_id])) for lot in lots]
