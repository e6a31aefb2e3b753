"""Coordinators keep the list of members (Mitglieder) and their delivery sites (Lieferstellen)."""

import pytest
from sqlalchemy import select

from einkauf.app import create_app
from einkauf.audit.models import AuditEvent
from einkauf.rounds import services
from einkauf.rounds.models import DeliverySite, Member

from support import csrf_token_from, input_value, text


def member_form(**overrides):
    data = {"ags": "05334002", "name": "Aachen", "region": "Rheinland", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def site_form(**overrides):
    data = {"name": "Schulamt", "street": "Mozartstraße 2", "postcode": "52064", "city": "Aachen", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- list ----------------------------------------------------------------------------------

def test_member_list_shows_ags_name_and_region(client, coordinator, make_member):
    make_member(ags="05913000", name="Dortmund", region="Ruhrgebiet")
    html = text(client.get("/mitglieder"))
    assert "05913000" in html and "Dortmund" in html and "Ruhrgebiet" in html
    assert "<caption" in html and 'scope="col"' in html


@pytest.mark.parametrize("query,expected,absent", [
    ("dort", "Dortmund", "Köln"),
    ("05315", "Köln", "Dortmund"),
    ("rheinland", "Köln", "Dortmund"),
])
def test_member_search_matches_name_ags_or_region(client, coordinator, make_member, query, expected, absent):
    make_member(ags="05913000", name="Dortmund", region="Ruhrgebiet")
    make_member(ags="05315000", name="Köln", region="Rheinland")
    html = text(client.get("/mitglieder", query_string={"q": query}))
    assert expected in html and absent not in html


def test_a_search_without_hits_says_so(client, coordinator):
    html = text(client.get("/mitglieder", query_string={"q": "Atlantis"}))
    assert "Kein Mitglied passt zur Suche „Atlantis“" in html


class TestPaging:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PAGE_SIZE": 2}

    def test_the_member_list_is_paged(self, client, coordinator, make_member):
        for name in ("Aachen", "Bielefeld", "Bochum"):
            make_member(name=name)
        first = text(client.get("/mitglieder"))
        assert "Aachen" in first and "Bochum" not in first and "Seite 1 von 2" in first
        second = text(client.get("/mitglieder", query_string={"page": 2}))
        assert "Bochum" in second and "Aachen" not in second

    def test_paging_keeps_the_search(self, client, coordinator, make_member):
        for name in ("Stadt A", "Stadt B", "Stadt C", "Dorf D"):
            make_member(name=name)
        first = text(client.get("/mitglieder", query_string={"q": "stadt"}))
        assert "q=stadt" in first and "page=2" in first
        assert "Stadt A" in first and "Stadt C" not in first and "Dorf D" not in first
        second = text(client.get("/mitglieder", query_string={"q": "stadt", "page": 2}))
        assert "Stadt C" in second and "Stadt A" not in second and "Dorf D" not in second

    def test_a_nonsense_page_number_shows_the_first_page(self, client, coordinator, make_member):
        for name in ("Aachen", "Bielefeld", "Bochum"):
            make_member(name=name)
        for nonsense in ("x", "0", "-3", "1e9"):
            response = client.get("/mitglieder", query_string={"page": nonsense})
            assert response.status_code == 200
            html = text(response)
            assert "Aachen" in html and "Bochum" not in html and "Seite 1 von 2" in html, nonsense


# --- create --------------------------------------------------------------------------------

def test_a_coordinator_adds_a_member(client, coordinator, db):
    response = client.post("/mitglieder/neu", data=member_form())
    assert response.status_code == 302
    member = db.scalar(select(Member).where(Member.ags == "05334002"))
    assert (member.name, member.region, member.active) == ("Aachen", "Rheinland", True)
    assert response.headers["Location"] == f"/mitglieder/{member.id}"
    assert "Mitglied Aachen wurde angelegt." in text(client.get(response.headers["Location"]))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.create"))
    assert event.actor_id == coordinator.id and event.member_id == member.id


@pytest.mark.parametrize("ags", ["0533400", "0533400a", "０５３３４００２", "053340021"])
def test_a_malformed_ags_is_shown_again_with_a_german_error(client, coordinator, db, ags):
    response = client.post("/mitglieder/neu", data=member_form(ags=ags))
    assert response.status_code == 200
    html = text(response)
    assert "genau 8 Ziffern" in html
    assert input_value(html, "name") == "Aachen"
    assert db.scalar(select(Member).where(Member.name == "Aachen")) is None


def test_a_duplicate_ags_is_shown_at_the_ags_field(client, coordinator, make_member):
    make_member(ags="05334002", name="Aachen")
    response = client.post("/mitglieder/neu", data=member_form(name="Aachen (doppelt)"))
    assert response.status_code == 200
    html = text(response)
    assert "Es gibt bereits ein Mitglied mit dem AGS 05334002 (Aachen)." in html
    assert 'id="ags-error"' in html


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "Bitte geben Sie den Namen an."),
    ({"name": "x" * 201}, "200"),
    ({"ags": ""}, "Bitte geben Sie den AGS an."),
    ({"region": "y" * 101}, "100"),
])
def test_missing_or_overlong_member_fields_are_explained(client, coordinator, overrides, message):
    response = client.post("/mitglieder/neu", data=member_form(**overrides))
    assert response.status_code == 200
    assert message in text(response)


