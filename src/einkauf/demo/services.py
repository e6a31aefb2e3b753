"""Loading the demo data set into an empty, migrated database.

The demo is deterministic: the same `now` gives the same records (only ids, password hashes,
session tokens and audit timestamps differ). It never adds to a database that already holds
data, so it cannot duplicate anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from einkauf.audit.services import record_event
from einkauf.auth import passwords
from einkauf.auth.models import User
from einkauf.auth.services import create_user
from einkauf.berlin import BERLIN
from einkauf.catalogue.models import Category, Product
from einkauf.catalogue.seed import load_curated
from einkauf.db import Base, utcnow
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.demo import data
from einkauf.demo.calloffs import CallOffDemo, add_sales_reports
from einkauf.demo.tender import FinishedTender, add_finished_tender
from einkauf.errors import InvalidState, ValidationFailed
from einkauf.rounds.models import DeliverySite, Member, Round

NOT_EMPTY = ("Die Datenbank enthält bereits Daten – die Demo wird nur in eine leere Datenbank geladen, "
             "damit nichts doppelt angelegt wird.")


@dataclass(frozen=True)
class SignIn:
    """One demo account as shown to the person who loaded the demo."""

    role: str                 # einkauf.roles.Role value
    email: str
    member_name: str | None


@dataclass(frozen=True)
class DemoSummary:
    members: int
    delivery_sites: int
    categories: int
    products: int
    users: int
    round_code: str
    round_deadline: datetime
    submitted: int
    drafts: int
    demand_lines: int
    sign_ins: tuple[SignIn, ...]
    finished: FinishedTender | None = None
    calloffs: CallOffDemo | None = None


def demo_sign_ins() -> tuple[SignIn, ...]:
    """The demo accounts: coordination, finance, administration, then one officer per city."""
    names = {c.ags: c.name for c in data.CITIES}
    return tuple(SignIn(a.role, a.email, names.get(a.member_ags) if a.member_ags else None) for a in data.accounts())


def missing_tables(session: Session) -> list[str]:
    """Tables of the current schema that the database lacks (empty when it is migrated)."""
    import einkauf.models  # noqa: F401 - fills Base.metadata

    present = set(inspect(session.connection()).get_table_names())
    return sorted(set(Base.metadata.tables) - present)


def database_is_empty(session: Session) -> bool:
    """True when no members, users, categories, products or rounds exist yet.

    CPV codes and units alone do not count: they are reference data the demo tops up.
    """
    return all(session.scalar(select(model.id).limit(1)) is None for model in (Member, User, Category, Product, Round))


def demo_deadline(now: datetime) -> datetime:
    """12:00 Europe/Berlin on the day ROUND_DEADLINE_DAYS after `now`, as UTC."""
    day = (now.astimezone(BERLIN) + timedelta(days=data.ROUND_DEADLINE_DAYS)).date()
    return datetime.combine(day, time(12, 0), tzinfo=BERLIN).astimezone(UTC)


def load_demo(session: Session, password: str, *, now: datetime | None = None) -> DemoSummary:
    """Load the demo into an empty database: 13 NRW cities with delivery sites, the curated
    CPV codes and units, a catalogue of about 150 products, one account per role and city
    (all with `password`), the open round 2027 with most cities' demand submitted, and the closed
    round 2025 with its tender opened, checked and awarded (einkauf.demo.tender).

    Raises ValidationFailed for an unacceptable password and InvalidState when the database
    already holds data. Does not commit.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    problem = passwords.password_problem(password)
    if problem:
        raise ValidationFailed(problem)
    if not database_is_empty(session):
        raise InvalidState(NOT_EMPTY)

    load_curated(session)
    members = _add_members(session)
    products = _add_catalogue(session)
    users = _add_users(session, password)
    demand_round = _add_round(session, now)
    submitted, drafts, lines = _add_demand(session, demand_round, members, products, users, now)
    finished = add_finished_tender(session, members, products, users)
    coordinator = next(users[a.email] for a in data.accounts() if a.role == "coordinator")
    calloffs = add_sales_reports(session, finished.reference, coordinator, now)

    summary = DemoSummary(
        members=len(members),
        delivery_sites=sum(len(m.delivery_sites) for m in members.values()),
        categories=len(data.CATEGORIES),
        products=len(products),
        users=len(users),
        round_code=demand_round.code,
        round_deadline=demand_round.deadline,
        submitted=submitted,
        drafts=drafts,
        demand_lines=lines,
        sign_ins=demo_sign_ins(),
        finished=finished,
        calloffs=calloffs,
    )
    record_event(
        session, data.DEMO_ACTOR, "demo.load", "demo", demand_round.code,
        summary=(f"Demo geladen: {summary.members} Mitglieder, {summary.delivery_sites} Lieferstellen, "
                 f"{summary.categories} Warengruppen, {summary.products} Artikel, {summary.users} Zugänge, "
                 f"{demand_round.title} mit {summary.submitted} abgegebenen Bedarfsmeldungen, "
                 f"{summary.drafts} im Entwurf und {summary.demand_lines} Bedarfspositionen"),
        after={
            "members": summary.members,
            "delivery_sites": summary.delivery_sites,
            "categories": summary.categories,
            "products": summary.products,
            "users": summary.users,
            "round": demand_round.code,
            "deadline": demand_round.deadline,
            "submitted": summary.submitted,
            "drafts": summary.drafts,
            "demand_lines": summary.demand_lines,
        },
    )
    session.flush()
    return summary


