"""Two requests at once (issue 11): a double click or two people at the same moment.

The per-test transaction of conftest cannot show this: the requests must run in threads with
their own sessions against a database whose data is really committed. The `live` fixture
builds one per backend — a migrated SQLite file, or a schema of its own in the PostgreSQL test
database — and removes it afterwards. Each test asserts one effect and no 500.
"""
from __future__ import annotations

import io
import os
import re
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from einkauf.app import create_app
from einkauf.audit.models import AuditEvent
from einkauf.auth.models import User
from einkauf.berlin import BERLIN
from einkauf.db import make_engine, make_session_factory, write_intent
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission, SubmissionStatus
from einkauf.errors import InvalidState
from einkauf.lots.services import build_lots
from einkauf.migrate import upgrade
from einkauf.tenders.models import Document, Tender
from einkauf.tenders.services import freeze_tender

from support import PASSWORD

POSTGRES_URL = os.environ.get("EINKAUF_TEST_POSTGRES_URL")

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LIVE_SCHEMA = "h6_live"
BUSY_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def live(engine, tmp_path_factory):
    """A migrated database whose rows are committed, per backend; removed afterwards."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}"
        upgrade(url)
        eng = make_engine(url, busy_timeout=BUSY_TIMEOUT)
    else:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {LIVE_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {LIVE_SCHEMA}"))
        eng = make_engine(POSTGRES_URL, busy_timeout=BUSY_TIMEOUT,
                          connect_args={"options": f"-c search_path={LIVE_SCHEMA}"})
        with eng.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
    yield SimpleNamespace(engine=eng, factory=make_session_factory(eng), backend=engine.dialect.name)
    eng.dispose()
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {LIVE_SCHEMA} CASCADE"))


@pytest.fixture
def db(live):
    """Overrides conftest's db: the factories write into the live database; tests commit.

    The test's own session begins plain (deferred) transactions: on SQLite, its reads between
    the requests must not take the write lock the requests under test compete for."""
    token = write_intent.set(False)
    session = live.factory()
    yield session
    session.close()
    write_intent.reset(token)


@pytest.fixture
def live_app(live, tmp_path):
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "ENGINE": live.engine, "SESSION_FACTORY": live.factory,
        "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(tmp_path / "instance"),
        "EXPORT_DIR": str(tmp_path / "exports"), "DATABASE_URL": str(live.engine.url),
    })


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def two_tabs(app, user):
    """Two clients in the same browser session (a sign-in ends the user's earlier sessions)."""
    first = signed_in(app, user)
    second = app.test_client()
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    second.set_cookie(cookie.key, cookie.value)
    return [first, second]


def at_once(*calls):
    """Run the calls in threads released together; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def count(db, stmt) -> int:
    db.rollback()  # see what the other sessions committed
    return db.scalar(stmt)


@pytest.fixture
def officer_world(db, make_member, make_category, make_product, make_round, make_user):
    member = make_member(sites=1)
    category = make_category()
    product = make_product(category=category)
    rnd = make_round(opened=True)
    officer = make_user("officer", member=member)
    db.commit()
    return SimpleNamespace(member=member, category=category, product=product, rnd=rnd, officer=officer,
                           site=member.delivery_sites[0])


# --- the first save of a member's demand ---------------------------------------------------------

def test_a_double_clicked_first_save_keeps_the_lines_once_and_the_second_click_sees_a_conflict(
        db, live_app, officer_world):
    w = officer_world
    clients = two_tabs(live_app, w.officer)
    url = f"/bedarf/{w.rnd.id}/warengruppen/{w.category.id}"
    data = {"version": "0", "save": "1", f"l-{w.product.id}-0-site": str(w.site.id),
            f"l-{w.product.id}-0-qty": "7,5"}

    responses = at_once(*(lambda c=c: c.post(url, data=data) for c in clients))

    assert sorted(r.status_code for r in responses) == [303, 409]
    conflict = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "inzwischen" in conflict and 'value="7,5"' in conflict  # the input is shown again, not lost
    submission_ids = select(Submission.id).where(Submission.round_id == w.rnd.id,
                                                 Submission.member_id == w.member.id)
    assert count(db, select(func.count()).select_from(submission_ids.subquery())) == 1
    assert count(db, select(func.count()).select_from(DemandLine)
                 .where(DemandLine.submission_id.in_(submission_ids))) == 1
    assert count(db, select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "submission.create", AuditEvent.member_id == w.member.id)) == 1


def test_two_first_uploads_at_once_both_succeed_with_the_lines_once(db, live_app, officer_world):
    from einkauf.demand.excel_service import build_demand_template

    from support import filled_template as filled

    w = officer_world
    data = filled(build_demand_template(db, w.rnd, w.member), {w.product.number: 4})
    db.rollback()
    clients = two_tabs(live_app, w.officer)
    url = f"/bedarf/{w.rnd.id}/hochladen"

    responses = at_once(*(lambda c=c: c.post(url, data={"file": (io.BytesIO(data), "b.xlsx")},
                                             content_type="multipart/form-data") for c in clients))

    assert [r.status_code for r in responses] == [302, 302]
    submission_ids = select(Submission.id).where(Submission.round_id == w.rnd.id,
                                                 Submission.member_id == w.member.id)
    assert count(db, select(func.count()).select_from(submission_ids.subquery())) == 1
    assert count(db, select(func.count()).select_from(DemandLine)
                 .where(DemandLine.submission_id.in_(submission_ids))) == 1
    assert db.scalar(select(DemandLine.quantity).where(DemandLine.submission_id.in_(submission_ids))) == 4


def test_leaving_a_category_twice_at_once_leaves_it_once(db, live_app, officer_world):
    w = officer_world
    clients = two_tabs(live_app, w.officer)
    url = f"/bedarf/{w.rnd.id}/warengruppen/{w.category.id}/teilnahme"

    responses = at_once(*(lambda c=c: c.post(url, data={"version": "0", "participates": "nein"}) for c in clients))

    assert all(r.status_code in (302, 303) for r in responses), [r.status_code for r in responses]
    assert count(db, select(func.count()).select_from(CategoryExclusion).join(Submission).where(
        Submission.round_id == w.rnd.id, Submission.member_id == w.member.id)) == 1


# --- user accounts -----------------------------------------------------------------------------

def test_two_identical_account_creations_at_once_make_one_account_and_a_form_error(db, live_app, make_user):
    admin = make_user("admin")
    db.commit()
    clients = two_tabs(live_app, admin)
    data = {"email": "doppelt@einkauf.example", "name": "Doppelt", "role": "coordinator",
            "password": "anfang-geheim-9"}

    responses = at_once(*(lambda c=c: c.post("/zugaenge/neu", data=data) for c in clients))

    assert sorted(r.status_code for r in responses) == [200, 302]
    page = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
    assert "Es gibt bereits einen Zugang für doppelt@einkauf.example" in page
    assert 'value="Doppelt"' in page  # the typed input is kept
    assert count(db, select(func.count()).select_from(User).where(User.email == "doppelt@einkauf.example")) == 1


# --- tenders -------------------------------------------------------------------------------------

def closed_round_with_lots(db, code, make_round, make_member, make_category, make_product):
    """A closed round with submitted demand and built lots, committed; the round's id."""
    from einkauf.rounds.models import Round

    rnd = make_round(closed=True)
    rnd.code = code  # straight into the table, as rounds created before the stem rule could be
    category = make_category()
    product = make_product(category=category, price="4.99")
    member = make_member(sites=1)
    submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("100"),
                      delivery_site_id=member.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    db.commit()
    assert isinstance(rnd, Round)
    return rnd.id


def freeze_in_own_session(live, round_id):
    with live.factory() as session:
        tender = freeze_tender(session, "koordination@example.org", round_id, publication_date=date(2027, 2, 1),
                               submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN), now=NOW)
        session.commit()
        return tender.reference