def test_an_unticked_active_box_creates_an_inactive_member(client, coordinator, db):
    client.post("/mitglieder/neu", data=member_form(active=None))
    assert db.scalar(select(Member.active).where(Member.ags == "05334002")) is False


class TestExpiredCsrfToken:
    @pytest.fixture
    def app(self, app_config):
        return create_app({**app_config, "WTF_CSRF_ENABLED": True})

    def test_an_expired_token_keeps_what_was_typed(self, client, make_user, db):
        user = make_user("coordinator")
        token = csrf_token_from(text(client.get("/anmelden")))
        assert client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1",
                                              "csrf_token": token}).status_code == 302
        response = client.post("/mitglieder/neu", data={**member_form(), "csrf_token": "abgelaufen"})
        assert response.status_code == 200
        html = text(response)
        assert "Ihre Eingaben sind erhalten" in html
        assert input_value(html, "ags") == "05334002" and input_value(html, "name") == "Aachen"
        assert db.scalar(select(Member).where(Member.ags == "05334002")) is None

    def test_the_open_button_needs_a_valid_token(self, client, make_user, make_round, db):
        user = make_user("coordinator")
        token = csrf_token_from(text(client.get("/anmelden")))
        client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1", "csrf_token": token})
        row = make_round()
        assert client.post(f"/runden/{row.id}/oeffnen").status_code == 400
        db.refresh(row)
        assert row.opened_at is None


# --- edit ----------------------------------------------------------------------------------

def test_the_edit_page_shows_the_stored_values_and_version(client, coordinator, make_member):
    member = make_member(ags="05911000", name="Bochum", region="Ruhrgebiet")
    html = text(client.get(f"/mitglieder/{member.id}"))
    assert input_value(html, "ags") == "05911000"
    assert input_value(html, "version") == "1"


def test_a_coordinator_changes_a_member(client, coordinator, make_member, db):
    member = make_member(ags="05911000", name="Bochum", region="")
    response = client.post(f"/mitglieder/{member.id}", data=member_form(ags="05911000", name="Bochum",
                                                                          region="Ruhrgebiet", version="1"))
    assert response.status_code == 302
    db.refresh(member)
    assert (member.region, member.version) == ("Ruhrgebiet", 2)


def test_a_stale_save_is_refused_with_409_and_keeps_the_input(client, coordinator, make_member, db):
    member = make_member(ags="05911000", name="Bochum", region="")
    # Someone else saves first.
    services.update_member(db, "kollegin", member.id, expected_version=1, ags="05911000", name="Bochum",
                           region="Westfalen", active=True)
    db.flush()
    response = client.post(f"/mitglieder/{member.id}", data=member_form(ags="05911000", name="Stadt Bochum",
                                                                          region="Ruhrgebiet", version="1"))
    assert response.status_code == 409
    html = text(response)
    assert "inzwischen von anderer Seite geändert" in html
    assert input_value(html, "name") == "Stadt Bochum"
    assert input_value(html, "region") == "Ruhrgebiet"
    assert "Aktuell gespeicherte Werte" in html and "Westfalen" in html
    assert input_value(html, "version") == "2"  # saving again after review is possible
    db.refresh(member)
    assert (member.name, member.region) == ("Bochum", "Westfalen")


def test_a_save_without_a_version_is_refused(client, coordinator, make_member, db):
    member = make_member(name="Hagen")
    response = client.post(f"/mitglieder/{member.id}", data=member_form(ags=member.ags, name="Hagen a. T."))
    assert response.status_code == 200
    assert "Die Versionsangabe fehlt" in text(response)
    db.refresh(member)
    assert member.name == "Hagen"


def test_a_malformed_version_is_refused_without_a_crash(client, coordinator, make_member, db):
    member = make_member(name="Hamm")
    response = client.post(f"/mitglieder/{member.id}",
                           data=member_form(ags=member.ags, name="Hamm (Westf.)", version="NaN"))
    assert response.status_code == 200
    html = text(response)
    assert "Hamm (Westf.)" in html  # the form is shown again with the input
    assert "Ungültige Versionsangabe" in html
    db.refresh(member)
    assert member.name == "Hamm"