def _add_members(session: Session) -> dict[str, Member]:
    members = {}
    for city in data.CITIES:
        member = Member(ags=city.ags, name=city.name, region=city.region, active=True)
        member.delivery_sites = [
            DeliverySite(name=s.name, street=s.street, postcode=s.postcode, city=city.name, active=True)
            for s in city.sites
        ]
        members[city.ags] = member
    session.add_all(members.values())
    session.flush()
    return members


def _add_catalogue(session: Session) -> dict[str, Product]:
    categories = {}
    for order, c in enumerate(data.CATEGORIES, start=1):
        categories[c.prefix] = Category(name=c.name, cpv_code=c.cpv_code, sort_order=order * 10,
                                        description=c.description, active=True)
    session.add_all(categories.values())
    session.flush()
    products = {}
    for prefix, items in data.PRODUCTS.items():
        for position, item in enumerate(items, start=1):
            number = data.product_number(prefix, position)
            products[number] = Product(
                category_id=categories[prefix].id,
                number=number,
                short_text=item.short_text,
                specification=item.specification,
                unit_code=item.unit,
                reference_price=Decimal(item.price),
                vat_rate=Decimal(item.vat),
                active=True,
            )
    session.add_all(products.values())
    session.flush()
    return products


def _add_users(session: Session, password: str) -> dict[str, User]:
    return {
        a.email: create_user(session, data.DEMO_ACTOR, a.email, a.role, password, member_ags=a.member_ags, name=a.name)
        for a in data.accounts()
    }


def _add_round(session: Session, now: datetime) -> Round:
    opened_at = min(datetime.combine(data.ROUND_OPENS_ON, time(9, 0), tzinfo=BERLIN).astimezone(UTC), now)
    demand_round = Round(
        code=data.ROUND_CODE,
        title=data.ROUND_TITLE,
        opens_on=data.ROUND_OPENS_ON,
        deadline=demo_deadline(now),
        contract_term_months=data.ROUND_CONTRACT_TERM_MONTHS,
        extension_months=data.ROUND_EXTENSION_MONTHS,
        max_quantity_buffer_pct=data.ROUND_MAX_QUANTITY_BUFFER_PCT,
        opened_at=opened_at,
        created_at=opened_at,
    )
    session.add(demand_round)
    session.flush()
    return demand_round


def _add_demand(session: Session, demand_round: Round, members: dict[str, Member], products: dict[str, Product],
                users: dict[str, User], now: datetime) -> tuple[int, int, int]:
    """Submissions and their demand lines; returns (submitted, drafts, lines)."""
    opened_at = demand_round.opened_at or now  # _add_round opened it
    submissions: dict[str, Submission] = {}
    for city in data.CITIES:
        if city.submission == data.NO_SUBMISSION:
            continue
        if city.submission == data.SUBMITTED:
            at = max(opened_at, (now - timedelta(days=city.submitted_days_ago)).replace(second=0, microsecond=0))
            officer = users[data.officer_email(city.name)]
            submission = Submission(round_id=demand_round.id, member_id=members[city.ags].id, version=1,
                                    status=SubmissionStatus.SUBMITTED, submitted_at=at, submitted_by_id=officer.id,
                                    created_at=demand_round.opened_at, updated_at=at)
        else:
            submission = Submission(round_id=demand_round.id, member_id=members[city.ags].id, version=1,
                                    status=SubmissionStatus.DRAFT, created_at=demand_round.opened_at, updated_at=now)
        submissions[city.ags] = submission
    session.add_all(submissions.values())
    session.flush()

    site_ids = {(m.ags, s.name): s.id for m in members.values() for s in m.delivery_sites}
    rows = [
        {
            "submission_id": submissions[line.ags].id,
            "product_id": products[line.product_number].id,
            "delivery_site_id": site_ids[(line.ags, line.site_name)],
            "quantity": line.quantity,
            "cost_centre": line.cost_centre,
            "budget_account": line.budget_account,
            "note": "",
        }
        for line in data.planned_demand()
    ]
    if rows:
        session.execute(insert(DemandLine), rows)
    submitted = sum(1 for s in submissions.values() if s.status == SubmissionStatus.SUBMITTED)
    return submitted, len(submissions) - submitted, len(rows)
