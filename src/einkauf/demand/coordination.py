"""Following up a round as coordinator: who has submitted, what it is worth, who is missing.

The overview is built from two queries whatever the number of members: one row per member
with its submission, the e-mail addresses of whoever submitted or reopened it, and its line
count and estimated value summed in SQL (GROUP BY over the round's demand lines, Σ of rounded
line values, R1); and one query for the officers' e-mail addresses of the members still
missing. Reopening a submission and extending the deadline are in einkauf.demand.services;
this module adds only the optimistic-locking check the extension form needs (R11).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from einkauf.actor import Actor
from einkauf.auth.models import Role, User
from einkauf.catalogue.models import Product
from einkauf.db import cents_to_euro, line_value_cents_sql, utcnow
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.demand.services import extend_deadline
from einkauf.errors import StaleVersion
from einkauf.rounds.models import Member, Round, RoundStatus
from einkauf.rounds.timing import BERLIN

# Status of a member's demand in a round, as the overview shows it.
NO_SUBMISSION = "none"        # kein Bedarf gemeldet
DRAFT = "draft"               # Entwurf
SUBMITTED = "submitted"       # abgegeben
REOPENED = "reopened"         # wieder geöffnet bis …

# Separator of the e-mail addresses to copy: Outlook (common in city administrations) expects
# "; " in its address fields; Thunderbird and webmail clients accept it as well.
EMAIL_SEPARATOR = "; "


@dataclass(frozen=True)
class MemberDemand:
    """One line of the round overview: a member and the state of its demand."""

    member_id: int
    ags: str
    name: str
    active: bool
    status: str
    submission_id: int | None
    submitted_at: datetime | None
    submitted_by: str | None
    lines: int
    estimated_value: Decimal
    reopened_until: datetime | None
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str

    @property
    def has_submitted(self) -> bool:
        return self.status == SUBMITTED


@dataclass(frozen=True)
class MissingMember:
    """A member without a submitted demand, with the e-mail addresses of its officers."""

    member_id: int
    ags: str
    name: str
    status: str
    emails: tuple[str, ...]


@dataclass
class RoundOverview:
    """Everything the overview page prints, ready to format."""

    round_id: int
    members: list[MemberDemand] = field(default_factory=list)
    missing: list[MissingMember] = field(default_factory=list)
    lines: int = 0
    estimated_value: Decimal = Decimal("0.00")
    submitted_lines: int = 0
    submitted_value: Decimal = Decimal("0.00")

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def submitted_count(self) -> int:
        return sum(1 for m in self.members if m.has_submitted)

    @property
    def draft_count(self) -> int:
        return sum(1 for m in self.members if m.status in (DRAFT, REOPENED))

    @property
    def missing_emails(self) -> list[str]:
        """Every officer address of the missing members, once each, in member order."""
        seen: dict[str, None] = {}
        for member in self.missing:
            for email in member.emails:
                seen.setdefault(email, None)
        return list(seen)

    @property
    def missing_emails_text(self) -> str:
        return EMAIL_SEPARATOR.join(self.missing_emails)

    @property
    def missing_names_text(self) -> str:
        return "\n".join(m.name for m in self.missing)

    @property
    def missing_without_officer(self) -> list[MissingMember]:
        return [m for m in self.missing if not m.emails]


def demand_status(status: SubmissionStatus | None, reopened_until: datetime | None, rnd: Round,
                  now: datetime) -> str:
    """The overview status of a member's demand (pure)."""
    if status is None:
        return NO_SUBMISSION
    if status == SubmissionStatus.SUBMITTED:
        return SUBMITTED
    # Reopened only while the member's own deadline is running and lies beyond the round's
    # (otherwise the round's deadline governs, as in Submission.editable_until).
    if (reopened_until is not None and reopened_until > now and reopened_until > rnd.deadline
            and rnd.status == RoundStatus.OPEN):
        return REOPENED
    return DRAFT


def submission_status(rnd: Round, submission: Submission | None, now: datetime | None = None) -> str:
    """The overview status of one member's submission (None: the member has none)."""
    if submission is None:
        return NO_SUBMISSION
    return demand_status(submission.status, submission.reopened_until, rnd, now or utcnow())


