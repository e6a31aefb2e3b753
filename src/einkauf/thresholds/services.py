"""Reading and maintaining the threshold table (R4, R10).

threshold_table hands the rows to the pure procedure decision (einkauf.lots.procedure);
add_threshold refuses overlapping periods of the same kind, delete_threshold refuses a row a
tender was decided with (marked by mark_used when the tender is frozen). Every change is audited.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event, snapshot
from einkauf.errors import InvalidField, InvalidState, NotFound
from einkauf.formatting import format_date_de, format_money_de
from einkauf.thresholds.models import EuThreshold
from einkauf.thresholds.rules import SUPPLIES_SERVICES_SUBCENTRAL, THRESHOLD_KINDS, Threshold

log = logging.getLogger(__name__)

FIELDS = ("kind", "amount", "valid_from", "valid_to", "source")
MAX_AMOUNT = Decimal("9999999999.99")
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)
MAX_SOURCE = 200


class InvalidThreshold(InvalidField):
    """A refused threshold row; `.field` names the form field ("amount", "valid_from", …)."""


def kind_label(kind: str) -> str:
    return THRESHOLD_KINDS.get(kind, kind)


def as_threshold(row: EuThreshold) -> Threshold:
    return Threshold(row.kind, row.amount, row.valid_from, row.valid_to)


def list_thresholds(session: Session) -> list[EuThreshold]:
    """All rows, by kind and period."""
    return list(session.scalars(select(EuThreshold).order_by(EuThreshold.kind, EuThreshold.valid_from,
                                                             EuThreshold.id)))


def threshold_table(session: Session) -> tuple[Threshold, ...]:
    """The rows as the pure decision reads them (einkauf.lots.procedure.threshold_for)."""
    return tuple(as_threshold(row) for row in list_thresholds(session))


def get_threshold(session: Session, threshold_id: int) -> EuThreshold:
    row = session.get(EuThreshold, threshold_id)
    if row is None:
        raise NotFound("Schwellenwert nicht gefunden.")
    return row


def threshold_in_use(row: EuThreshold) -> bool:
    """Whether a tender (active or cancelled) was decided with this row: it is then part of
    that tender's record and stays."""
    return row.used_at is not None


def mark_used(session: Session, threshold: Threshold, reference: str, at: datetime) -> None:
    """Mark the rows a tender was just decided with (einkauf.tenders.services.freeze_tender).
    Tenders store amount and period, so those are matched; the first tender's mark stays, also
    after that tender is cancelled."""
    rows = session.scalars(select(EuThreshold).where(
        EuThreshold.amount == threshold.amount, EuThreshold.valid_from == threshold.valid_from,
        EuThreshold.valid_to == threshold.valid_to, EuThreshold.used_at.is_(None)))
    for row in rows:
        row.used_at, row.used_by_reference = at, reference


def _amount(value: Any) -> Decimal:
    if isinstance(value, (float, bool)):
        raise TypeError("float is not accepted for exact amounts; use Decimal")
    try:
        amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidThreshold("amount", f"Der Schwellenwert „{str(value)[:30]}“ ist kein Betrag in Euro "
                                         "(z. B. 221000 oder 221000.00).") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidThreshold("amount", "Der Schwellenwert muss ein Betrag größer als 0,00 € sein.")
    if amount > MAX_AMOUNT:
        raise InvalidThreshold("amount", f"Der Schwellenwert darf höchstens {format_money_de(MAX_AMOUNT)} betragen.")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidThreshold("amount", "Der Schwellenwert darf höchstens zwei Nachkommastellen haben.")
    return amount.quantize(Decimal("0.01"))