def test_freezing_two_rounds_whose_codes_give_the_same_stem_at_once_gives_two_numbers(
        db, live, make_round, make_member, make_category, make_product):
    first = closed_round_with_lots(db, "2042_b", make_round, make_member, make_category, make_product)
    second = closed_round_with_lots(db, "2042-B", make_round, make_member, make_category, make_product)

    results = at_once(lambda: freeze_in_own_session(live, first), lambda: freeze_in_own_session(live, second))

    assert sorted(results) == ["EK-2042-B-01", "EK-2042-B-02"], results


def test_freezing_the_same_round_twice_at_once_makes_one_tender(
        db, live, make_round, make_member, make_category, make_product):
    round_id = closed_round_with_lots(db, "2043", make_round, make_member, make_category, make_product)

    results = at_once(lambda: freeze_in_own_session(live, round_id), lambda: freeze_in_own_session(live, round_id))

    assert sorted(map(type, results), key=lambda t: t.__name__) == [InvalidState, str], results
    assert count(db, select(func.count()).select_from(Tender).where(Tender.round_id == round_id)) == 1


@pytest.fixture
def frozen_tender(db, live, make_round, make_member, make_category, make_product, make_user):
    round_id = closed_round_with_lots(db, f"T{time.monotonic_ns() % 10**8}", make_round, make_member,
                                      make_category, make_product)
    freeze_in_own_session(live, round_id)
    coordinator = make_user("coordinator")
    db.commit()
    return db.scalar(select(Tender).where(Tender.round_id == round_id)), coordinator


