"""Coordinators manage categories (Warengruppen) and look up CPV codes through the forms."""
import re

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.catalogue import services
from einkauf.catalogue.models import Category


@pytest.fixture
def coordinator(as_role, cpv):
    cpv("30192000-1", "Bürobedarf")
    cpv("30197630-1", "Druckpapier")
    return as_role("coordinator")


def category_named(db, name):
    db.expire_all()
    return db.scalar(select(Category).where(Category.name == name))


def form(**overrides):
    data = {"name": "Bürobedarf", "cpv_code": "30192000-1", "sort_order": "1", "description": "", "active": "y"}
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_category_through_the_form(client, db, coordinator):
    response = client.post("/warengruppen/neu", data=form(cpv_code=" 30192000 ", sort_order="1.000"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/warengruppen"
    category = category_named(db, "Bürobedarf")
    assert (category.cpv_code, category.sort_order, category.active, category.version) == ("30192000-1", 1000, True, 1)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "category.create"))
    assert event.actor_id == coordinator.id and event.entity_id == str(category.id)
    page = client.get("/warengruppen").get_data(as_text=True)
    assert "Warengruppe „Bürobedarf“ angelegt." in page


def test_the_list_shows_cpv_code_label_and_number_of_products(client, db, coordinator, make_category, make_product):
    category = make_category(name="Papier und Druck", cpv_code="30197630-1")
    make_product(category=category)
    make_product(category=category)
    html = client.get("/warengruppen").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Papier und Druck(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "30197630-1" in row and "Druckpapier" in row
    assert re.search(r">\s*2\s*</a>", row)


def test_the_list_is_searchable_by_name_and_cpv_code_and_paged(client, db, coordinator, make_category):
    for n in range(30):
        make_category(name=f"Gruppe {n:02d}", sort_order=n)
    make_category(name="Reinigung", cpv_code="30197630-1", sort_order=99)
    first = client.get("/warengruppen").get_data(as_text=True)
    assert "Gruppe 00" in first and "Gruppe 24" in first and "Gruppe 25" not in first
    assert "Seite 1 von 2" in first
    second = client.get("/warengruppen?page=2").get_data(as_text=True)
    assert "Gruppe 25" in second and "Reinigung" in second
    found = client.get("/warengruppen?q=30197630").get_data(as_text=True)
    assert "Reinigung" in found and "Gruppe 01" not in found
    assert "Gruppe 07" in client.get("/warengruppen?q=gruppe+07").get_data(as_text=True)
    nothing = client.get("/warengruppen?q=%3Cscript%3E").get_data(as_text=True)
    assert "„&lt;script&gt;“" in nothing


def test_an_unknown_cpv_code_is_named_in_a_german_message(client, db, coordinator):
    response = client.post("/warengruppen/neu", data=form(cpv_code="99999999-9"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Den CPV-Code 99999999-9 gibt es im CPV-Verzeichnis nicht." in html
    assert 'value="99999999-9"' in html  # the input is kept
    assert category_named(db, "Bürobedarf") is None


def test_a_taken_name_is_refused(client, db, coordinator, make_category):
    make_category(name="Bürobedarf")
    response = client.post("/warengruppen/neu", data=form(name="bürobedarf"))
    assert response.status_code == 200
    assert "Eine Warengruppe „Bürobedarf“ gibt es bereits." in response.get_data(as_text=True)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sort_order": "-1"}, "ohne Vorzeichen"),
    ({"sort_order": "1,5"}, "Bitte keine Nachkommastellen angeben."),
    ({"sort_order": "NaN"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"sort_order": "1e5"}, "Bitte eine Zahl wie 1.234,56 eingeben"),
    ({"sort_order": "١٢"}, "Bitte nur die Ziffern 0–9 verwenden."),
    ({"sort_order": "1" + "0" * 20}, "Die Zahl ist zu groß."),
    ({"sort_order": "2000000"}, "nicht größer als 1.000.000"),
    ({"sort_order": ""}, "Bitte geben Sie eine Reihenfolge an"),
    ({"name": ""}, "Bitte geben Sie einen Namen ein."),
    ({"name": "x" * 201}, "Höchstens 200 Zeichen."),
    # NUL and the other C0 controls never get here (einkauf.boundary strips them); C1 controls are refused.
    ({"name": "Büro\x85bedarf"}, "Bitte keine Steuerzeichen verwenden."),
    ({"name": "Büro\x9b2Jbedarf"}, "Bitte keine Steuerzeichen verwenden."),
    ({"description": "x" * 5001}, "Höchstens 5.000 Zeichen."),
    ({"description": "Zeile\x9f"}, "Bitte keine Steuerzeichen verwenden."),
    ({"cpv_code": ""}, "Bitte geben Sie einen CPV-Code ein."),
    ({"cpv_code": "٣٠١٩٢٠٠٠-١"}, "ist kein CPV-Code"),
    ({"cpv_code": "3" * 100}, "Höchstens 20 Zeichen."),
])
def test_bad_input_is_shown_again_with_a_german_message(client, db, coordinator, overrides, message):
    response = client.post("/warengruppen/neu", data=form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Bitte korrigieren Sie die folgenden Angaben" in html
    assert db.scalar(select(func.count()).select_from(Category)) == 0


def test_nul_and_c0_controls_are_stripped_at_the_boundary_before_the_form_sees_them(client, db, coordinator):
    response = client.post("/warengruppen/neu", data=form(name="Büro\x00bedarf\x1b", description="Zeile\x07 1"))
    assert response.status_code == 302
    stored = category_named(db, "Bürobedarf")
    assert stored.description == "Zeile 1"


def test_a_coordinator_edits_a_category_and_the_version_advances(client, db, coordinator, make_category):
    category = make_category(name="Papier")
    page = client.get(f"/warengruppen/{category.id}").get_data(as_text=True)
    assert re.search(r'name="version"[^>]*value="1"|value="1"[^>]*name="version"', page)
    response = client.post(f"/warengruppen/{category.id}",
                           data=form(name="Druckpapier", cpv_code="30197630-1", sort_order="7", version="1",
                                     description="A4 und A3"))
    assert response.status_code == 302
    stored = category_named(db, "Druckpapier")
    assert (stored.id, stored.cpv_code, stored.sort_order, stored.version) == (category.id, "30197630-1", 7, 2)
    assert stored.description == "A4 und A3"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "category.update"))
    assert event.before["name"] == "Papier" and event.after["name"] == "Druckpapier"


