"""Freezing a round's lot plan into a tender (Vergabeverfahren) and cancelling it.

freeze_tender checks that the current plan still reflects the demand, the lot rules and the
catalogue data its lots were made of (einkauf.lots.sources), decides the procedure (R4) for the
planned publication date, checks the submission deadline (§ 15 VgV), and stores the tender with
its Vergabenummer, its reasons and the procedure per lot. The plan it points to is never changed
again (a later rebuild supersedes it), so the
tender's lots, positions and allocations are its snapshot. While a tender is active, the
round accepts no further lot builds and no rule changes; cancel_tender lifts that (audited).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.db import claim_version, is_unique_violation, utcnow
from einkauf.errors import DomainError, InvalidState, NotFound, ValidationFailed
from einkauf.formatting import amount_json
from einkauf.lots.procedure import VALUE_BASES, LotValue, ProcedureDecision, decide_procedure
from einkauf.lots.services import current_plan_changes, get_plan, get_rule_set
from einkauf.lots.sources import stale_message
from einkauf.rounds.models import Round
from einkauf.rounds.services import get_round
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.tenders.rules import (
    DEFAULT_AWARD_CRITERIA,
    DEFAULT_PRICE_METHOD,
    DeadlineCheck,
    check_price_method,
    check_question_deadline,
    check_submission_deadline,
    clean_justification,
    default_question_deadline,
    format_reference,
    scoring_formula,
)
from einkauf.thresholds.services import mark_used, threshold_table

log = logging.getLogger(__name__)

DEFAULT_REFERENCE_PREFIX = "EK"
MAX_TITLE = 200
CANCEL_REASON_MIN, CANCEL_REASON_MAX = 5, 500
MAX_REFERENCE_ATTEMPTS = 20


class DeadlineWarnings(DomainError):
    """The tender can be frozen, but only once the coordinator has read these warnings."""

    def __init__(self, warnings: Sequence[str]):
        super().__init__(" ".join(warnings))
        self.warnings = list(warnings)


class StalePlan(InvalidState):
    """The current plan no longer reflects what its lots are made of; `.changes` names what
    changed (German), the message says it in one line."""

    def __init__(self, changes: Sequence[str]):
        super().__init__(stale_message(list(changes)))
        self.changes = list(changes)


class MissingJustification(ValidationFailed):
    """The coordinator acknowledged a short deadline but gave no (or no valid) justification."""

    def __init__(self, message: str, warnings: Sequence[str]):
        super().__init__(message)
        self.warnings = list(warnings)


@dataclass(frozen=True)
class FreezeCheck:
    """What freezing would decide now: the procedure and the deadline warnings."""

    decision: ProcedureDecision
    warnings: tuple[str, ...]
    days: int
    deadline: DeadlineCheck | None = None


def _current_plan_for_freezing(session: Session, rnd: Round):
    plan = get_plan(session, rnd.id)
    if plan is None or not plan.lots:
        raise InvalidState(f"Für die Bedarfsabfrage {rnd.code} gibt es noch keine Lose; bitte zuerst die Lose bilden.")
    changes = current_plan_changes(session, plan)
    if changes:
        # A stale plan would freeze old prices, categories, CPV codes or texts (and with old
        # prices possibly the wrong procedure): refused, naming what changed.
        raise StalePlan(changes)
    return plan


def active_tender(session: Session, round_id: int) -> Tender | None:
    return session.scalar(select(Tender).where(Tender.round_id == round_id, Tender.status == TenderStatus.ACTIVE))


def check_freeze(session: Session, round_id: int, *, publication_date: date,
                 submission_deadline: datetime, electronic_submission: bool = True,
                 small_lots: Iterable[str] | None = None) -> FreezeCheck:
    """Decide the procedure and check the deadline without writing anything."""
    rnd = get_round(session, round_id)
    plan = _current_plan_for_freezing(session, rnd)
    rule_set = get_rule_set(session, rnd)
    decision = decide_procedure([LotValue(lot.number, lot.estimated_value, lot.maximum_value) for lot in plan.lots],
                                publication_date, thresholds=threshold_table(session), value_basis=rnd.value_basis,
                                national_procedure=rule_set.national_procedure, small_lots=small_lots)
    deadline = check_submission_deadline(publication_date, submission_deadline, eu_wide=decision.eu_wide,
                                         procedure=decision.procedure, electronic_submission=electronic_submission)
    return FreezeCheck(decision, deadline.warnings, deadline.days, deadline)


def freeze_tender(session: Session, actor: Actor, round_id: int, *, publication_date: date,
                  submission_deadline: datetime, electronic_submission: bool = True,
                  award_criteria: Sequence[tuple[str, Decimal]] | None = None,
                  small_lots: Iterable[str] | None = None, title: str | None = None,
                  acknowledge_warnings: bool = False, deadline_justification: str = "",
                  question_deadline: datetime | None = None, reference_prefix: str = DEFAULT_REFERENCE_PREFIX,
                  now: datetime | None = None, price_method: str = DEFAULT_PRICE_METHOD) -> Tender:
    """Freeze the round's current lot plan into a tender with a new Vergabenummer.

    small_lots=None applies the system's small-lots proposal; a list is the coordinator's
    choice, checked (InvalidSmallLots). Deadline warnings (§ 15 VgV) raise DeadlineWarnings
    unless acknowledge_warnings, and MissingJustification unless deadline_justification has 20
    to 2000 characters; warnings and justification are stored with the tender. question_deadline
    (Frist für Bieterfragen) must lie after the publication day and before the submission
    deadline; None proposes one (rules.default_question_deadline). The announced scoring formula
    of the award criteria is stored too. Refused while the round has an active tender, while the
    plan is missing or stale, for a publication date in the past and for a deadline not after
    the publication date. price_method: how price points are computed when quality criteria
    are weighted too (rules.PRICE_METHODS; stored and explained in the scoring formula).
    """
    now = now or utcnow()
    check_price_method(price_method)
    rnd = get_round(session, round_id)
    session.flush()
    if session.connection().dialect.name != "sqlite":
        session.refresh(rnd, with_for_update=True)  # one freeze per round at a time
    existing = active_tender(session, rnd.id)
    if existing is not None:
        raise InvalidState(f"Aus der Bedarfsabfrage {rnd.code} wurde bereits das Vergabeverfahren "
                           f"{existing.reference} erstellt. Es muss erst aufgehoben werden.")
    from einkauf.berlin import BERLIN

    if publication_date < now.astimezone(BERLIN).date():
        raise ValidationFailed("Der geplante Veröffentlichungstag liegt in der Vergangenheit.")
    if submission_deadline <= now:
        raise ValidationFailed("Die Angebotsfrist liegt in der Vergangenheit.")
    check = check_freeze(session, rnd.id, publication_date=publication_date, submission_deadline=submission_deadline,
                         electronic_submission=electronic_submission, small_lots=small_lots)
    if check.warnings and not acknowledge_warnings:
        raise DeadlineWarnings(check.warnings)
    justification = ""
    if check.warnings:
        try:
            justification = clean_justification(deadline_justification)
        except ValidationFailed as exc:
            raise MissingJustification(exc.message, check.warnings) from None
    if question_deadline is None:
        question_deadline = default_question_deadline(publication_date, submission_deadline)
    check_question_deadline(publication_date, question_deadline, submission_deadline)
    plan = get_plan(session, rnd.id)
    if plan is None:  # check_freeze refused this already; kept for a plan superseded meanwhile
        raise InvalidState(f"Für die Bedarfsabfrage {rnd.code} gibt es noch keine Lose; bitte zuerst die Lose bilden.")
    title = " ".join((title or rnd.title).split())[:MAX_TITLE] or rnd.title
    criteria = list(award_criteria or DEFAULT_AWARD_CRITERIA)
    decision = check.decision

    sequence = int(session.scalar(select(func.count()).select_from(Tender).where(Tender.round_id == rnd.id)) or 0) + 1
    lot_ids = {lot.number: (lot.id, lot.sort_key) for lot in plan.lots}

    def new_tender(reference: str) -> Tender:
        tender = Tender(
            reference=reference, round_id=rnd.id, plan_id=plan.id, title=title, status=TenderStatus.ACTIVE,
            procedure=decision.procedure, eu_wide=decision.eu_wide,
            national_procedure=get_rule_set(session, rnd).national_procedure,
            threshold_amount=decision.threshold.amount, threshold_valid_from=decision.threshold.valid_from,
            threshold_valid_to=decision.threshold.valid_to, estimated_total=decision.estimated_total,
            maximum_total=decision.maximum_total, value_basis=decision.value_basis,
            reasons="\n".join(decision.reasons), publication_date=publication_date,
            submission_deadline=submission_deadline, electronic_submission=electronic_submission,
            award_criteria=json.dumps([{"name": name, "weight": f"{weight:f}"} for name, weight in criteria],
                                      ensure_ascii=False),
            warnings="\n".join(check.warnings), question_deadline=question_deadline,
            minimum_period_days=check.deadline.minimum_days if check.deadline else None,
            minimum_period_end=check.deadline.minimum_end if check.deadline else None,
            deadline_justification=justification, scoring_formula=scoring_formula(criteria, price_method),
            price_method=price_method, frozen_at=now,
            frozen_by_id=getattr(actor, "id", None), frozen_by_label=actor_label(actor),
        )
        for lot in decision.lots:
            lot_id, sort_key = lot_ids[lot.number]
            tender.lots.append(TenderLot(lot_id=lot_id, number=lot.number, sort_key=sort_key,
                                         estimated_value=lot.estimated_value, maximum_value=lot.maximum_value,
                                         procedure=lot.procedure, small_lot_quota=lot.small_lot_quota))
        return tender

    # Round codes have distinct stems (rounds.rules.code_stem), and one freeze per round runs at
    # a time, so a number is normally free. Rounds created before that rule, or two created at
    # the same moment, may still share a stem: then a concurrent freeze of the other round can
    # take the number between our check and our insert, and we take the next one (issue 11).
    for _attempt in range(MAX_REFERENCE_ATTEMPTS):
        reference = format_reference(reference_prefix, rnd.code, sequence)
        while session.scalar(select(Tender.id).where(Tender.reference == reference)) is not None:
            sequence += 1
            reference = format_reference(reference_prefix, rnd.code, sequence)
        tender = new_tender(reference)
        try:
            with session.begin_nested():
                session.add(tender)
                session.flush()
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            log.info("Vergabenummer %s was taken concurrently; trying the next one", reference)
            sequence += 1
            continue
        break
    else:
        raise InvalidState("Es konnte gerade keine freie Vergabenummer vergeben werden, weil gleichzeitig andere "
                           "Vergabeverfahren erstellt werden. Bitte versuchen Sie es in einigen Sekunden erneut.")
    # The mark on the plan: its lots and the round's rules are fixed while the tender is active,
    # and the plan stays as the tender's snapshot after that.
    plan.frozen_at = plan.frozen_at or now
    plan.frozen_tender_id, plan.frozen_reference = tender.id, tender.reference
    rnd.tender_reference = tender.reference
    # The mark on the threshold row: part of this tender's record, it can no longer be deleted.
    mark_used(session, decision.threshold, tender.reference, now)
    session.flush()
    maximum_text = "–" if decision.maximum_total is None else amount_json(decision.maximum_total)
    record_event(session, actor, "tender.freeze", "tender", tender.id,
                 summary=f"Vergabeverfahren {reference} aus der Bedarfsabfrage {rnd.code} erstellt: "
                         f"{decision.procedure}, geschätzter Auftragswert {amount_json(decision.estimated_total)} €, "
                         f"Höchstwert {maximum_text} € "
                         f"(maßgeblich: {VALUE_BASES[decision.value_basis]})",
                 after=tender_json(tender) | {"plan_id": plan.id, "publication_date": publication_date.isoformat(),
                                              "submission_deadline": submission_deadline.isoformat(),
                                              "question_deadline": question_deadline.isoformat(),
                                              "electronic_submission": electronic_submission,
                                              "warnings": list(check.warnings),
                                              "deadline_justification": justification,
                                              "award_criteria": [{"name": name, "weight": f"{weight:f}"}
                                                                 for name, weight in criteria],
                                              "price_method": price_method,
                                              "scoring_formula": tender.scoring_formula})
    log.info("tender %s frozen from round %s by %s", reference, rnd.code, actor_label(actor))
    return tender


def cancel_tender(session: Session, actor: Actor, tender_id_or_reference: int | str, reason: str, *,
                  expected_version: int | None = None, now: datetime | None = None) -> Tender:
    """Cancel (aufheben) an active tender with a recorded reason; the round may then be rebuilt."""
    tender = get_tender(session, tender_id_or_reference)
    reason = " ".join((reason or "").split())
    if not CANCEL_REASON_MIN <= len(reason) <= CANCEL_REASON_MAX:
        raise ValidationFailed(f"Bitte einen Grund für die Aufhebung mit {CANCEL_REASON_MIN} bis "
                               f"{CANCEL_REASON_MAX} Zeichen angeben.")
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist bereits aufgehoben.")
    claim_version(session, Tender, tender, tender.version if expected_version is None else expected_version)
    tender.status = TenderStatus.CANCELLED
    tender.cancelled_at = now or utcnow()
    tender.cancelled_by_label = actor_label(actor)
    tender.cancel_reason = reason
    if tender.plan.frozen_tender_id == tender.id:
        tender.plan.frozen_tender_id, tender.plan.frozen_reference = None, None
    if tender.round.tender_reference == tender.reference:
        tender.round.tender_reference = None
    session.flush()
    record_event(session, actor, "tender.cancel", "tender", tender.id,
                 summary=f"Vergabeverfahren {tender.reference} aufgehoben: {reason}",
                 before={"status": TenderStatus.ACTIVE.value}, after={"status": tender.status.value, "reason": reason})
    log.info("tender %s cancelled by %s", tender.reference, actor_label(actor))
    return tender


def get_tender(session: Session, tender_id_or_reference: int | str) -> Tender:
    """A tender by id (int) or by its Vergabenummer (str)."""
    if isinstance(tender_id_or_reference, int) and not isinstance(tender_id_or_reference, bool):
        tender = session.get(Tender, tender_id_or_reference)
    else:
        reference = " ".join(str(tender_id_or_reference).split())[:40].upper()
        tender = session.scalar(select(Tender).where(Tender.reference == reference))
    if tender is None:
        raise NotFound("Vergabeverfahren nicht gefunden.")
    return tender


def tender_query() -> Select:
    """Tenders, newest first."""
    return select(Tender).order_by(Tender.frozen_at.desc(), Tender.id.desc())


def award_criteria_of(tender: Tender) -> list[tuple[str, Decimal]]:
    return [(item["name"], Decimal(item["weight"])) for item in json.loads(tender.award_criteria or "[]")]


def tender_json(tender: Tender) -> dict:
    """The `einkauf tender create --json` contract (amounts as strings with two decimals).

    value_basis: "maximum" or "estimate", the value the threshold was tested with;
    maximum_total / maximum_value: at the maximum quantities × reference prices."""
    return {
        "reference": tender.reference,
        "procedure": tender.procedure,
        "threshold": amount_json(tender.threshold_amount),
        "value_basis": tender.value_basis,
        "estimated_total": amount_json(tender.estimated_total),
        "maximum_total": amount_json(tender.maximum_total),
        "reason": " ".join(tender.reason_list),
        "lots": [{"number": lot.number, "cpv_code": lot.lot.cpv_code,
                  "additional_cpv_codes": lot.lot.additional_cpv_codes,
                  "estimated_value": amount_json(lot.estimated_value),
                  "maximum_value": amount_json(lot.maximum_value),
                  "procedure": lot.procedure, "small_lot_quota": lot.small_lot_quota} for lot in tender.lots],
    }
