"""Shared fixtures: a migrated database per backend, a per-test transaction that is rolled
back, the app and its client, sign-in helpers and small factories."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from einkauf.app import create_app
from einkauf.auth import passwords
from einkauf.db import make_engine
from einkauf.migrate import upgrade

from bids_support import bid_tender as bid_tender  # the tender with its price sheet, for the bids tests
from support import FIXED_NOW, PASSWORD, csrf_token_from  # noqa: F401 - re-exported for older imports

# Cheap hashes in tests; production keeps the RFC 9106 defaults.
passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)

POSTGRES_URL = os.environ.get("EINKAUF_TEST_POSTGRES_URL")
# The comment the suite puts on the public schema of its PostgreSQL database: the suite empties that
# database, so it refuses one that holds tables without this mark (somebody's real data).
TEST_DATABASE_MARK = "einkauf-Testdatenbank: wird von den Tests geleert"


def _refuse_a_foreign_database(eng) -> None:
    with eng.connect() as conn:
        tables = conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
        mark = conn.execute(text("SELECT obj_description('public'::regnamespace, 'pg_namespace')")).scalar()
        if tables.scalar() and mark != TEST_DATABASE_MARK:
            pytest.exit("Fehler: EINKAUF_TEST_POSTGRES_URL nennt eine Datenbank mit Tabellen, die nicht von den "
                        "Tests stammen. Die Tests leeren ihre Datenbank – bitte eine eigene, leere Testdatenbank "
                        "angeben (z. B. einkauf_test).", returncode=2)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    """A migrated database: SQLite always; PostgreSQL when EINKAUF_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        eng = make_engine(url)
    else:
        if not POSTGRES_URL:
            if os.environ.get("EINKAUF_REQUIRE_POSTGRES"):
                pytest.fail("EINKAUF_REQUIRE_POSTGRES ist gesetzt, aber EINKAUF_TEST_POSTGRES_URL fehlt")
            pytest.skip("PostgreSQL-Tests übersprungen: EINKAUF_TEST_POSTGRES_URL ist nicht gesetzt")
        eng = make_engine(POSTGRES_URL)
        _refuse_a_foreign_database(eng)
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.execute(text(f"COMMENT ON SCHEMA public IS '{TEST_DATABASE_MARK}'"))
    with eng.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    yield eng
    eng.dispose()


@pytest.fixture
def fixed_clock():
    """Fix einkauf's clock (einkauf.clock) at support.FIXED_NOW, so that defaults like the publication
    date "in 14 days" and the threshold in force then do not depend on the day the suite runs."""
    from einkauf import clock

    with clock.fixed(FIXED_NOW) as moment:
        yield moment


@pytest.fixture
def backend(engine) -> str:
    return engine.dialect.name


@pytest.fixture
def connection(engine):
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection):
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_factory) -> Session:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def app_config(engine, session_factory, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "ENGINE": engine,
        "SESSION_FACTORY": session_factory,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "DATABASE_URL": str(engine.url),
    }


@pytest.fixture
def app(app_config):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    """A migrated SQLite file that the `einkauf` command line will use; yields a session factory."""
    from einkauf.db import make_session_factory

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    upgrade(url)
    monkeypatch.setenv("EINKAUF_DATABASE_URL", url)
    monkeypatch.setenv("EINKAUF_INSTANCE_PATH", str(tmp_path / "instance"))
    cli_engine = make_engine(url)
    yield make_session_factory(cli_engine)
    cli_engine.dispose()


@pytest.fixture
def demo_database(cli_database):
    """The command line's database with the demo data (einkauf.demo) loaded; its session factory."""
    from einkauf.demo.services import load_demo

    with cli_database() as session:
        load_demo(session, "demo-passwort-1")
        session.commit()
    return cli_database


@pytest.fixture
def closed_demo_round(demo_database):
    """The demo round 2027 closed, its demand ready for the lots; the session factory."""
    from einkauf.rounds.services import close_round, get_round_by_code

    with demo_database() as session:
        close_round(session, "test", get_round_by_code(session, "2027").id, early=True)
        session.commit()
    return demo_database


