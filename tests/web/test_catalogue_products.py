"""Coordinators manage products (Artikel): German amounts in, exact Decimals stored, bad input refused."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.catalogue import services
from einkauf.catalogue.models import Product


@pytest.fixture
def category(make_category):
    return make_category(name="Büromaterial")


@pytest.fixture
def units(make_unit):
    make_unit("H87", "Stück")
    make_unit("XPK", "Packung")


def product_numbered(db, number):
    db.expire_all()
    return db.scalar(select(Product).where(Product.number == number))


def form(category, **overrides):
    data = {"category_id": str(category.id), "number": "BM-0001", "short_text": "Kugelschreiber, blau",
            "specification": "Mine austauschbar\r\nSchreibfarbe blau", "unit_code": "H87",
            "reference_price": "1.234,56", "vat_rate": "19.00", "active": "y"}
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_product_with_a_german_price(client, db, coordinator, category, units):
    page = client.get("/artikel/neu").get_data(as_text=True)
    assert "Stück (H87)" in page and "Büromaterial (30192000-1)" in page
    response = client.post("/artikel/neu", data=form(category))
    assert response.status_code == 302
    product = product_numbered(db, "BM-0001")
    assert product.reference_price == Decimal("1234.56")
    assert product.vat_rate == Decimal("19.00")
    assert product.specification == "Mine austauschbar\nSchreibfarbe blau"
    assert (product.category_id, product.unit_code, product.active, product.version) == (category.id, "H87", True, 1)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "product.create"))
    assert event.entity_type == "product" and event.after["reference_price"] == "1234.56"
    listing = client.get("/artikel").get_data(as_text=True)
    assert "Artikel BM-0001 angelegt." in listing
    assert "1.234,56\xa0€" in listing
    assert "Stück (H87)" in listing


@pytest.mark.parametrize(("typed", "stored"), [
    ("0", "0.00"), ("0,5", "0.50"), ("12.5", "12.50"), ("1.000.000,00", "1000000.00"), (" 7,99 ", "7.99"),
])
def test_prices_are_read_as_german_users_type_them(client, db, coordinator, category, units, typed, stored):
    assert client.post("/artikel/neu", data=form(category, reference_price=typed)).status_code == 302
    assert product_numbered(db, "BM-0001").reference_price == Decimal(stored)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"reference_price": "NaN"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"reference_price": "sNaN"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"reference_price": "Infinity"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"reference_price": "1e5"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"reference_price": "-1"}, "ohne Vorzeichen"),
    ({"reference_price": "-0"}, "ohne Vorzeichen"),
    ({"reference_price": "١٢"}, "Bitte nur die Ziffern 0–9 verwenden."),
    ({"reference_price": "１２"}, "Bitte nur die Ziffern 0–9 verwenden."),
    ({"reference_price": "1" + "0" * 20}, "Die Zahl ist zu groß."),
    ({"reference_price": "1.000.000,01"}, "nicht größer als 1.000.000"),
    ({"reference_price": "1,234"}, "höchstens 2 Nachkommastellen"),
    ({"reference_price": ""}, "Bitte geben Sie einen Schätzpreis ein."),
    ({"reference_price": "9" * 5000}, "Die Zahl ist zu groß."),
    ({"vat_rate": "16.00"}, "Bitte wählen Sie einen Umsatzsteuersatz."),
    ({"vat_rate": "NaN"}, "Bitte wählen Sie einen Umsatzsteuersatz."),
    ({"category_id": "١"}, "Bitte wählen Sie eine Warengruppe."),
    ({"category_id": ""}, "Bitte wählen Sie eine Warengruppe."),
    ({"category_id": "987654"}, "Bitte wählen Sie eine Warengruppe."),
    ({"unit_code": "PK"}, "Bitte wählen Sie eine Mengeneinheit."),
    ({"number": ""}, "Bitte geben Sie eine Artikelnummer ein."),
    ({"number": "X" * 31}, "Höchstens 30 Zeichen."),
    ({"number": "=HYPERLINK(\"x\")"}, "am Anfang ein Buchstabe"),
    ({"number": "BM\x850001"}, "Bitte keine Steuerzeichen verwenden."),
    ({"short_text": "x" * 201}, "Höchstens 200 Zeichen."),
    ({"short_text": "Stift\x9b31m rot"}, "Bitte keine Steuerzeichen verwenden."),
    ({"short_text": ""}, "Bitte geben Sie einen Kurztext ein."),
    ({"specification": "x" * 5001}, "Höchstens 5.000 Zeichen."),
    ({"specification": "Zeile 1\x80"}, "Bitte keine Steuerzeichen verwenden."),
])
def test_bad_input_is_shown_again_with_a_german_message(client, db, coordinator, category, units, overrides, message):
    response = client.post("/artikel/neu", data=form(category, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Bitte korrigieren Sie die folgenden Angaben" in html
    assert db.scalar(select(func.count()).select_from(Product)) == 0


def test_a_bad_price_is_shown_again_as_typed(client, coordinator, category, units):
    html = client.post("/artikel/neu", data=form(category, reference_price="12,345")).get_data(as_text=True)
    assert 'value="12,345"' in html
    assert 'value="Kugelschreiber, blau"' in html


def test_a_taken_product_number_is_refused(client, db, coordinator, category, units, make_product):
    make_product(category=category, number="BM-0001")
    response = client.post("/artikel/neu", data=form(category, number="bm-0001"))
    assert response.status_code == 200
    assert "Die Artikelnummer bm-0001 ist bereits vergeben." in response.get_data(as_text=True)


def test_a_coordinator_edits_a_product(client, db, coordinator, category, units, make_product):
    product = make_product(category=category, number="BM-0002", price="1.00")
    page = client.get(f"/artikel/{product.id}").get_data(as_text=True)
    assert 'value="1,00"' in page
    response = client.post(f"/artikel/{product.id}",
                           data=form(category, number="BM-0002", reference_price="2,50", unit_code="XPK",
                                     vat_rate="7.00", version="1"))
    assert response.status_code == 302
    stored = product_numbered(db, "BM-0002")
    assert (stored.reference_price, stored.vat_rate, stored.unit_code, stored.version) == \
        (Decimal("2.50"), Decimal("7.00"), "XPK", 2)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "product.update"))
    assert event.before["reference_price"] == "1.00" and event.after["reference_price"] == "2.50"


def test_an_unusual_stored_vat_rate_stays_selectable(client, db, coordinator, category, units, make_product):
    product = make_product(category=category, number="BM-0003")
    product.vat_rate = Decimal("5.50")
    db.flush()
    html = client.get(f"/artikel/{product.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="5.50">5,50 %</option>|<option value="5.50" selected>', html)


def test_an_inactive_category_stays_selectable_for_its_products_only(client, db, coordinator, units, make_category,
                                                                      make_product):
    old = make_category(name="Ausgelaufen")
    old.active = False
    product = make_product(category=old, number="BM-0004")
    db.flush()
    assert "Ausgelaufen" in client.get(f"/artikel/{product.id}").get_data(as_text=True)
    assert "Ausgelaufen" not in client.get("/artikel/neu").get_data(as_text=True)


def test_saving_a_stale_product_gives_409_and_keeps_the_input(client, db, coordinator, category, units, make_product):
    product = make_product(category=category, number="BM-0005", price="3.00")
    services.update_product(db, "kollege@einkauf.example", product.id, version=1, category_id=category.id,
                            number="BM-0005", short_text="vom Kollegen", unit_code="H87",
                            reference_price=Decimal("4.00"), vat_rate=Decimal("19"))
    db.flush()
    response = client.post(f"/artikel/{product.id}",
                           data=form(category, number="BM-0005", short_text="meine Änderung",
                                     reference_price="9,99", version="1"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "inzwischen von anderer Seite geändert" in html
    assert 'value="meine Änderung"' in html and 'value="9,99"' in html
    assert "vom Kollegen" in html and "4,00\xa0€" in html
    stored = product_numbered(db, "BM-0005")
    assert (stored.short_text, stored.reference_price, stored.version) == ("vom Kollegen", Decimal("4.00"), 2)


def test_the_product_list_is_searchable_filterable_and_paged(client, db, coordinator, make_category, make_product):
    paper, toner = make_category(name="Papier"), make_category(name="Toner")
    for n in range(30):
        make_product(category=paper, number=f"PA-{n:04d}", short_text=f"Kopierpapier Sorte {n}")
    make_product(category=toner, number="TO-0001", short_text="Toner schwarz", price="1234.5")
    first = client.get("/artikel").get_data(as_text=True)
    assert "PA-0000" in first and "PA-0024" in first and "PA-0025" not in first
    assert "Seite 1 von 2" in first
    second = client.get("/artikel?page=2").get_data(as_text=True)
    assert "PA-0025" in second and "TO-0001" in second
    assert "TO-0001" in client.get("/artikel?q=schwarz").get_data(as_text=True)
    filtered = client.get(f"/artikel?warengruppe={toner.id}").get_data(as_text=True)
    assert "TO-0001" in filtered and "PA-0001" not in filtered and "1.234,50\xa0€" in filtered
    paged_filter = client.get(f"/artikel?warengruppe={paper.id}&q=Sorte&page=2").get_data(as_text=True)
    assert "PA-0025" in paged_filter and f"warengruppe={paper.id}" in paged_filter
    for junk in ("abc", "١", "-1", "9" * 30):
        assert client.get(f"/artikel?warengruppe={junk}&page={junk}").status_code == 200


def test_with_the_full_rec20_list_the_familiar_units_are_offered_first(client, db, coordinator, category, units):
    services.import_units(db, [("H87", "piece", ""), ("GRN", "grain", "gr"), ("KGM", "kilogram", "kg")])
    db.flush()
    html = client.get("/artikel/neu").get_data(as_text=True)
    common = html.index('<optgroup label="Gebräuchliche Mengeneinheiten">')
    other = html.index('<optgroup label="Weitere Mengeneinheiten (UN/ECE-Empfehlung 20)">')
    assert common < html.index("Stück (H87)") < other < html.index("grain (GRN)")
    assert client.post("/artikel/neu", data=form(category, unit_code="GRN")).status_code == 302
    assert product_numbered(db, "BM-0001").unit_code == "GRN"
