"""A refused request leaves no trace (issue 12, part 1): over every POST route of the app, a
request that is refused — an invalid form or a service's domain error, sent by a user of a role
that may use the route — changes no row of any table and writes no audit event, whatever status
code it is answered with (a re-rendered form is a 200, a refused button a 303)."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import einkauf.models  # noqa: F401 - every table in Base.metadata
from einkauf.app import create_app
from einkauf.audit.models import AuditEvent
from einkauf.berlin import BERLIN
from einkauf.db import Base
from einkauf.lots.services import build_lots
from einkauf.tenders.services import freeze_tender

from calloffs_support import refusal_framework
from support import csrf_token_from


@dataclass
class World:
    coordinator: Any
    admin: Any
    officer: Any
    city: Any
    category: Any
    product: Any
    draft: Any
    open: Any
    closed: Any
    tender: Any
    threshold_id: int
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(db, make_user, make_member, make_category, make_product, make_round, add_submission, fixed_clock):
    from einkauf.thresholds.models import EuThreshold

    city = make_member(name="Essen")
    category = make_category(name="Papier")
    product = make_product(category, number="P-1", price="4.99")
    draft = make_round()
    open_round = make_round(opened=True, deadline=datetime.now(UTC) + timedelta(days=20))
    closed = make_round(closed=True)
    add_submission(closed, city, [(product, "100")])
    build_lots(db, "test", closed.id)
    tender = freeze_tender(db, "k", closed.id, publication_date=date(2027, 2, 1),
                           submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN),
                           now=datetime(2026, 12, 1, tzinfo=UTC))
    # The threshold in force on the tender's publication date: in use, so it cannot be deleted.
    threshold = db.scalars(select(EuThreshold).where(EuThreshold.valid_from <= date(2027, 2, 1),
                                                     EuThreshold.valid_to >= date(2027, 2, 1))).first()
    from decimal import Decimal

    from einkauf.bids.services import create_bidder, record_bid, save_lot_prices, tender_lots

    bidder = create_bidder(db, "k", name="Bürowelt GmbH")
    bid = record_bid(db, "k", tender.id, bidder.id, received_at=datetime(2026, 11, 30, 9, tzinfo=UTC))
    first = tender_lots(db, tender)[0]
    save_lot_prices(db, "k", tender.id, bid.id, first.tender_lot_id,
                    {first.positions[0].position_id: (Decimal("4.5"), "")}, expected_version=bid.version)
    db.refresh(bid)
    framework, framework_cities = refusal_framework(db, make_user)
    return World(coordinator=make_user("coordinator"), admin=make_user("admin"),
                 officer=make_user("officer", member=city), city=city, category=category, product=product,
                 draft=draft, open=open_round, closed=closed, tender=tender, threshold_id=threshold.id,
                 extra={"bid": bid, "framework": framework, "framework_cities": framework_cities})


@dataclass(frozen=True)
class Case:
    role: str
    url: Callable[[World], str]
    data: Callable[[World], dict] = lambda w: {}
    csrf_enabled: bool = False  # refused by a missing CSRF token (routes without a form of their own)
    note: str = ""


def _upload(w: World) -> dict:
    return {"file": (io.BytesIO(b"kein Arbeitsblatt"), "bedarf.xlsx")}


# endpoint -> a refusing request by a user who may use the route. A new POST route must be added here.
CASES: dict[str, Case] = {
    "auth.sign_in": Case("anonymous", lambda w: "/anmelden", lambda w: {"email": "", "password": ""},
                         note="invalid form (a wrong password is recorded on purpose: throttling)"),
    "auth.sign_out": Case("coordinator", lambda w: "/abmelden", csrf_enabled=True),
    "auth.change_password": Case("coordinator", lambda w: "/konto/passwort", lambda w: {
        "current_password": "falsch-falsch-1", "new_password": "ganz-neu-geheim-7", "confirm": "ganz-neu-geheim-7"},
        note="InvalidField current_password"),
    "auth.session_end": Case("coordinator", lambda w: "/konto/sitzungen/1/beenden", csrf_enabled=True),
    "auth.user_new": Case("admin", lambda w: "/zugaenge/neu", lambda w: {
        "email": w.coordinator.email, "role": "coordinator", "password": "anfang-geheim-9",
        "confirm": "anfang-geheim-9", "name": "Doppelt"}, note="duplicate e-mail"),
    "auth.user_edit": Case("admin", lambda w: f"/zugaenge/{w.coordinator.id}", lambda w: {
        "name": "Neu", "role": "coordinator", "member_ags": "", "active": "y", "version": "999"},
        note="stale version"),
    "auth.user_password": Case("admin", lambda w: f"/zugaenge/{w.coordinator.id}/passwort",
                               lambda w: {"new_password": "kurz", "confirm": "kurz"}),
    "catalogue.category_new": Case("coordinator", lambda w: "/warengruppen/neu", lambda w: {
        "name": "Papier", "cpv_code": "30192000-1", "sort_order": "5"}, note="duplicate name"),
    "catalogue.category_edit": Case("coordinator", lambda w: f"/warengruppen/{w.category.id}", lambda w: {
        "name": "Umbenannt", "cpv_code": "30192000-1", "sort_order": "5", "version": "999"}, note="stale version"),
    "catalogue.product_new": Case("coordinator", lambda w: "/artikel/neu", lambda w: {
        "category_id": str(w.category.id), "number": "P-1", "short_text": "Doppelt", "unit_code": "H87",
        "reference_price": "1,00", "vat_rate": "19"}, note="duplicate number"),
    "catalogue.product_edit": Case("coordinator", lambda w: f"/artikel/{w.product.id}", lambda w: {
        "category_id": str(w.category.id), "number": "P-1", "short_text": "Neu", "unit_code": "H87",
        "reference_price": "2,00", "vat_rate": "19", "version": "999"}, note="stale version"),
    "rounds.member_new": Case("coordinator", lambda w: "/mitglieder/neu",
                              lambda w: {"ags": w.city.ags, "name": "Doppelt", "region": ""}, note="duplicate AGS"),
    "rounds.member_edit": Case("coordinator", lambda w: f"/mitglieder/{w.city.id}", lambda w: {
        "ags": w.city.ags, "name": "Neu", "region": "", "active": "y", "version": "999"}, note="stale version"),
    "rounds.site_new": Case("coordinator", lambda w: f"/mitglieder/{w.city.id}/lieferstellen/neu",
                            lambda w: {"name": ""}),
    "rounds.site_edit": Case("coordinator",
                             lambda w: f"/mitglieder/{w.city.id}/lieferstellen/{w.city.delivery_sites[0].id}",
                             lambda w: {"name": ""}),
    "rounds.round_new": Case("coordinator", lambda w: "/runden/neu", lambda w: {
        "code": w.draft.code, "title": "Doppelt", "opens_on": "01.01.2027", "deadline_date": "01.03.2027",
        "deadline_time": "12:00", "contract_term_months": "24", "extension_months": "0",
        "max_quantity_buffer_pct": "20", "value_basis": "maximum"}, note="duplicate code"),
    "rounds.round_edit": Case("coordinator", lambda w: f"/runden/{w.draft.id}/bearbeiten", lambda w: {
        "code": w.draft.code, "title": "Neu", "opens_on": "01.01.2027", "deadline_date": "01.03.2027",
        "deadline_time": "12:00", "contract_term_months": "24", "extension_months": "0",
        "max_quantity_buffer_pct": "20", "value_basis": "maximum", "version": "999"}, note="stale version"),
    "rounds.round_value_basis": Case("coordinator", lambda w: f"/runden/{w.draft.id}/massgeblicher-wert",
                                     lambda w: {"value_basis": "estimate", "version": "999"}, note="stale version"),
    "rounds.round_open": Case("coordinator", lambda w: f"/runden/{w.open.id}/oeffnen", note="already open"),
    "coordination.round_close": Case("coordinator", lambda w: f"/runden/{w.draft.id}/schliessen", note="not open"),
    "rounds.round_extend": Case("coordinator", lambda w: f"/runden/{w.open.id}/frist-verlaengern", lambda w: {
        "deadline_date": "01.01.2020", "deadline_time": "12:00", "version": str(w.open.version)},
        note="a deadline in the past"),
    "coordination.submission_reopen": Case("coordinator",
                                     lambda w: f"/runden/{w.open.id}/mitglieder/{w.city.id}/wieder-oeffnen",
                                     lambda w: {"reason": "", "until_date": "", "until_time": ""}),
    "demand.category": Case("officer", lambda w: f"/bedarf/{w.open.id}/warengruppen/{w.category.id}",
                            lambda w: {"version": "999"}, note="stale version"),
    "demand.participation": Case("officer", lambda w: f"/bedarf/{w.open.id}/warengruppen/{w.category.id}/teilnahme",
                                 lambda w: {"participates": "nein", "version": "999"}, note="stale version"),
    "demand.copy_previous": Case("officer", lambda w: f"/bedarf/{w.open.id}/uebernehmen",
                                 lambda w: {"version": "5"}, note="stale version"),
    "demand.submit": Case("officer", lambda w: f"/bedarf/{w.open.id}/abgeben", lambda w: {"version": "5"},
                          note="stale version"),
    "demand.withdraw": Case("officer", lambda w: f"/bedarf/{w.open.id}/zurueckziehen", lambda w: {"version": "0"},
                            note="not submitted"),
    "demand_excel.upload": Case("officer", lambda w: f"/bedarf/{w.open.id}/hochladen", _upload,
                                note="not a workbook"),
    "lots.rules": Case("coordinator", lambda w: f"/runden/{w.closed.id}/lose/regeln", lambda w: {
        "excluded": "", "split_value": "", "national_procedure": "", "version": "999"}),
    "lots.build": Case("coordinator", lambda w: f"/runden/{w.closed.id}/lose/bilden",
                       lambda w: {"stamp": "0" * 64}, note="stale preview; a frozen plan"),
    "tenders.tender_new": Case("coordinator", lambda w: f"/runden/{w.closed.id}/vergabe/neu", lambda w: {
        "title": "Zweites Verfahren", "publication_date": "01.02.2027", "deadline_date": "10.03.2027",
        "deadline_time": "12:00", "award_criteria": "Preis 100", "acknowledge": "y"},
        note="the plan is frozen already"),
    "tenders.tender_cancel": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/aufheben",
                                  lambda w: {"reason": "Der Bedarf ist entfallen.", "version": "999"},
                                  note="stale version"),
    "tenders.tender_texts": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/texte", lambda w: {
        "invitation_text": "Neu", "conditions_text": "Neu", "version": "999"}, note="stale version"),
    "tenders.documents_generate": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/dokumente",
                                       lambda w: {"request_key": "x" * 500}),
    "thresholds.threshold_add": Case("admin", lambda w: "/schwellenwerte", lambda w: {
        "kind": "supplies_services_subcentral", "amount": "216000,00", "valid_from": "01.01.2026",
        "valid_to": "31.12.2027", "source": "doppelt"}, note="overlapping period"),
    "thresholds.threshold_delete": Case("admin", lambda w: f"/schwellenwerte/{w.threshold_id}/loeschen",
                                        note="a threshold in use by a tender"),
    "home.set_language": Case("coordinator", lambda w: "/sprache", lambda w: {"lang": "xx"}),
    "bids.bidders": Case("coordinator", lambda w: "/bieter", lambda w: {"name": "", "vat_id": "XX"}),
    "bids.upload": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/angebote/hochladen",
                        lambda w: {"bidder": str(w.extra["bid"].bidder_id),
                                   "file": (io.BytesIO(b"kein Arbeitsblatt"), "preise.xlsx")},
                        note="not a workbook"),
    "bids.receipt": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/angebote/eingang",
                         lambda w: {"bidder": "", "received_date": "31.02.2027"}),
    "bids.check": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/angebote/{w.extra['bid'].id}/pruefung/"
                                                f"{w.extra['bid'].lots[0].id}",
                       lambda w: {"decision": "admitted", "version": "1"}, note="checks only after the opening"),
    "bids.bid_lot": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/angebote/{w.extra['bid'].id}/lose/"
                                                  f"{w.tender.lots[0].id}",
                         lambda w: {"version": "kaputt"}, note="malformed version"),
    "bids.award": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/preisspiegel/los/1/entscheidung",
                       lambda w: {"decision": "award", "bid": str(w.extra["bid"].id)}, note="before the opening"),
    "bids.inform": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/zuschlag/information",
                        lambda w: {"sent_on": "12.03.2027", "channel": "electronic"}, note="before the opening"),
    "bids.contract": Case("coordinator",
                          lambda w: f"/vergaben/{w.tender.id}/zuschlag/los/{w.tender.lots[0].id}/vertrag",
                          lambda w: {f"lot{w.tender.lots[0].id}-contract_date": "12.03.2027"},
                          note="no decision on the lot"),

    "contracts.letters_generate": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/zuschlag/mitteilungen",
                                       note="no lot decided yet"),
    "bids.record_regenerate": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/preisspiegel/vergabevermerk",
                                   note="before the opening"),

    "bids.quality": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/preisspiegel/los/1/qualitaet",
                         lambda w: {f"q-{w.extra['bid'].id}-0": "50"}, note="before the opening"),
    "bids.draw": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/preisspiegel/los/1/losentscheid",
                      lambda w: {"tie": "0", "draw-note": "Gezogen von A, Zeugin B."}, note="before the opening"),
    "calloffs.framework_create": Case("coordinator", lambda w: f"/rahmenvertraege/anlegen/{w.tender.id}",
                                      note="no awarded lot"),
    "calloffs.option_decide": Case("coordinator",
                                   lambda w: f"/rahmenvertraege/{w.extra['framework'].id}/optionen/2",
                                   lambda w: {"option2-exercised": "ja", "option2-decided_on": "01.02.2029",
                                              "option2-version": "1"}, note="option 1 first"),
    "calloffs.customer_number": Case("coordinator",
                                     lambda w: f"/rahmenvertraege/{w.extra['framework'].id}/kundennummern",
                                     lambda w: {"customer_number": w.extra["framework_cities"]["Bochum"].ags,
                                                "member_ags": w.extra["framework_cities"]["Essen"].ags},
                                     note="another member's AGS as customer number"),
    "calloffs.report_upload": Case("coordinator",
                                   lambda w: f"/rahmenvertraege/{w.extra['framework'].id}/umsatzmeldung",
                                   lambda w: {"period": "2027-06",
                                              "file": (io.BytesIO(b"Mitglied;Artikelnummer;Menge;Nettobetrag\r\n"
                                                                  b"99999999;P-1;1;1,00\r\n"), "juni.csv")},
                                   note="unknown member"),
    "bids.opening": Case("coordinator", lambda w: f"/vergaben/{w.tender.id}/angebote/oeffnung",
                         lambda w: {"second_email": "", "second_password": ""}, note="before the deadline"),
}


# Texts a refused form must never show: WTForms' English defaults and the repr of nested errors.
PROGRAM_OR_ENGLISH = ("This field is required", "Not a valid", "Invalid choice", "Field must be", "Invalid input",
                      "Invalid value", "CSRF token", "{&#39;", "[&#39;", "[l&#39;", "{'", "['", "Traceback")


def _post_endpoints() -> set[str]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def test_every_post_route_has_a_refusal_case():
    endpoints = _post_endpoints()
    assert endpoints - CASES.keys() == set(), "POST routes without a refusal case in CASES"
    assert CASES.keys() - endpoints == set(), "cases for routes that no longer exist"


def _dump(db) -> dict[str, list]:
    """Every row of every table (sorted), to compare before and after a request."""
    db.expire_all()
    return {table.name: sorted((tuple(row) for row in db.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables}


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_refused_request_changes_no_row_and_writes_no_audit_event(endpoint, app_config, db, world, caplog):
    case = CASES[endpoint]
    app = create_app({**app_config, "WTF_CSRF_ENABLED": case.csrf_enabled})
    client = app.test_client()
    if case.role != "anonymous":
        user = {"coordinator": world.coordinator, "admin": world.admin, "officer": world.officer}[case.role]
        page = client.get("/anmelden").get_data(as_text=True)
        form = {"email": user.email, "password": "richtig-geheim-1"}
        if case.csrf_enabled:
            form["csrf_token"] = csrf_token_from(page)
        assert client.post("/anmelden", data=form).status_code == 302
    before, events = _dump(db), _events(db)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="einkauf"):
        response = client.post(case.url(world), data=case.data(world))

    assert [r.getMessage() for r in caplog.records if r.name == "einkauf.audit"] == [], "refused action logged"
    # Refused for the reason of the case, not for a missing right or a missing record.
    assert response.status_code not in (401, 403, 404, 405, 500), (endpoint, response.status_code)
    if response.status_code in (301, 302, 303):
        assert "/anmelden" not in response.headers["Location"], "not signed in"
    assert _events(db) == events, f"{endpoint}: a refused request wrote an audit event"
    after = _dump(db)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == set(), f"{endpoint} ({case.note or 'invalid form'}): rows changed in {sorted(changed)}"
    # The all-forms error walk (issue 16 part 4): what the user is shown says why in German —
    # no English defaults of the form library, no dict or list of a program.
    shown = response
    if response.status_code in (301, 302, 303):
        shown = client.get(response.headers["Location"])
    if shown.mimetype == "text/html":
        page = shown.get_data(as_text=True)
        found = [marker for marker in PROGRAM_OR_ENGLISH if marker in page]
        assert found == [], f"{endpoint}: {found}"


def test_a_refused_sign_in_records_only_the_failure_that_throttling_counts(client, db, world):
    from einkauf.auth.models import SignInFailure

    before, events = _dump(db), _events(db)
    response = client.post("/anmelden", data={"email": world.coordinator.email, "password": "falsch-falsch-1"})
    assert response.status_code == 200
    after = _dump(db)
    assert {name for name in before if before[name] != after[name]} == {SignInFailure.__tablename__}
    assert _events(db) == events


def test_a_service_that_wrote_before_it_refused_leaves_nothing(app_config, db, world, caplog):
    """The rule holds for writes made before the refusal: a probe view adds an audit event,
    then a service refuses; the view re-renders with 200 and still nothing is stored."""
    from einkauf.audit.services import record_event
    from einkauf.errors import InvalidState
    from einkauf.web import get_db, refuse

    app = create_app(app_config)

    def probe():
        record_event(get_db(), "probe", "probe.write", "round", world.open.id, summary="vor der Ablehnung")
        try:
            raise InvalidState("Abgelehnt.")
        except InvalidState as exc:
            return refuse(exc) or "", 200

    app.add_url_rule("/probe", "probe", probe, methods=["POST"])
    events = _events(db)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="einkauf"):
        response = app.test_client().post("/probe")
    assert response.status_code == 200 and response.get_data(as_text=True) == "Abgelehnt."
    assert _events(db) == events
    assert [r for r in caplog.records if r.name == "einkauf.audit"] == []  # nor a line in the log


def test_an_accepted_action_is_logged_once_it_is_committed(client, as_role, world, caplog):
    as_role("coordinator")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="einkauf"):
        response = client.post(f"/runden/{world.draft.id}/massgeblicher-wert",
                               data={"value_basis": "estimate", "version": str(world.draft.version)})
    assert response.status_code == 303
    logged = [r.getMessage() for r in caplog.records if r.name == "einkauf.audit"]
    assert len(logged) == 1 and "round.update" in logged[0]


def test_no_view_rolls_back_by_hand():
    """The rule lives in one place (einkauf.web.refuse and the finish hook of einkauf.app)."""
    from pathlib import Path

    import einkauf

    package = Path(einkauf.__file__).parent
    views = [*package.glob("*/views.py"), *package.glob("*/*_views.py"), package / "home.py"]
    assert len(views) >= 10
    offenders = [str(path.relative_to(package)) for path in views if ".rollback()" in path.read_text(encoding="utf-8")]
    assert offenders == []