def test_generate_documents_double_clicked_makes_one_version(db, live_app, frozen_tender, tmp_path):
    tender, coordinator = frozen_tender
    clients = two_tabs(live_app, coordinator)
    page = clients[0].get(f"/vergaben/{tender.id}").get_data(as_text=True)
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="request_key"', page)
    assert key, "the documents form carries a request key"

    responses = at_once(*(lambda c=c: c.post(f"/vergaben/{tender.id}/dokumente",
                                             data={"request_key": key.group(1)}) for c in clients))

    assert [r.status_code for r in responses] == [303, 303]
    assert count(db, select(func.count()).select_from(Document).where(Document.tender_id == tender.id)) == 3
    files = sorted(p.name for p in (tmp_path / "exports" / tender.reference).iterdir())
    assert len(files) == 3 and all("_v1." in name for name in files)  # no temporary file is left
    for client in clients:  # both clicks end on the page with the one version
        assert "_v1." in client.get(f"/vergaben/{tender.id}").get_data(as_text=True)


def test_generate_documents_from_two_pages_at_once_makes_two_versions_one_after_the_other(
        db, live_app, frozen_tender, tmp_path):
    tender, coordinator = frozen_tender
    clients = two_tabs(live_app, coordinator)

    responses = at_once(*(lambda c=c: c.post(f"/vergaben/{tender.id}/dokumente", data={}) for c in clients))

    assert [r.status_code for r in responses] == [303, 303]
    db.rollback()
    versions = sorted(db.scalars(select(Document.version).where(Document.tender_id == tender.id)))
    assert versions == [1, 1, 1, 2, 2, 2]
    assert len(list((tmp_path / "exports" / tender.reference).iterdir())) == 6


# --- a long upload and a busy database -----------------------------------------------------------

def test_a_long_upload_does_not_make_a_concurrent_sign_in_fail(db, live_app, officer_world, make_user, monkeypatch):
    """The upload parses before its write transaction: a sign-in meanwhile gets the write lock."""
    from einkauf.demand import excel_reader
    from einkauf.demand.excel_service import build_demand_template

    from support import filled_template as filled

    w = officer_world
    coordinator = make_user("coordinator")
    db.commit()
    data = filled(build_demand_template(db, w.rnd, w.member), {w.product.number: 2})
    db.rollback()
    uploader = signed_in(live_app, w.officer)
    parsing = threading.Event()
    original = excel_reader.read_upload

    def slow_read(*args, **kwargs):  # a parse that takes longer than the busy timeout
        parsing.set()
        time.sleep(BUSY_TIMEOUT + 1.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(excel_reader, "read_upload", slow_read)

    def upload():
        return uploader.post(f"/bedarf/{w.rnd.id}/hochladen", data={"file": (io.BytesIO(data), "b.xlsx")},
                             content_type="multipart/form-data")

    def sign_in_meanwhile():
        assert parsing.wait(30)
        response = live_app.test_client().post("/anmelden", data={"email": coordinator.email,
                                                                  "password": PASSWORD})
        return response, parsing_done.is_set()

    parsing_done = threading.Event()

    def upload_and_note_the_end():
        response = upload()
        parsing_done.set()
        return response

    upload_response, (sign_in_response, upload_had_ended) = at_once(upload_and_note_the_end, sign_in_meanwhile)

    # Waiting for the upload's lock would have ended in 503 after BUSY_TIMEOUT, while the parse was still running.
    assert sign_in_response.status_code == 302
    assert not upload_had_ended
    assert upload_response.status_code == 302


def test_a_write_that_cannot_get_the_lock_in_time_gets_a_german_busy_page(db, live, live_app, make_user):
    """Another writer holds the lock longer than the busy timeout: 503 with Retry-After."""
    user = make_user("coordinator")
    db.commit()
    with live.engine.connect() as blocker:
        if live.backend == "sqlite":
            blocker.exec_driver_sql("UPDATE users SET name = name WHERE id = -1")  # BEGIN IMMEDIATE holds the lock
        else:
            blocker.exec_driver_sql("LOCK TABLE sign_in_failures IN EXCLUSIVE MODE")  # sign-in deletes there
        started = time.monotonic()
        response = live_app.test_client().post("/anmelden", data={"email": user.email, "password": PASSWORD})
        waited = time.monotonic() - started
        blocker.rollback()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Das System ist gerade ausgelastet" in response.get_data(as_text=True)
    assert waited < BUSY_TIMEOUT + 5
