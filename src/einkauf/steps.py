"""Where each round stands and what comes next (issue 16 part 1): the coordinator's start page
shows every round with its step — Entwurf → Bedarfe sammeln → geschlossen → Lose gebildet →
Ausschreibung → vergeben — the next action as a link, the submission progress, and the demand
value per category of the newest round with demand. Read only; a few grouped queries."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from einkauf.bids.models import LotAward
from einkauf.catalogue.models import Category, Product
from einkauf.db import line_value_cents_sql
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.models import LotPlan
from einkauf.money import cents_to_euro
from einkauf.rounds.models import Member, Round, RoundStatus
from einkauf.tenders.models import Tender, TenderLot, TenderStatus
from einkauf.texts import N_

STEPS = (N_("Entwurf"), N_("Bedarfe sammeln"), N_("Geschlossen"), N_("Lose gebildet"), N_("Ausschreibung"),
         N_("Vergeben"))


@dataclass(frozen=True)
class RoundStep:
    round: Round
    step: int  # index into STEPS
    action: str  # the next action's label (German, translated by the page)
    endpoint: str
    arguments: dict
    submitted: int
    members: int
    tender: Tender | None
    decided: int  # lots decided (awarded or cancelled) of the tender
    lots: int

    @property
    def label(self) -> str:
        return STEPS[self.step]


def round_steps(session: Session) -> list[RoundStep]:
    """Every round, newest first, with its step and next action."""
    rounds = list(session.scalars(select(Round).order_by(Round.opens_on.desc(), Round.id.desc())))
    members = session.scalar(select(func.count()).select_from(Member).where(Member.active.is_(True))) or 0
    submitted = dict(session.execute(
        select(Submission.round_id, func.count()).where(Submission.status == SubmissionStatus.SUBMITTED)
        .group_by(Submission.round_id)).tuples().all())
    plans = set(session.scalars(select(LotPlan.round_id).where(LotPlan.superseded_at.is_(None))))
    tenders = {t.round_id: t for t in session.scalars(select(Tender).where(Tender.status == TenderStatus.ACTIVE))}
    lots = dict(session.execute(select(TenderLot.tender_id, func.count()).group_by(TenderLot.tender_id))
                .tuples().all())
    decided = dict(session.execute(select(LotAward.tender_id, func.count()).group_by(LotAward.tender_id))
                   .tuples().all())
    result = []
    for rnd in rounds:
        tender = tenders.get(rnd.id)
        count = submitted.get(rnd.id, 0)
        arguments: dict = {"round_id": rnd.id}
        if rnd.status == RoundStatus.DRAFT:
            step, action, endpoint = 0, N_("Bedarfsabfrage öffnen"), "rounds.round_detail"
        elif rnd.status == RoundStatus.OPEN:
            step, action, endpoint = 1, N_("Bedarfsmeldungen verfolgen"), "coordination.round_overview"
        elif tender is None and rnd.id not in plans:
            step, action, endpoint = 2, N_("Lose bilden"), "lots.plan"
        elif tender is None:
            step, action, endpoint = 3, N_("Vergabeverfahren erstellen"), "tenders.tender_new"
        elif decided.get(tender.id, 0) < lots.get(tender.id, 0):
            step, action, endpoint = 4, N_("Angebote und Zuschlag"), "bids.tender_bids"
            arguments = {"tender_id": tender.id}
        else:
            step, action, endpoint = 5, N_("Abrufe verfolgen"), "monitoring.tender_page"
            arguments = {"tender_id": tender.id}
        result.append(RoundStep(rnd, step, action, endpoint, arguments, count, members, tender,
                                decided.get(tender.id, 0) if tender else 0, lots.get(tender.id, 0) if tender else 0))
    return result


def demand_by_category(session: Session, round_id: int, *, submission_ids=None) -> list[tuple[str, Decimal]]:
    """The round's submitted demand per category (or that of the given submissions, drafts
    included): annual value at reference prices (lines rounded once, R1), categories in catalogue
    order, only those with demand."""
    submitted = submission_ids if submission_ids is not None else select(Submission.id).where(
        Submission.round_id == round_id, Submission.status == SubmissionStatus.SUBMITTED)
    rows = session.execute(
        select(Category.name, Category.sort_order,
               cast(func.sum(line_value_cents_sql(DemandLine.quantity, Product.reference_price)), BigInteger))
        .join(Product, Product.id == DemandLine.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(DemandLine.submission_id.in_(submitted))
        .group_by(Category.id, Category.name, Category.sort_order)
        .order_by(Category.sort_order, Category.name))
    return [(name, cents_to_euro(cents)) for name, _order, cents in rows]


def member_demand_comparison(session: Session, submission_id: int,
                             previous_id: int | None) -> list[tuple[str, Decimal, Decimal | None]]:
    """(category, this round's annual value, the previous round's or None) of one member — the
    officer's start page compares its demand with last round's."""
    now = dict(demand_by_category(session, 0, submission_ids=[submission_id]))
    before = dict(demand_by_category(session, 0, submission_ids=[previous_id])) if previous_id else {}
    names = list(now) + [name for name in before if name not in now]
    return [(name, now.get(name, Decimal("0.00")), before.get(name) if previous_id else None) for name in names]


@dataclass(frozen=True)
class AccountsOverview:
    by_role: dict[str, int]
    inactive: int
    waiting: tuple[tuple[str, int], ...]  # (e-mail, failures) of accounts currently made to wait
    recent_failures: tuple[tuple[str, str, object], ...]  # (e-mail, address, at), newest first


def accounts_overview(session: Session, *, free_failures: int, now, window_seconds: int) -> AccountsOverview:
    """The administrator's start page: accounts per role, inactive ones, accounts made to wait
    after failed sign-ins (at least `free_failures` within the window) and the latest failures."""
    from datetime import timedelta

    from einkauf.auth.models import SignInFailure, User

    by_role = {role.value if hasattr(role, "value") else str(role): count for role, count in session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role))}
    inactive = session.scalar(select(func.count()).select_from(User).where(User.active.is_(False))) or 0
    since = now - timedelta(seconds=window_seconds)
    waiting = tuple(session.execute(
        select(SignInFailure.email, func.count()).where(SignInFailure.at >= since)
        .group_by(SignInFailure.email).having(func.count() >= free_failures)
        .order_by(func.count().desc())).tuples().all())
    recent = tuple(session.execute(
        select(SignInFailure.email, SignInFailure.address, SignInFailure.at)
        .order_by(SignInFailure.at.desc()).limit(10)).tuples().all())
    return AccountsOverview(by_role, inactive, waiting, recent)


def member_totals(session: Session, plan_id: int, member_id: int | None = None) -> list[tuple[str, Decimal]]:
    """(member, annual value of its rows at estimated prices) of a lot plan — every member, or the
    one a finance user is bound to; the same sums as the finance export's rows."""
    from einkauf.lots.models import Allocation, LotPosition

    statement = (select(Member.name, cast(func.sum(type_coerce(Allocation.net_value, BigInteger)), BigInteger))
                 .select_from(Allocation)
                 .join(LotPosition, LotPosition.id == Allocation.position_id)
                 .join(Member, Member.id == Allocation.member_id)
                 .where(LotPosition.plan_id == plan_id)
                 .group_by(Member.id, Member.name).order_by(Member.name))
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    return [(name, cents_to_euro(cents)) for name, cents in session.execute(statement)]