def test_an_unknown_member_is_404(client, coordinator):
    assert client.get("/mitglieder/999999").status_code == 404
    assert client.post("/mitglieder/999999", data=member_form(version="1")).status_code == 404


def test_the_edit_page_lists_the_members_delivery_sites_with_links(client, coordinator, make_member):
    member = make_member(sites=2)
    html = text(client.get(f"/mitglieder/{member.id}"))
    for site in member.delivery_sites:
        assert f'href="/mitglieder/{member.id}/lieferstellen/{site.id}"' in html
        assert site.name in html
    assert f'href="/mitglieder/{member.id}/lieferstellen/neu"' in html


# --- delivery sites --------------------------------------------------------------------------

def test_a_coordinator_adds_a_delivery_site(client, coordinator, make_member, db):
    member = make_member(sites=0)
    response = client.post(f"/mitglieder/{member.id}/lieferstellen/neu", data=site_form())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/mitglieder/{member.id}"
    site = db.scalar(select(DeliverySite).where(DeliverySite.member_id == member.id))
    assert (site.name, site.postcode, site.city, site.active) == ("Schulamt", "52064", "Aachen", True)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_site.create"))
    assert event.member_id == member.id


@pytest.mark.parametrize("overrides,message", [
    ({"postcode": "5206"}, "genau 5 Ziffern"),
    ({"postcode": "５２０６４"}, "genau 5 Ziffern"),
    ({"postcode": ""}, "Bitte geben Sie die Postleitzahl an."),
    ({"name": ""}, "Bitte geben Sie eine Bezeichnung an."),
    ({"street": ""}, "Bitte geben Sie Straße und Hausnummer an."),
    ({"city": ""}, "Bitte geben Sie den Ort an."),
])
def test_bad_site_input_is_shown_again_with_a_german_error(client, coordinator, make_member, db, overrides, message):
    member = make_member(sites=0)
    response = client.post(f"/mitglieder/{member.id}/lieferstellen/neu", data=site_form(**overrides))
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert input_value(html, "street") == site_form(**overrides)["street"]
    assert db.scalar(select(DeliverySite).where(DeliverySite.member_id == member.id)) is None


def test_a_second_site_with_the_same_name_is_refused(client, coordinator, make_member):
    member = make_member(sites=1)
    response = client.post(f"/mitglieder/{member.id}/lieferstellen/neu", data=site_form(name="Rathaus 1"))
    assert response.status_code == 200
    assert "bereits eine Lieferstelle „Rathaus 1“" in text(response)


def test_a_coordinator_deactivates_a_delivery_site(client, coordinator, make_member, db):
    member = make_member()
    site = member.delivery_sites[0]
    url = f"/mitglieder/{member.id}/lieferstellen/{site.id}"
    assert input_value(text(client.get(url)), "name") == "Rathaus 1"
    response = client.post(url, data=site_form(name="Rathaus 1", active=None))
    assert response.status_code == 302
    db.refresh(site)
    assert site.active is False and site.street == "Mozartstraße 2"
    assert "inaktiv" in text(client.get(f"/mitglieder/{member.id}"))


def test_a_site_of_another_member_is_404(client, coordinator, make_member, db):
    owner, other = make_member(), make_member()
    site = owner.delivery_sites[0]
    url = f"/mitglieder/{other.id}/lieferstellen/{site.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data=site_form(name="Gekapert")).status_code == 404
    db.refresh(site)
    assert site.name == "Rathaus 1"


def test_sites_of_an_unknown_member_are_404(client, coordinator):
    assert client.get("/mitglieder/999999/lieferstellen/neu").status_code == 404
    assert client.post("/mitglieder/999999/lieferstellen/neu", data=site_form()).status_code == 404


class TestPagingLinks:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PAGE_SIZE": 1}

    def test_query_keys_cannot_turn_paging_links_into_foreign_links(self, client, coordinator, make_member):
        make_member(name="Aachen")
        make_member(name="Bochum")
        response = client.get("/mitglieder", query_string={"_external": "1", "_scheme": "javascript",
                                                           "_anchor": "x", "q": ""})
        assert response.status_code == 200
        html = text(response)
        assert 'href="/mitglieder?' in html
        assert "javascript:" not in html and "#x" not in html


def test_search_terms_and_member_names_are_escaped(client, coordinator, make_member):
    make_member(name="<b>Stadt</b>")
    html = text(client.get("/mitglieder", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    html = text(client.get("/mitglieder"))
    assert "<b>Stadt</b>" not in html and "&lt;b&gt;Stadt&lt;/b&gt;" in html