@pytest.fixture
def built_demo_round(closed_demo_round):
    """The lots of the closed demo round 2027 built (the LotBuildResult)."""
    from einkauf.lots.services import build_lots
    from einkauf.rounds.services import get_round_by_code

    with closed_demo_round() as session:
        result = build_lots(session, "test", get_round_by_code(session, "2027").id)
        session.commit()
    return result


# --- factories ----------------------------------------------------------------------------

_seq = count(1)


@pytest.fixture
def make_member(db):
    from einkauf.rounds.models import DeliverySite, Member

    def make(ags: str | None = None, name: str | None = None, region: str = "Ruhrgebiet", sites: int = 1):
        n = next(_seq)
        member = Member(ags=ags or f"{5900000 + n:08d}", name=name or f"Stadt {n}", region=region)
        for i in range(sites):
            member.delivery_sites.append(
                DeliverySite(name=f"Rathaus {i + 1}", street="Markt 1", postcode="44135", city=member.name)
            )
        db.add(member)
        db.flush()
        return member

    return make


@pytest.fixture
def make_user(db):
    from einkauf.auth.models import User
    from einkauf.roles import Role

    def make(
        role: str = "coordinator", member=None, email: str | None = None, password: str = PASSWORD, active: bool = True
    ):
        n = next(_seq)
        user = User(
            email=email or f"{role}{n}@einkauf.example",
            role=Role(role),
            member_id=member.id if member is not None else None,
            password_hash=passwords.hash_password(password),
            active=active,
        )
        db.add(user)
        db.flush()
        return user

    return make


@pytest.fixture
def cpv(db):
    """Make sure a CPV code exists (the curated seed is not loaded in every test)."""
    from einkauf.catalogue.models import CpvCode

    def make(code: str = "30192000-1", label: str = "Büroartikel"):
        existing = db.get(CpvCode, code)
        if existing:
            return existing
        row = CpvCode(code=code, label=label)
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_unit(db):
    from einkauf.catalogue.models import Unit

    def make(code: str = "H87", label: str = "Stück"):
        existing = db.get(Unit, code)
        if existing:
            return existing
        row = Unit(code=code, label=label)
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_category(db, cpv):
    from einkauf.catalogue.models import Category

    def make(name: str | None = None, cpv_code: str = "30192000-1", sort_order: int | None = None):
        n = next(_seq)
        cpv(cpv_code)
        row = Category(
            name=name or f"Warengruppe {n}", cpv_code=cpv_code, sort_order=n if sort_order is None else sort_order
        )
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_product(db, make_category, make_unit):
    from einkauf.catalogue.models import Product

    def make(
        category=None, number: str | None = None, price: str = "1.00", unit: str = "H87", short_text: str | None = None
    ):
        n = next(_seq)
        make_unit(unit)
        row = Product(
            category_id=(category or make_category()).id,
            number=number or f"A-{n:05d}",
            short_text=short_text or f"Artikel {n}",
            unit_code=unit,
            reference_price=Decimal(price),
            vat_rate=Decimal("19.00"),
        )
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_round(db):
    from einkauf.rounds.models import Round

    def make(code: str | None = None, opened: bool = False, deadline: datetime | None = None, closed: bool = False):
        n = next(_seq)
        now = datetime.now(UTC)
        row = Round(
            code=code or f"R{n}",
            title=f"Bedarfsabfrage {n}",
            opens_on=date.today(),
            deadline=deadline or now + timedelta(days=30),
            contract_term_months=24,
            extension_months=24,
            max_quantity_buffer_pct=Decimal("20.00"),
            opened_at=now if opened or closed else None,
            closed_at=now if closed else None,
        )
        db.add(row)
        db.flush()
        return row

    return make


# The CPV codes the built rounds may give their categories, with their labels.
CPV_LABELS = {"39130000-2": "Büromöbel", "30197630-1": "Druckpapier", "30125100-2": "Tonerpatronen"}


