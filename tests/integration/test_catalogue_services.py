"""Catalogue services on SQLite and PostgreSQL: categories, products, CPV and unit imports."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from einkauf.audit.models import AuditEvent
from einkauf.catalogue import services
from einkauf.catalogue.codes import read_cpv_csv, read_rec20_csv
from einkauf.catalogue.models import Category, CpvCode, Product, Unit
from einkauf.catalogue.seed import CURATED_CPV, CURATED_UNITS
from einkauf.errors import NotFound, StaleVersion, UnknownCpvCode, ValidationFailed

from support import reference_file


def reference(name: str):
    return reference_file(name)


def events(db, entity_type, entity_id=None):
    stmt = select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.id)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
    return list(db.scalars(stmt))


@pytest.fixture
def office_cpv(cpv):
    return cpv("30192000-1", "Bürobedarf")


# --- CPV lookup ------------------------------------------------------------------------------

def test_a_cpv_code_is_found_with_surrounding_whitespace(db, office_cpv):
    assert services.resolve_cpv_code(db, "  30192000-1 \t").code == "30192000-1"


def test_a_cpv_code_without_check_digit_resolves_to_the_one_listed_code(db, office_cpv):
    assert services.resolve_cpv_code(db, "30192000").code == "30192000-1"


def test_a_code_that_is_not_in_the_official_list_is_unknown(db, office_cpv):
    # 99999999-9 appears in some English lists but is no valid CPV code.
    with pytest.raises(UnknownCpvCode) as caught:
        services.resolve_cpv_code(db, "99999999-9")
    assert "99999999-9" in caught.value.message
    assert "gibt es im CPV-Verzeichnis nicht" in caught.value.message


def test_a_wrong_check_digit_is_unknown_even_if_the_digits_exist(db, office_cpv):
    with pytest.raises(UnknownCpvCode, match="30192000-2"):
        services.resolve_cpv_code(db, "30192000-2")


def test_eight_digits_that_match_no_code_are_unknown(db, office_cpv):
    with pytest.raises(UnknownCpvCode, match="99999999"):
        services.resolve_cpv_code(db, "99999999")


def test_malformed_input_is_named_in_the_message(db):
    with pytest.raises(UnknownCpvCode, match="„Bürobedarf“ ist kein CPV-Code"):
        services.resolve_cpv_code(db, "Bürobedarf")


# --- categories ------------------------------------------------------------------------------

def test_creating_a_category_stores_it_and_writes_an_audit_event(db, coordinator, office_cpv):
    category = services.create_category(db, coordinator, name=" Bürobedarf ", cpv_code="30192000",
                                        sort_order=3, description="Kernsortiment")
    db.flush()
    stored = db.get(Category, category.id)
    assert (stored.name, stored.cpv_code, stored.sort_order, stored.version) == ("Bürobedarf", "30192000-1", 3, 1)
    [event] = events(db, "category", category.id)
    assert event.action == "category.create"
    assert event.actor_id == coordinator.id
    assert event.before is None
    assert event.after == {"name": "Bürobedarf", "cpv_code": "30192000-1", "sort_order": 3,
                           "description": "Kernsortiment", "active": True}


def test_a_category_with_an_unknown_cpv_code_is_refused(db, coordinator, office_cpv):
    with pytest.raises(UnknownCpvCode) as caught:
        services.create_category(db, coordinator, name="Fantasie", cpv_code="99999999-9")
    assert caught.value.field == "cpv_code"
    assert db.scalar(select(func.count()).select_from(Category).where(Category.name == "Fantasie")) == 0
    assert events(db, "category") == []


def test_a_category_name_can_be_used_only_once_regardless_of_case(db, coordinator, office_cpv):
    services.create_category(db, coordinator, name="Bürobedarf", cpv_code="30192000-1")
    with pytest.raises(ValidationFailed) as caught:
        services.create_category(db, coordinator, name="BÜROBEDARF", cpv_code="30192000-1")
    assert caught.value.message.startswith("Eine Warengruppe „Bürobedarf“ gibt es bereits")
    assert caught.value.field == "name"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Büro\x00bedarf"}, "name"),
    ({"sort_order": -1}, "sort_order"),
    ({"sort_order": 10**12}, "sort_order"),
    ({"sort_order": Decimal("1.5")}, "sort_order"),
    ({"sort_order": "3"}, "sort_order"),
    ({"description": "x" * 5001}, "description"),
])
def test_invalid_category_values_are_refused_with_a_german_message(db, coordinator, office_cpv, kwargs, field):
    values = {"name": "Papier", "cpv_code": "30192000-1", "sort_order": 1, **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        services.create_category(db, coordinator, **values)
    assert caught.value.field == field
    assert caught.value.message[0].isupper()


def test_updating_a_category_increments_the_version_and_logs_only_what_changed(db, coordinator, office_cpv, cpv):
    cpv("30197630-1", "Druckpapier")
    category = services.create_category(db, coordinator, name="Papier", cpv_code="30192000-1", sort_order=2)
    services.update_category(db, coordinator, category.id, version=1, name="Druckpapier", cpv_code="30197630-1",
                             sort_order=2, description="", active=True)
    db.flush()
    db.expire_all()
    stored = db.get(Category, category.id)
    assert (stored.name, stored.cpv_code, stored.version) == ("Druckpapier", "30197630-1", 2)
    update_event = events(db, "category", category.id)[-1]
    assert update_event.action == "category.update"
    assert update_event.before == {"name": "Papier", "cpv_code": "30192000-1"}
    assert update_event.after == {"name": "Druckpapier", "cpv_code": "30197630-1"}


def test_saving_an_unchanged_category_keeps_its_version_and_logs_nothing(db, coordinator, office_cpv):
    category = services.create_category(db, coordinator, name="Papier", cpv_code="30192000-1", sort_order=2)
    services.update_category(db, coordinator, category.id, version=1, name="Papier", cpv_code="30192000-1",
                             sort_order=2, description="", active=True)
    assert category.version == 1
    assert [e.action for e in events(db, "category", category.id)] == ["category.create"]


def test_a_category_saved_from_a_stale_version_is_refused_and_unchanged(db, coordinator, office_cpv):
    category = services.create_category(db, coordinator, name="Papier", cpv_code="30192000-1")
    services.update_category(db, coordinator, category.id, version=1, name="Papier A4", cpv_code="30192000-1",
                             sort_order=0)
    with pytest.raises(StaleVersion) as caught:
        services.update_category(db, coordinator, category.id, version=1, name="Papier A3",
                                 cpv_code="30192000-1", sort_order=0)
    assert "inzwischen" in caught.value.message
    db.expire_all()
    assert db.get(Category, category.id).name == "Papier A4"
    assert len(events(db, "category", category.id)) == 2


def test_a_change_between_reading_and_writing_is_caught_by_the_versioned_update(db, coordinator, office_cpv):
    category = services.create_category(db, coordinator, name="Papier", cpv_code="30192000-1")
    db.flush()
    # Another transaction saves after this one read version 1 (identity map still says 1).
    db.execute(update(Category).where(Category.id == category.id).values(version=2, name="Fremd")
               .execution_options(synchronize_session=False))
    assert category.version == 1
    with pytest.raises(StaleVersion):
        services.update_category(db, coordinator, category.id, version=1, name="Meins", cpv_code="30192000-1",
                                 sort_order=0)
    assert (category.name, category.version) == ("Fremd", 2)


def test_renaming_a_category_to_a_taken_name_is_refused(db, coordinator, office_cpv):
    services.create_category(db, coordinator, name="Papier", cpv_code="30192000-1")
    other = services.create_category(db, coordinator, name="Toner", cpv_code="30192000-1")
    with pytest.raises(ValidationFailed, match="gibt es bereits"):
        services.update_category(db, coordinator, other.id, version=1, name="papier", cpv_code="30192000-1",
                                 sort_order=0)


def test_updating_a_missing_category_is_not_found(db, coordinator):
    with pytest.raises(NotFound):
        services.update_category(db, coordinator, 987654, version=1, name="x", cpv_code="30192000-1", sort_order=0)


def test_categories_are_listed_by_sort_order_and_found_by_name_or_cpv(db, make_category, cpv):
    cpv("39830000-9", "Reinigungsmittel")
    b = make_category(name="Zz Reinigung", cpv_code="39830000-9", sort_order=1)
    a = make_category(name="Aa Papier", sort_order=2)
    listed = [c.id for c in db.scalars(services.category_query()) if c.id in (a.id, b.id)]
    assert listed == [b.id, a.id]
    assert [c.id for c in db.scalars(services.category_query("39830"))] == [b.id]
    assert [c.id for c in db.scalars(services.category_query("aa pap"))] == [a.id]


def test_product_counts_are_given_per_category(db, make_category, make_product):
    full, empty = make_category(), make_category()
    make_product(category=full)
    make_product(category=full)
    assert services.product_counts(db, [full.id, empty.id]) == {full.id: 2}


# --- products --------------------------------------------------------------------------------

@pytest.fixture
def category(make_category):
    return make_category(name="Büromaterial")


@pytest.fixture
def piece(make_unit):
    return make_unit("H87", "Stück")


def new_product(db, actor, category, **overrides):
    values = {"category_id": category.id, "number": "BM-0001", "short_text": "Kugelschreiber, blau",
              "unit_code": "H87", "reference_price": Decimal("1234.56"), "vat_rate": Decimal("19"),
              "specification": "Mine austauschbar\nSchreibfarbe blau"}
    values.update(overrides)
    return services.create_product(db, actor, **values)


def test_creating_a_product_stores_exact_amounts_and_writes_an_audit_event(db, coordinator, category, piece):
    product = new_product(db, coordinator, category)
    db.flush()
    db.expire_all()
    stored = db.get(Product, product.id)
    assert stored.reference_price == Decimal("1234.56")
    assert stored.vat_rate == Decimal("19.00")
    assert stored.specification == "Mine austauschbar\nSchreibfarbe blau"
    [event] = events(db, "product", product.id)
    assert event.action == "product.create"
    assert event.after["reference_price"] == "1234.56"
    assert event.after["number"] == "BM-0001"


def test_a_price_with_more_than_two_places_is_rounded_half_up_to_cents(db, coordinator, category, piece):
    product = new_product(db, coordinator, category, reference_price=Decimal("0.125"))
    assert product.reference_price == Decimal("0.13")


def test_a_product_number_can_be_used_only_once(db, coordinator, category, piece):
    new_product(db, coordinator, category)
    with pytest.raises(ValidationFailed) as caught:
        new_product(db, coordinator, category, number="bm-0001")
    assert caught.value.field == "number"
    assert "bereits vergeben" in caught.value.message


@pytest.mark.parametrize(("overrides", "field"), [
    ({"number": ""}, "number"),
    ({"number": "X" * 31}, "number"),
    ({"number": "=HYPERLINK(1)"}, "number"),
    ({"number": "-1"}, "number"),
    ({"short_text": ""}, "short_text"),
    ({"short_text": "x" * 201}, "short_text"),
    ({"short_text": "Stift\x1b[31m"}, "short_text"),
    ({"specification": "x" * 5001}, "specification"),
    ({"reference_price": Decimal("-0.01")}, "reference_price"),
    ({"reference_price": Decimal("1000000.01")}, "reference_price"),
    ({"reference_price": Decimal("NaN")}, "reference_price"),
    ({"reference_price": Decimal("sNaN")}, "reference_price"),
    ({"reference_price": Decimal("Infinity")}, "reference_price"),
    ({"reference_price": 1.5}, "reference_price"),
    ({"reference_price": Decimal("1E+20")}, "reference_price"),
    ({"vat_rate": Decimal("100.01")}, "vat_rate"),
    ({"unit_code": "XXX"}, "unit_code"),
    ({"category_id": 987654}, "category_id"),
    ({"category_id": "1"}, "category_id"),
])
def test_invalid_product_values_are_refused_with_a_german_message(db, coordinator, category, piece, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        new_product(db, coordinator, category, **overrides)
    assert caught.value.field == field
    assert db.scalar(select(func.count()).select_from(Product).where(Product.category_id == category.id)) == 0


def test_updating_a_product_logs_before_and_after(db, coordinator, category, piece, make_unit):
    make_unit("XPK", "Packung")
    product = new_product(db, coordinator, category)
    services.update_product(db, coordinator, product.id, version=1, category_id=category.id, number="BM-0001",
                            short_text="Kugelschreiber, blau", unit_code="XPK", reference_price=Decimal("2.50"),
                            vat_rate=Decimal("7"), specification=product.specification)
    assert product.version == 2
    event = events(db, "product", product.id)[-1]
    assert event.action == "product.update"
    assert event.before == {"unit_code": "H87", "reference_price": "1234.56", "vat_rate": "19.00"}
    assert event.after == {"unit_code": "XPK", "reference_price": "2.50", "vat_rate": "7.00"}


def test_a_product_saved_from_a_stale_version_is_refused(db, coordinator, category, piece):
    product = new_product(db, coordinator, category)
    with pytest.raises(StaleVersion):
        services.update_product(db, coordinator, product.id, version=0, category_id=category.id, number="BM-0001",
                                short_text="anders", unit_code="H87", reference_price=Decimal("1"),
                                vat_rate=Decimal("19"))
    assert product.short_text == "Kugelschreiber, blau"


def test_products_are_found_by_number_or_text_within_a_category(db, make_category, make_product):
    paper, toner = make_category(), make_category()
    a = make_product(category=paper, number="PA-0001", short_text="Kopierpapier A4")
    b = make_product(category=toner, number="TO-0001", short_text="Toner schwarz")
    assert [p.id for p in db.scalars(services.product_query("kopier"))] == [a.id]
    assert [p.id for p in db.scalars(services.product_query("to-00"))] == [b.id]
    assert [p.id for p in db.scalars(services.product_query("", toner.id))] == [b.id]
    assert list(db.scalars(services.product_query("kopier", toner.id))) == []
    assert list(db.scalars(services.product_query("100%_"))) == []  # LIKE wildcards are literal


def test_category_choices_hide_inactive_categories_except_the_current_one(db, coordinator, office_cpv):
    active = services.create_category(db, coordinator, name="Aktiv", cpv_code="30192000-1")
    inactive = services.create_category(db, coordinator, name="Alt", cpv_code="30192000-1", active=False)
    ids = [i for i, _ in services.category_choices(db)]
    assert str(active.id) in ids and str(inactive.id) not in ids
    assert str(inactive.id) in [i for i, _ in services.category_choices(db, include_id=inactive.id)]


# --- imports ---------------------------------------------------------------------------------

def test_importing_the_official_cpv_list_adds_every_code_once(db):
    with reference("cpv-2008-de.csv").open("rb") as fh:
        rows, errors = read_cpv_csv(fh)
    assert errors == []
    added, updated = services.import_cpv_codes(db, rows)
    assert (added, updated) == (9454, 0)
    assert services.count_cpv_codes(db) == 9454
    assert db.get(CpvCode, "30192000-1").label == "Bürobedarf"
    assert db.get(CpvCode, "99999999-9") is None
    assert services.import_cpv_codes(db, rows) == (0, 0)
    [event] = events(db, "cpv_code")
    assert event.action == "cpv.import" and event.after == {"total": 9454, "added": 9454, "updated": 0}


def test_a_cpv_import_updates_changed_labels_and_keeps_codes_not_in_the_file(db, cpv):
    cpv("30192000-1", "alte Bezeichnung")
    cpv("30197630-1", "Druckpapier")
    added, updated = services.import_cpv_codes(db, [("30192000-1", "Bürobedarf"), ("22600000-6", "Tinte")])
    assert (added, updated) == (1, 1)
    db.expire_all()
    assert db.get(CpvCode, "30192000-1").label == "Bürobedarf"
    assert db.get(CpvCode, "30197630-1") is not None


def test_a_cpv_import_with_a_malformed_code_changes_nothing(db):
    before = services.count_cpv_codes(db)
    with pytest.raises(ValidationFailed, match="3019200-1"):
        services.import_cpv_codes(db, [("22600000-6", "Tinte"), ("3019200-1", "kaputt")])
    assert services.count_cpv_codes(db) == before


def test_importing_rec20_keeps_german_labels_of_the_curated_units(db):
    services.seed_catalogue(db)
    with reference("unece-rec20-units.csv").open("rb") as fh:
        rows, _errors, _ = read_rec20_csv(fh)
    added, updated = services.import_units(db, rows)
    assert added > 1500 and updated == 0
    assert db.get(Unit, "H87").label == "Stück"
    assert db.get(Unit, "KGM").label == "Kilogramm"
    assert db.get(Unit, "GRN").label == "grain"
    assert db.get(Unit, "PK") is None
    assert services.import_units(db, rows) == (0, 0)
    choices = services.unit_choices(db)
    assert {code for code, _ in choices[:len(CURATED_UNITS)]} == set(CURATED_UNITS)  # German units first
    assert ("H87", "Stück (H87)") in choices


def test_seeding_the_catalogue_twice_adds_nothing_the_second_time(db):
    assert services.seed_catalogue(db) == (len(CURATED_CPV), len(CURATED_UNITS))
    assert services.seed_catalogue(db) == (0, 0)
    assert db.get(CpvCode, "30192000-1").label == "Bürobedarf"
    assert db.get(Unit, "XPK").label == "Packung"
    assert [e.action for e in events(db, "catalogue")] == ["catalogue.seed"]
