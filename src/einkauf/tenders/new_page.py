"""The page that freezes a round's lot plan into a tender: what it shows beside the form (the
procedure decision and deadline check for the typed dates, what changed since the build, the
proposed Frist für Bieterfragen) and freezing the tender as typed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.errors import DomainError, InvalidField
from einkauf.lots.models import Lot, LotPlan
from einkauf.lots.services import current_plan_changes, get_plan
from einkauf.tenders.models import Tender
from einkauf.tenders.rules import (
    QUESTION_DEADLINE_TIME,
    default_deadline,
    default_question_deadline,
    parse_award_criteria,
)
from einkauf.tenders.services import FreezeCheck, StalePlan, check_freeze, freeze_tender


@dataclass(frozen=True)
class TypedDates:
    """The dates as typed on the page (any may be missing)."""

    publication_date: date | None
    deadline_date: date | None
    deadline_time: time | None
    question_date: date | None
    question_time: time | None

    def submission_deadline(self, publication: date) -> datetime:
        """The typed submission deadline, or the proposal for `publication` when no day was typed."""
        if self.deadline_date is None:
            return default_deadline(publication)
        return default_deadline(self.publication_date or publication, self.deadline_date, self.deadline_time)

    def question_deadline(self) -> datetime | None:
        """The typed Frist für Bieterfragen; None lets the service propose one."""
        if self.question_date is None:
            return None
        return default_deadline(self.publication_date or self.question_date, self.question_date,
                                self.question_time or QUESTION_DEADLINE_TIME)


@dataclass(frozen=True)
class TypedTender:
    """A tender as typed on the page (the form validated it)."""

    title: str
    dates: TypedDates
    electronic_submission: bool
    award_criteria: str
    small_lots: Sequence[str]
    acknowledge_warnings: bool
    deadline_justification: str
    price_method: str


@dataclass(frozen=True)
class NewTenderPage:
    """What the page shows beside the form.

    `check` is None when the plan changed since the build (`changes`) or the decision failed
    (`problem`); `warnings` are the deadline warnings to keep showing after a post that failed
    elsewhere; `small_lots` is the system's small-lots proposal (preselected on a fresh page)."""

    plan: LotPlan
    values: dict[str, Lot]
    changes: list[str]
    check: FreezeCheck | None
    questions: datetime | None
    warnings: list[str]
    small_lots: list[str] | None
    problem: str | None


def new_tender_page(session: Session, round_id: int, dates: TypedDates, *, publication_default: date,
                    electronic_submission: bool, keep_warnings: bool) -> NewTenderPage | None:
    """The page for the typed dates (the default publication day where none was typed); None when
    the round has no lots yet. `keep_warnings`: a post with the warnings acknowledged or justified
    failed elsewhere, so the warnings stay on the page."""
    plan = get_plan(session, round_id)
    if plan is None or not plan.lots:
        return None
    changes = current_plan_changes(session, plan)  # a stale plan cannot be frozen: shown with what changed
    check: FreezeCheck | None = None
    questions: datetime | None = None
    warnings: list[str] = []
    small_lots: list[str] | None = None
    problem: str | None = None
    try:
        if changes:
            raise StalePlan(changes)
        when = dates.publication_date or publication_default
        deadline = dates.submission_deadline(when)
        check = check_freeze(session, round_id, publication_date=when, submission_deadline=deadline,
                             electronic_submission=electronic_submission)
        questions = dates.question_deadline() or default_question_deadline(when, deadline)
        if keep_warnings:
            warnings = list(check.warnings)
        small_lots = list(check.decision.small_lots)
    except StalePlan:
        pass  # shown as the list of changes
    except DomainError as exc:
        problem = exc.message
    return NewTenderPage(plan, {lot.number: lot for lot in plan.lots}, changes, check, questions, warnings,
                         small_lots, problem)


def freeze_typed_tender(session: Session, actor: Actor, round_id: int, typed: TypedTender, *,
                        reference_prefix: str) -> Tender:
    """Freeze the tender as typed: the award criteria parsed (InvalidAwardCriteria), the chosen
    small lots applied only when the procedure is EU-wide; then freeze_tender with its refusals."""
    criteria = parse_award_criteria(typed.award_criteria)
    publication = typed.dates.publication_date
    if publication is None:  # a required field of the form
        raise InvalidField("publication_date", "Bitte den geplanten Veröffentlichungstag angeben.")
    deadline = typed.dates.submission_deadline(publication)
    proposal = check_freeze(session, round_id, publication_date=publication, submission_deadline=deadline,
                            electronic_submission=typed.electronic_submission)
    chosen = list(typed.small_lots) if proposal.decision.eu_wide else None
    return freeze_tender(
        session, actor, round_id, publication_date=publication, submission_deadline=deadline,
        electronic_submission=typed.electronic_submission, award_criteria=criteria, small_lots=chosen,
        title=typed.title, acknowledge_warnings=typed.acknowledge_warnings,
        deadline_justification=typed.deadline_justification, question_deadline=typed.dates.question_deadline(),
        reference_prefix=reference_prefix, price_method=typed.price_method)
