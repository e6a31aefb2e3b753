"""No freeze on a stale estimate (issue 10, item 1), on SQLite and PostgreSQL.

A plan counts as stale when anything its lots were made of changed after the build: the
demand, the lot rules, the term, and the catalogue data (reference prices, categories, CPV
codes, units, texts, VAT rates, active flags). The plan page names what changed, freezing is
refused with that reason, and a frozen tender stays exactly as frozen whatever the catalogue
does later.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.berlin import BERLIN
from einkauf.catalogue.models import Unit
from einkauf.demand.models import DemandLine
from einkauf.errors import InvalidState, StaleVersion
from einkauf.lots.models import LotPosition
from einkauf.lots.planner import LotRules
from einkauf.lots.services import (
    NATIONAL_PROCEDURES,
    build_lots,
    current_plan_changes,
    get_plan,
    preview_lots,
    save_lot_rules,
)
from einkauf.lots.sources import LEGACY_PLAN
from einkauf.tenders.documents import tender_document_data
from einkauf.tenders.services import StalePlan, check_freeze, freeze_tender, tender_json

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
PUBLISH = date(2027, 2, 1)
DEADLINE = datetime.combine(PUBLISH + timedelta(days=35), datetime.min.time().replace(hour=12), BERLIN)


@pytest.fixture
def world(db, make_demand_round):
    """A closed round (24 + 24 months): 100 desks at 500 € = 200,000 € over the term (below the
    216,000 € threshold), 10 boxes of paper at 5 € and 10 toner cartridges at 40 €, toner left out."""
    built = make_demand_round(("50", "10", "10"), texts=("Schreibtisch", "Kopierpapier A4", "Toner schwarz"),
                              cpv_codes=("39130000-2", "30197630-1", None), cost_centre="K1", budget_account="S1")
    rnd, (furniture, paper, ink), (desk, a4, toner) = built.round, built.categories, built.products
    save_lot_rules(db, "test", rnd.id, LotRules(excluded_products={toner.id}), NATIONAL_PROCEDURES[0],
                   expected_version=0)
    build_lots(db, "test", rnd.id)
    return {"round": rnd, "submission": built.submission, "city": built.member, "desk": desk, "a4": a4,
            "toner": toner, "furniture": furniture, "paper": paper, "ink": ink}


def _freeze(db, rnd):
    return freeze_tender(db, "coordinator@example.org", rnd.id, publication_date=PUBLISH,
                         submission_deadline=DEADLINE, now=NOW)


def _changes(db, rnd):
    return current_plan_changes(db, get_plan(db, rnd.id))


def test_a_fresh_build_is_current(db, world):
    assert _changes(db, world["round"]) == []
    assert preview_lots(db, world["round"].id).unchanged


def test_a_raised_reference_price_that_crosses_the_threshold_is_not_frozen_as_national(db, world):
    rnd, desk = world["round"], world["desk"]
    assert get_plan(db, rnd.id).estimated_total == Decimal("100200.00")
    # 50 desks × 4 years: 100,000 € + paper 200 € → national; at 1,100 € a desk: 220,200 € → EU.
    desk.reference_price = Decimal("1100.00")
    db.flush()

    with pytest.raises(StalePlan) as refused:
        _freeze(db, rnd)
    message = refused.value.message
    assert "Referenzpreise geändert: M-1 (500,00 € → 1.100,00 €)" in message
    assert "neu bilden" in message and "\n" not in message
    assert isinstance(refused.value, InvalidState)
    with pytest.raises(StalePlan):
        check_freeze(db, rnd.id, publication_date=PUBLISH, submission_deadline=DEADLINE)

    build_lots(db, "test", rnd.id)
    tender = _freeze(db, rnd)
    assert tender.eu_wide and tender.procedure == "Offenes Verfahren (VgV)"
    assert tender.estimated_total == Decimal("220200.00")


def test_the_issue_example_200000_frozen_as_400000_goes_eu_wide(db, world):
    rnd, desk = world["round"], world["desk"]
    desk.reference_price = Decimal("1000.00")  # 200,000 € + 200 €
    db.flush()
    build_lots(db, "test", rnd.id)
    assert get_plan(db, rnd.id).estimated_total == Decimal("200200.00")
    desk.reference_price = Decimal("2000.00")  # the estimate is now 400,200 €
    db.flush()

    with pytest.raises(StalePlan, match=re.escape("Referenzpreise geändert: M-1 (1.000,00 € → 2.000,00 €)")):
        _freeze(db, rnd)

    build_lots(db, "test", rnd.id)
    tender = _freeze(db, rnd)
    assert tender.eu_wide and tender.estimated_total == Decimal("400200.00")


def test_a_product_moved_to_another_category_is_not_frozen_under_its_old_lot(db, world):
    rnd, desk, paper = world["round"], world["desk"], world["paper"]
    desk.category_id = paper.id
    db.flush()

    with pytest.raises(StalePlan, match="Artikel einer anderen Warengruppe zugeordnet: M-1 \\(Möbel → Papier\\)"):
        _freeze(db, rnd)

    build_lots(db, "test", rnd.id)
    tender = _freeze(db, rnd)
    [lot] = tender.plan.lots
    assert (lot.title, lot.cpv_code) == ("Papier", "30197630-1")
    assert sorted(p.product_number for p in lot.positions) == ["M-1", "P-1"]


def _rename_paper(w):
    w["paper"].name = "Kopierpapier"


def _paper_cpv(w):
    w["paper"].cpv_code = "39130000-2"


def _reorder(w):
    w["paper"].sort_order = 0


def _deactivate_category(w):
    w["furniture"].active = False


def _short_text(w):
    w["desk"].short_text = "Schreibtisch höhenverstellbar"


def _specification(w):
    w["a4"].specification = "80 g/m², weiß"


def _number(w):
    w["desk"].number = "M-100"


def _unit(w):
    w["desk"].unit_code = "C62"


def _vat(w):
    w["a4"].vat_rate = Decimal("7.00")


def _deactivate_product(w):
    w["desk"].active = False


def _demand(w):
    w["submission"].version += 1


def _term(w):
    w["round"].extension_months = 12


@pytest.mark.parametrize(("change", "reason"), [
    (_rename_paper, "Warengruppen umbenannt: „Papier“ → „Kopierpapier“"),
    (_paper_cpv, "CPV-Codes von Warengruppen geändert: „Papier“ (30197630-1 → 39130000-2)"),
    (_reorder, "Reihenfolge der Warengruppen geändert: „Papier“"),
    (_deactivate_category, "Warengruppen deaktiviert: „Möbel“"),
    (_short_text, "Artikelnummern, Kurztexte oder Beschreibungen geändert: M-1"),
    (_specification, "Artikelnummern, Kurztexte oder Beschreibungen geändert: P-1"),
    (_number, "Artikelnummern, Kurztexte oder Beschreibungen geändert: M-1 (jetzt M-100)"),
    (_unit, "Mengeneinheiten geändert: M-1 (Stück → Stück (C62))"),
    (_vat, "Umsatzsteuersätze geändert: P-1 (19,00 % → 7,00 %)"),
    (_deactivate_product, "Artikel deaktiviert: M-1"),
    (_demand, "Bedarfsmeldungen geändert"),
    (_term, "Laufzeit, Verlängerungsoptionen oder Höchstmengenpuffer der Bedarfsabfrage geändert"),
], ids=lambda value: value.__name__.strip("_") if callable(value) else None)
def test_every_change_of_what_feeds_the_lots_makes_the_plan_stale_and_is_named(db, world, make_unit, change,
                                                                                reason):
    make_unit("C62", "Stück (C62)")
    rnd = world["round"]
    stamp = preview_lots(db, rnd.id).stamp
    change(world)
    db.flush()

    assert _changes(db, rnd) == [reason]
    preview = preview_lots(db, rnd.id)
    assert preview.stale and preview.reasons == (reason,) and not preview.unchanged
    with pytest.raises(StalePlan) as refused:
        _freeze(db, rnd)
    assert refused.value.changes == [reason] and reason in refused.value.message
    # A build accepted from the preview shown before the change is refused, too.
    with pytest.raises(StaleVersion, match="Katalogdaten"):
        build_lots(db, "test", rnd.id, expected_stamp=stamp)

    build_lots(db, "test", rnd.id, expected_stamp=preview.stamp)
    assert _changes(db, rnd) == []
    assert _freeze(db, rnd).reference


def test_a_unit_label_change_in_the_unit_table_is_named(db, world):
    db.get(Unit, "H87").label = "Stk."
    db.flush()
    assert _changes(db, world["round"]) == ["Mengeneinheiten geändert: M-1 (Stück → Stk.), P-1 (Stück → Stk.)"]


def test_changed_lot_rules_are_named(db, world):
    rnd = world["round"]
    save_lot_rules(db, "test", rnd.id, LotRules(), NATIONAL_PROCEDURES[0], expected_version=1)
    assert _changes(db, rnd) == ["Losregeln geändert"]


def test_several_changes_are_all_named_and_long_lists_are_counted(db, world, make_product, make_member):
    rnd, paper, submission = world["round"], world["paper"], world["submission"]
    extra = [make_product(paper, number=f"P-{n}", price="1.00") for n in range(2, 9)]
    for product in extra:
        db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("1"),
                          delivery_site_id=world["city"].delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    for product in [world["a4"], *extra]:
        product.reference_price += 1
    world["desk"].category_id = paper.id
    submission.version += 1
    db.flush()

    changes = _changes(db, rnd)

    assert changes == [
        "Bedarfsmeldungen geändert",
        "Referenzpreise geändert: P-1 (5,00 € → 6,00 €), P-2 (1,00 € → 2,00 €), P-3 (1,00 € → 2,00 €), "
        "P-4 (1,00 € → 2,00 €), P-5 (1,00 € → 2,00 €) und 3 weitere",
        "Artikel einer anderen Warengruppe zugeordnet: M-1 (Möbel → Papier)",
    ]


def test_a_left_out_product_or_one_without_demand_does_not_make_the_plan_stale(db, world, make_product):
    rnd = world["round"]
    world["toner"].reference_price = Decimal("99.00")  # left out by the rules
    world["ink"].name = "Tinte und Toner"  # its category feeds no lot
    make_product(world["paper"], number="P-99", price="3.00")  # no demand
    db.flush()
    assert _changes(db, rnd) == []
    _freeze(db, rnd)


def test_member_regions_count_only_for_gebietslose(db, world):
    rnd, city = world["round"], world["city"]
    city.region = "Münsterland"
    db.flush()
    assert _changes(db, rnd) == []

    save_lot_rules(db, "test", rnd.id, LotRules(region_split={world["paper"].id},
                                                 excluded_products={world["toner"].id}),
                   NATIONAL_PROCEDURES[0], expected_version=1)
    build_lots(db, "test", rnd.id)
    city.region = "Ruhrgebiet"
    db.flush()
    assert _changes(db, rnd) == ["Regionen von Mitgliedern geändert (Gebietslose)"]


def test_a_plan_of_an_older_build_without_sources_counts_as_stale(db, world):
    rnd = world["round"]
    get_plan(db, rnd.id).sources = ""
    db.flush()
    assert _changes(db, rnd) == [LEGACY_PLAN]
    with pytest.raises(StalePlan, match="älteren Programmversion"):
        _freeze(db, rnd)
    build_lots(db, "test", rnd.id)
    assert _changes(db, rnd) == []


def test_a_refused_freeze_writes_nothing(db, world):
    from einkauf.audit.models import AuditEvent
    from einkauf.tenders.models import Tender

    world["desk"].reference_price = Decimal("2000.00")
    db.flush()
    events = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    with pytest.raises(StalePlan):
        _freeze(db, world["round"])
    assert db.scalar(select(Tender.id)) is None
    assert db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == events


def test_later_catalogue_edits_leave_the_frozen_tender_untouched(db, world, make_unit):
    rnd, desk, paper, furniture = world["round"], world["desk"], world["paper"], world["furniture"]
    tender = _freeze(db, rnd)
    plan_id = tender.plan_id
    positions = db.execute(select(LotPosition.product_number, LotPosition.short_text, LotPosition.unit_label,
                                  LotPosition.reference_price, LotPosition.vat_rate, LotPosition.category_id,
                                  LotPosition.cpv_code, LotPosition.estimated_value)
                           .where(LotPosition.plan_id == plan_id).order_by(LotPosition.id)).all()
    lots = [(lot.number, lot.title, lot.cpv_code, lot.estimated_value) for lot in tender.plan.lots]
    as_json = tender_json(tender)
    document = tender_document_data(db, tender, cooperative_name="Einkaufskooperation")

    make_unit("C62", "Einzelstück")
    desk.reference_price, desk.short_text, desk.category_id, desk.unit_code = (
        Decimal("9999.00"), "Anderer Text", paper.id, "C62")
    world["a4"].vat_rate = Decimal("7.00")
    furniture.name, furniture.cpv_code = "Büromöbel alt", "30197630-1"
    paper.name = "Papier neu"
    db.flush()
    db.expire_all()

    tender = db.get(type(tender), tender.id)
    assert db.execute(select(LotPosition.product_number, LotPosition.short_text, LotPosition.unit_label,
                             LotPosition.reference_price, LotPosition.vat_rate, LotPosition.category_id,
                             LotPosition.cpv_code, LotPosition.estimated_value)
                      .where(LotPosition.plan_id == plan_id).order_by(LotPosition.id)).all() == positions
    assert [(lot.number, lot.title, lot.cpv_code, lot.estimated_value) for lot in tender.plan.lots] == lots
    assert tender_json(tender) == as_json
    assert tender_document_data(db, tender, cooperative_name="Einkaufskooperation") == document