def round_overview(session: Session, rnd: Round, *, now: datetime | None = None) -> RoundOverview:
    """Per member of the round (every active member, and any other member with a submission in
    it): status, submitted at/by, number of lines and estimated value; totals; and the members
    still missing (no submission or only a draft) with their active officers' e-mail addresses.
    """
    now = now or utcnow()
    value = line_value_cents_sql(DemandLine.quantity, Product.reference_price)
    per_submission = (
        select(DemandLine.submission_id.label("submission_id"),
               func.count(DemandLine.id).label("lines"),
               func.sum(value).label("cents"))
        .join(Product, DemandLine.product_id == Product.id)
        .join(Submission, DemandLine.submission_id == Submission.id)
        .where(Submission.round_id == rnd.id)
        .group_by(DemandLine.submission_id)
        .subquery("per_submission")
    )
    submitter = aliased(User, name="submitter")
    reopener = aliased(User, name="reopener")
    rows = session.execute(
        select(Member.id, Member.ags, Member.name, Member.active,
               Submission.id, Submission.status, Submission.submitted_at, submitter.email,
               Submission.reopened_until, Submission.reopened_at, reopener.email, Submission.reopen_reason,
               per_submission.c.lines, per_submission.c.cents)
        .select_from(Member)
        .outerjoin(Submission, and_(Submission.member_id == Member.id, Submission.round_id == rnd.id))
        .outerjoin(submitter, submitter.id == Submission.submitted_by_id)
        .outerjoin(reopener, reopener.id == Submission.reopened_by_id)
        .outerjoin(per_submission, per_submission.c.submission_id == Submission.id)
        .where(or_(Member.active.is_(True), Submission.id.is_not(None)))
        .order_by(Member.name, Member.ags)
    ).all()

    overview = RoundOverview(round_id=rnd.id)
    total_cents = submitted_cents = 0
    for (member_id, ags, name, active, submission_id, status, submitted_at, submitted_by,
         reopened_until, reopened_at, reopened_by, reopen_reason, lines, cents) in rows:
        lines, cents = int(lines or 0), int(cents or 0)
        row = MemberDemand(
            member_id=member_id, ags=ags, name=name, active=active,
            status=demand_status(status, reopened_until, rnd, now),
            submission_id=submission_id,
            submitted_at=submitted_at if status == SubmissionStatus.SUBMITTED else None,
            submitted_by=submitted_by if status == SubmissionStatus.SUBMITTED else None,
            lines=lines, estimated_value=cents_to_euro(cents),
            reopened_until=reopened_until, reopened_at=reopened_at, reopened_by=reopened_by,
            reopen_reason=reopen_reason or "",
        )
        overview.members.append(row)
        overview.lines += lines
        total_cents += cents
        if row.has_submitted:
            overview.submitted_lines += lines
            submitted_cents += cents
    overview.estimated_value = cents_to_euro(total_cents)
    overview.submitted_value = cents_to_euro(submitted_cents)

    missing = [m for m in overview.members if not m.has_submitted and m.active]
    emails = _officer_emails(session, rnd)
    overview.missing = [MissingMember(member_id=m.member_id, ags=m.ags, name=m.name, status=m.status,
                                      emails=tuple(emails.get(m.member_id, ())))
                        for m in missing]
    return overview


def _officer_emails(session: Session, rnd: Round) -> dict[int, list[str]]:
    """Active officers' e-mail addresses of the active members without a submitted demand (one query)."""
    submitted = (select(Submission.id)
                 .where(Submission.member_id == User.member_id, Submission.round_id == rnd.id,
                        Submission.status == SubmissionStatus.SUBMITTED)
                 .exists())
    result: dict[int, list[str]] = {}
    for member_id, email in session.execute(
        select(User.member_id, User.email)
        .join(Member, Member.id == User.member_id)
        .where(User.role == Role.OFFICER, User.active.is_(True), Member.active.is_(True), ~submitted)
        .order_by(User.member_id, User.email)
    ):
        result.setdefault(member_id, []).append(email)
    return result


def default_reopen_until(now: datetime | None = None) -> tuple[date, time]:
    """Berlin date and wall-clock time proposed for a reopened submission: in 7 days at 12:00."""
    local = (now or utcnow()).astimezone(BERLIN) + timedelta(days=7)
    return local.date(), time(12, 0)


def extend_round_deadline(session: Session, actor: Actor, rnd: Round, new_deadline: datetime, *,
                          expected_version: int, now: datetime | None = None) -> Round:
    """Extend the round's deadline (einkauf.demand.services.extend_deadline), refusing a save
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