def test_unchecking_active_deactivates_the_category(client, db, coordinator, make_category):
    category = make_category(name="Alt")
    data = form(name="Alt", version="1")
    del data["active"]
    assert client.post(f"/warengruppen/{category.id}", data=data).status_code == 302
    assert category_named(db, "Alt").active is False


def test_saving_a_stale_version_gives_409_and_keeps_the_input(client, db, coordinator, make_category):
    category = make_category(name="Papier")
    client.get(f"/warengruppen/{category.id}")  # the coordinator opens the form at version 1 …
    services.update_category(db, "kollegin@einkauf.example", category.id, version=1, name="Papier (Kollegin)",
                             cpv_code="30192000-1", sort_order=category.sort_order)
    db.flush()  # … and a colleague saves first
    response = client.post(f"/warengruppen/{category.id}",
                           data=form(name="Papier (meins)", description="Meine Beschreibung", version="1"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "inzwischen von anderer Seite geändert" in html
    assert 'value="Papier (meins)"' in html and "Meine Beschreibung" in html  # the input is kept
    assert "Papier (Kollegin)" in html  # the stored values are shown
    assert re.search(r'name="version"[^>]*value="2"|value="2"[^>]*name="version"', html)
    assert category_named(db, "Papier (Kollegin)").version == 2
    # saving again from the conflict page is a deliberate overwrite
    again = client.post(f"/warengruppen/{category.id}", data=form(name="Papier (meins)", version="2"))
    assert again.status_code == 302
    assert category_named(db, "Papier (meins)").version == 3


@pytest.mark.parametrize("version", ["", "abc", "١", "-1", "9" * 40])
def test_a_missing_or_forged_version_is_refused_without_saving(client, db, coordinator, make_category, version):
    category = make_category(name="Papier")
    response = client.post(f"/warengruppen/{category.id}", data=form(name="Neu", version=version))
    assert response.status_code in (200, 409)
    assert "Bitte" in response.get_data(as_text=True)
    assert category_named(db, "Papier").version == 1


# --- CPV lookup ------------------------------------------------------------------------------

def test_the_cpv_page_finds_codes_by_code_and_by_label(client, db, coordinator, cpv):
    cpv("39830000-9", "Reinigungsmittel")
    html = client.get("/cpv").get_data(as_text=True)
    assert "3 CPV-Codes geladen." in html
    assert "einkauf cpv import" in html
    by_code = client.get("/cpv?q=3983").get_data(as_text=True)
    assert "Reinigungsmittel" in by_code and "Druckpapier" not in by_code
    by_label = client.get("/cpv?q=druck").get_data(as_text=True)
    assert "30197630-1" in by_label and "39830000-9" not in by_label
    assert "Kein CPV-Code passt" in client.get("/cpv?q=zzz").get_data(as_text=True)


# --- CSRF ------------------------------------------------------------------------------------

def token_in(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def protected_client(app_config, make_user, cpv):
    """A client of an app with CSRF protection on, signed in as a coordinator."""
    from einkauf.app import create_app

    cpv("30192000-1", "Bürobedarf")
    user = make_user("coordinator")
    client = create_app({**app_config, "WTF_CSRF_ENABLED": True}).test_client()
    token = token_in(client.get("/anmelden").get_data(as_text=True))
    response = client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1", "csrf_token": token})
    assert response.status_code == 302
    return client


def test_an_expired_csrf_token_shows_the_form_again_with_the_input_kept(protected_client, db):
    response = protected_client.post("/warengruppen/neu", data=form(name="Ohne Token", csrf_token="abgelaufen"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ihre Eingaben sind erhalten" in html
    assert 'value="Ohne Token"' in html
    assert category_named(db, "Ohne Token") is None
    retry = protected_client.post("/warengruppen/neu", data=form(name="Ohne Token", csrf_token=token_in(html)))
    assert retry.status_code == 302
    assert category_named(db, "Ohne Token") is not None
