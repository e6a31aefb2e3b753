"""Extending a round's deadline: the rule, the coordinator's save and the proposed date."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import record_event
from einkauf.berlin import BERLIN
from einkauf.db import utcnow
from einkauf.errors import InvalidState, StaleVersion, ValidationFailed
from einkauf.rounds.models import Round, RoundStatus


def extend_deadline(session: Session, actor: Actor, rnd: Round, new_deadline: datetime, *,
                    now: datetime | None = None) -> Round:
    """Move an open round's deadline later (never earlier: members plan with it)."""
    now = now or utcnow()
    if rnd.status != RoundStatus.OPEN:
        raise InvalidState("Nur die Frist einer geöffneten Bedarfsabfrage kann verlängert werden.")
    if new_deadline <= rnd.deadline or new_deadline <= now:
        raise ValidationFailed("Die neue Frist muss nach der bisherigen Frist und in der Zukunft liegen.")
    before = rnd.deadline
    rnd.deadline = new_deadline
    rnd.version += 1
    session.flush()
    record_event(session, actor, "round.extend", "round", rnd.id,
                 summary=f"Frist der Bedarfsabfrage {rnd.code} verlängert",
                 before={"deadline": before}, after={"deadline": new_deadline})
    return rnd


def extend_round_deadline(session: Session, actor: Actor, rnd: Round, new_deadline: datetime, *,
                          expected_version: int, now: datetime | None = None) -> Round:
    """Extend the round's deadline (extend_deadline), refusing a save
    made from a page that showed an older state of the round (R11)."""
    # Lock and re-read the round: two coordinators extending at once must not both pass the check.
    rnd = session.scalars(select(Round).where(Round.id == rnd.id).with_for_update()
                          .execution_options(populate_existing=True)).one()
    if rnd.version != expected_version:
        raise StaleVersion("Die Bedarfsabfrage wurde inzwischen geändert (zum Beispiel die Frist verlängert). "
                           "Bitte prüfen Sie die aktuelle Frist und senden Sie das Formular erneut.")
    return extend_deadline(session, actor, rnd, new_deadline, now=now)


def default_extension(rnd: Round) -> tuple[date, time]:
    """Berlin date and wall-clock time proposed for an extended deadline: one week later."""
    local = rnd.deadline.astimezone(BERLIN)
    return (local + timedelta(days=7)).date(), local.time().replace(second=0, microsecond=0, tzinfo=None)