@dataclass
class DemandRound:
    """A closed round with one member's submitted demand (fixture make_demand_round)."""

    round: Any
    categories: list
    products: list
    member: Any
    submission: Any


@pytest.fixture
def make_demand_round(db, make_round, make_member, make_category, make_product, cpv):
    """A closed round (24 + 24 months) with one member's submitted demand in three categories of
    one product each: a desk (M-1, 500 €), copy paper (P-1, 5 €) and ink or toner (T-1, 40 €).
    The default quantities 100, 1000 and 100 make 200,000 € + 20,000 € + 16,000 € over the term
    (furniture below the 216,000 € threshold). `cpv_codes` gives a category a code of
    CPV_LABELS (None: the catalogue default); no lots are built."""
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus

    def make(quantities: tuple[str, str, str] = ("100", "1000", "100"), *,
             names: tuple[str, str, str] = ("Möbel", "Papier", "Tinte"),
             texts: tuple[str, str, str] = ("Schreibtisch", "Kopierpapier A4", "Tintenpatrone"),
             cpv_codes: tuple[str | None, ...] = (None, None, None), member_name: str | None = None,
             cost_centre: str = "", budget_account: str = "") -> DemandRound:
        rnd = make_round(closed=True)
        for code in cpv_codes:
            if code is not None:
                cpv(code, CPV_LABELS[code])
        categories = [make_category(name=name, sort_order=i, **({"cpv_code": code} if code else {}))
                      for i, (name, code) in enumerate(zip(names, cpv_codes, strict=True))]
        products = [make_product(category, number=number, price=price, short_text=short_text)
                    for category, number, price, short_text in zip(
                        categories, ("M-1", "P-1", "T-1"), ("500.00", "5.00", "40.00"), texts, strict=True)]
        member = make_member(name=member_name)
        submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        for product, quantity in zip(products, quantities, strict=True):
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal(quantity),
                              delivery_site_id=member.delivery_sites[0].id, cost_centre=cost_centre,
                              budget_account=budget_account))
        db.flush()
        return DemandRound(rnd, categories, products, member, submission)

    return make


# --- signing in -----------------------------------------------------------------------------

@pytest.fixture
def sign_in(client):
    def do(user, password: str = PASSWORD):
        response = client.post("/anmelden", data={"email": user.email, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return response

    return do


@pytest.fixture
def as_role(make_user, make_member, sign_in):
    """Sign the test client in with a fresh user of the role; returns the user."""

    def do(role: str, member=None):
        if role == "officer" and member is None:
            member = make_member()
        user = make_user(role, member=member)
        sign_in(user)
        return user

    return do


@pytest.fixture
def coordinator(request, make_user):
    """A coordinator; in a test that uses the web client, signed in there."""
    if "client" in request.fixturenames:
        return request.getfixturevalue("as_role")("coordinator")
    return make_user("coordinator")


@pytest.fixture
def add_submission(db):
    """A member's submission with lines [(product, quantity[, site, cost centre, budget account])];
    `by` and `at`: who handed it in and when (for a submitted one)."""
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus

    def add(rnd, member, lines=(), status: str = "submitted", *, by=None, at: datetime | None = None):
        status = SubmissionStatus(status)
        submission = Submission(round_id=rnd.id, member_id=member.id, status=status, version=1,
                                submitted_at=at if status == SubmissionStatus.SUBMITTED else None,
                                submitted_by_id=by.id if by is not None else None)
        db.add(submission)
        db.flush()
        for line in lines:
            product, quantity = line[0], Decimal(line[1])
            site = line[2] if len(line) > 2 and line[2] is not None else member.delivery_sites[0]
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, delivery_site_id=site.id,
                              quantity=quantity, cost_centre=line[3] if len(line) > 3 else "KST-1",
                              budget_account=line[4] if len(line) > 4 else "5210"))
        db.flush()
        return submission

    return add


@pytest.fixture
def now():
    """The present moment, to the second (UTC)."""
    return datetime.now(UTC).replace(microsecond=0)
