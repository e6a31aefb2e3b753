"""Reading a member's demand: the rounds an officer may see, the submission, its totals and
participation, and the read models of the officer's pages (start page, round page, category
entry). Functions here only read; every query is scoped to the member the caller passes in
(the signed-in officer's member, R8), never to an id from a form."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from einkauf.catalogue.models import Category, Product, Unit
from einkauf.db import line_value_cents_sql
from einkauf.demand.consumption import Consumption, consumption_of
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission
from einkauf.demand.state import can_withdraw, lock_reason
from einkauf.errors import NotFound
from einkauf.money import cents_to_euro
from einkauf.rounds.models import DeliverySite, Round, RoundStatus


@dataclass
class SubmissionTotals:
    lines: int = 0
    estimated_value: Decimal = Decimal("0.00")
    products: int = 0
    by_category: dict[int, tuple[int, Decimal]] = field(default_factory=dict)


def get_open_round(session: Session, round_id: int) -> Round:
    """A round officers may see: opened (possibly past its deadline or closed), never a draft."""
    row = session.get(Round, round_id)
    if row is None or row.status == RoundStatus.DRAFT:
        raise NotFound("Bedarfsabfrage nicht gefunden.")
    return row


def get_submission(session: Session, round_id: int, member_id: int) -> Submission | None:
    return session.scalar(
        select(Submission).where(Submission.round_id == round_id, Submission.member_id == member_id)
    )


def submission_totals(session: Session, submission_id: int | None) -> SubmissionTotals:
    """Line count and estimated value (Σ rounded line values at reference prices, R1), per category too."""
    totals = SubmissionTotals()
    if submission_id is None:
        return totals
    value = line_value_cents_sql(DemandLine.quantity, Product.reference_price)
    rows = session.execute(
        select(Product.category_id, func.count(DemandLine.id), func.sum(value), func.count(func.distinct(Product.id)))
        .join(Product, DemandLine.product_id == Product.id)
        .where(DemandLine.submission_id == submission_id)
        .group_by(Product.category_id)
    ).all()
    for category_id, count, cents, products in rows:
        amount = cents_to_euro(cents)
        totals.by_category[category_id] = (count, amount)
        totals.lines += count
        totals.estimated_value += amount
        totals.products += products
    return totals


def excluded_category_ids(session: Session, submission_id: int | None) -> set[int]:
    if submission_id is None:
        return set()
    return set(
        session.scalars(select(CategoryExclusion.category_id).where(CategoryExclusion.submission_id == submission_id))
    )


def previous_submission(session: Session, rnd: Round, member_id: int) -> Submission | None:
    """The member's submission in its most recent earlier round (the source of copy_previous_round)."""
    return session.scalar(
        select(Submission).join(Round, Submission.round_id == Round.id)
        .where(Submission.member_id == member_id, Round.id != rnd.id, Round.opened_at.is_not(None),
               Round.opens_on <= rnd.opens_on)
        .order_by(Round.opens_on.desc(), Round.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class PreviousArticle:
    """One article of the member's previous submission as the copy page offers it: its declared
    quantity (Σ of its lines) beside the consumption reported under that round's frameworks."""

    product_id: int
    number: str
    short_text: str
    unit_label: str
    lines: int
    declared: Decimal
    consumption: Consumption | None


def previous_articles(session: Session, previous: Submission, member_id: int) -> list[PreviousArticle]:
    """The articles the copy would take (active products and delivery sites), by article number,
    each with the member's reported consumption where there is any."""
    rows = session.execute(
        select(Product.id, Product.number, Product.short_text, Unit.label, func.count(DemandLine.id),
               func.sum(DemandLine.quantity))
        .select_from(DemandLine)
        .join(Product, DemandLine.product_id == Product.id)
        .join(Unit, Unit.code == Product.unit_code)
        .join(DeliverySite, DemandLine.delivery_site_id == DeliverySite.id)
        .where(DemandLine.submission_id == previous.id, Product.active.is_(True), DeliverySite.active.is_(True))
        .group_by(Product.id, Product.number, Product.short_text, Unit.label)
        .order_by(Product.number))
    reported = consumption_of(session, previous.round_id, member_id)
    return [PreviousArticle(product_id, number, short_text, unit_label, count, Decimal(declared or 0),
                            reported.get(product_id))
            for product_id, number, short_text, unit_label, count, declared in rows]


def _user_label(session: Session, user_id: int | None) -> str | None:
    from einkauf.auth.models import User

    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return None
    return user.name or user.email


@dataclass
class RoundSummary:
    """One round as an officer sees it on the start page."""

    round: Round
    submission: Submission | None
    totals: SubmissionTotals
    submitted_by: str | None
    editable_until: datetime
    lock: str | None

    @property
    def reopened(self) -> bool:
        s = self.submission
        return s is not None and s.reopened_until is not None and s.reopened_until > self.round.deadline


def officer_round_summaries(session: Session, member_id: int, now: datetime | None = None) -> list[RoundSummary]:
    """Every opened round (open ones first, latest deadline first) with the member's submission."""
    rounds = list(session.scalars(
        select(Round).where(Round.opened_at.is_not(None))
        .order_by(Round.closed_at.is_not(None), Round.deadline.desc(), Round.id.desc())
    ))
    if not rounds:
        return []
    submissions = {
        s.round_id: s for s in session.scalars(
            select(Submission).where(Submission.member_id == member_id,
                                     Submission.round_id.in_([r.id for r in rounds])))
    }
    result = []
    for rnd in rounds:
        submission = submissions.get(rnd.id)
        result.append(RoundSummary(
            round=rnd,
            submission=submission,
            totals=submission_totals(session, submission.id if submission else None),
            submitted_by=_user_label(session, submission.submitted_by_id) if submission else None,
            editable_until=submission.editable_until() if submission else rnd.deadline,
            lock=lock_reason(rnd, submission, now),
        ))
    return result


@dataclass
class CategoryRow:
    category: Category
    products: int
    lines: int
    value: Decimal
    participates: bool


@dataclass
class SubmissionOverview:
    """The member's submission in one round with its categories, for the round page."""

    round: Round
    submission: Submission | None
    totals: SubmissionTotals
    categories: list[CategoryRow]
    submitted_by: str | None
    editable_until: datetime
    lock: str | None
    can_withdraw: bool
    previous: Submission | None

    @property
    def version(self) -> int:
        return self.submission.version if self.submission is not None else 0

    @property
    def reopened(self) -> bool:
        s = self.submission
        return s is not None and s.reopened_until is not None and s.reopened_until > self.round.deadline


def submission_overview(session: Session, rnd: Round, member_id: int,
                        now: datetime | None = None) -> SubmissionOverview:
    """Active categories in lot order (and any other category the member has lines in), with the
    member's line count, value and participation per category."""
    submission = get_submission(session, rnd.id, member_id)
    totals = submission_totals(session, submission.id if submission else None)
    excluded = excluded_category_ids(session, submission.id if submission else None)
    product_counts = dict(session.execute(
        select(Product.category_id, func.count(Product.id)).where(Product.active.is_(True))
        .group_by(Product.category_id)
    ).tuples().all())
    shown = set(totals.by_category) | excluded
    visible: ColumnElement[bool] = Category.active.is_(True)
    if shown:
        visible = visible | Category.id.in_(shown)
    categories = session.scalars(select(Category).where(visible).order_by(Category.sort_order, Category.name)).all()
    rows = [
        CategoryRow(category=c, products=product_counts.get(c.id, 0),
                    lines=totals.by_category.get(c.id, (0, Decimal("0.00")))[0],
                    value=totals.by_category.get(c.id, (0, Decimal("0.00")))[1],
                    participates=c.id not in excluded)
        for c in categories
    ]
    return SubmissionOverview(
        round=rnd, submission=submission, totals=totals, categories=rows,
        submitted_by=_user_label(session, submission.submitted_by_id) if submission else None,
        editable_until=submission.editable_until() if submission else rnd.deadline,
        lock=lock_reason(rnd, submission, now),
        can_withdraw=can_withdraw(rnd, submission, now),
        previous=previous_submission(session, rnd, member_id),
    )


@dataclass
class CategoryEntry:
    """What the entry page of one category needs: its active products, the member's lines of
    the category per product, and the member's delivery sites."""

    round: Round
    category: Category
    submission: Submission | None
    products: list[Product]
    lines: dict[int, list[DemandLine]]
    retired_lines: list[DemandLine]       # lines of products that are no longer active
    sites: list[DeliverySite]
    participates: bool

    @property
    def version(self) -> int:
        return self.submission.version if self.submission is not None else 0


def category_entry(session: Session, rnd: Round, member_id: int, category_id: int) -> CategoryEntry:
    """Load one category's entry page in four queries, whatever the number of products."""
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("Warengruppe nicht gefunden.")
    submission = get_submission(session, rnd.id, member_id)
    products = list(session.scalars(
        select(Product).where(Product.category_id == category_id, Product.active.is_(True))
        .options(selectinload(Product.unit)).order_by(Product.number)
    ))
    lines: dict[int, list[DemandLine]] = {}
    retired: list[DemandLine] = []
    participates = True
    if submission is not None:
        active_ids = {p.id for p in products}
        for line in session.scalars(
            select(DemandLine).join(Product, DemandLine.product_id == Product.id)
            .where(DemandLine.submission_id == submission.id, Product.category_id == category_id)
            .order_by(DemandLine.id)
        ):
            if line.product_id in active_ids:
                lines.setdefault(line.product_id, []).append(line)
            else:
                retired.append(line)
        participates = session.get(CategoryExclusion, (submission.id, category_id)) is None
    used_site_ids = {line.delivery_site_id for rows in lines.values() for line in rows}
    sites = list(session.scalars(
        select(DeliverySite).where(DeliverySite.member_id == member_id,
                                   DeliverySite.active.is_(True) | DeliverySite.id.in_(used_site_ids))
        .order_by(DeliverySite.name)
    ))
    return CategoryEntry(round=rnd, category=category, submission=submission, products=products, lines=lines,
                         retired_lines=retired, sites=sites, participates=participates)