def _lock(session: Session) -> None:
    """One writer of the table at a time, so that two overlapping rows cannot both pass the
    check (SQLite: the write transaction already began with BEGIN IMMEDIATE)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE eu_thresholds IN SHARE ROW EXCLUSIVE MODE"))


def add_threshold(session: Session, actor: Actor, *, amount: Any, valid_from: date, valid_to: date,
                  kind: str = SUPPLIES_SERVICES_SUBCENTRAL, source: str = "") -> EuThreshold:
    """Add a threshold row; refused (InvalidThreshold, German) for an unknown kind, a bad amount,
    a period that ends before it starts, and a period overlapping a row of the same kind."""
    if kind not in THRESHOLD_KINDS:
        raise InvalidThreshold("kind", f"Die Art „{str(kind)[:60]}“ ist unbekannt; bekannt: "
                                       + ", ".join(f"{key} ({label})" for key, label in THRESHOLD_KINDS.items()) + ".")
    amount = _amount(amount)
    for field, value, label in (("valid_from", valid_from, "Gültig ab"), ("valid_to", valid_to, "Gültig bis")):
        if not isinstance(value, date):
            raise InvalidThreshold(field, f"„{label}“ muss ein Datum sein.")
        if not EARLIEST <= value <= LATEST:
            raise InvalidThreshold(field, f"„{label}“ muss zwischen dem {format_date_de(EARLIEST)} und dem "
                                          f"{format_date_de(LATEST)} liegen.")
    if valid_to < valid_from:
        raise InvalidThreshold("valid_to", f"„Gültig bis“ ({format_date_de(valid_to)}) liegt vor „Gültig ab“ "
                                           f"({format_date_de(valid_from)}).")
    source = " ".join((source or "").split())
    if len(source) > MAX_SOURCE:
        raise InvalidThreshold("source", f"Die Quelle darf höchstens {MAX_SOURCE} Zeichen lang sein.")
    session.flush()
    _lock(session)
    clashes = list(session.scalars(select(EuThreshold).where(
        EuThreshold.kind == kind, EuThreshold.valid_from <= valid_to, EuThreshold.valid_to >= valid_from)
        .order_by(EuThreshold.valid_from)))
    if clashes:
        listed = ", ".join(f"{format_money_de(row.amount)} (gültig {format_date_de(row.valid_from)}–"
                           f"{format_date_de(row.valid_to)})" for row in clashes)
        raise InvalidThreshold(
            "valid_from",
            f"Der Zeitraum {format_date_de(valid_from)}–{format_date_de(valid_to)} überschneidet sich mit dem "
            f"hinterlegten Schwellenwert {listed} ({kind_label(kind)}). Gültigkeitszeiträume dürfen sich nicht "
            "überschneiden; bitte einen anschließenden Zeitraum wählen.")
    row = EuThreshold(kind=kind, amount=amount, valid_from=valid_from, valid_to=valid_to, source=source,
                      created_by_label=actor_label(actor))
    session.add(row)
    session.flush()
    record_event(session, actor, "threshold.create", "threshold", row.id,
                 summary=(f"EU-Schwellenwert {format_money_de(amount)} ({kind_label(kind)}) für "
                          f"{format_date_de(valid_from)}–{format_date_de(valid_to)} hinterlegt"),
                 after=snapshot(row, FIELDS))
    log.info("threshold %s (%s, %s–%s) added by %s", amount, kind, valid_from, valid_to, actor_label(actor))
    return row


def delete_threshold(session: Session, actor: Actor, threshold_id: int) -> None:
    """Delete a row no tender was decided with (InvalidState otherwise)."""
    row = get_threshold(session, threshold_id)
    if threshold_in_use(row):
        raise InvalidState(f"Der Schwellenwert {format_money_de(row.amount)} (gültig {format_date_de(row.valid_from)}–"
                           f"{format_date_de(row.valid_to)}) wurde bereits für ein Vergabeverfahren verwendet und "
                           "kann nicht gelöscht werden.")
    before = snapshot(row, FIELDS)
    session.delete(row)
    session.flush()
    record_event(session, actor, "threshold.delete", "threshold", threshold_id,
                 summary=(f"EU-Schwellenwert {format_money_de(row.amount)} ({kind_label(row.kind)}) für "
                          f"{format_date_de(row.valid_from)}–{format_date_de(row.valid_to)} gelöscht"),
                 before=before)
    log.info("threshold %s deleted by %s", threshold_id, actor_label(actor))
