"""Administration of users (Zugänge): only admins; every change audited; sessions end when a
user is deactivated or their role or member binding changes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.auth.models import Role, User
from einkauf.errors import StaleVersion

PASSWORD = "richtig-geheim-1"
COOKIE = "einkauf_session"

ROUTES = [
    ("GET", "/zugaenge"),
    ("GET", "/zugaenge/neu"),
    ("POST", "/zugaenge/neu"),
    ("GET", "/zugaenge/{id}"),
    ("POST", "/zugaenge/{id}"),
    ("GET", "/zugaenge/{id}/passwort"),
    ("POST", "/zugaenge/{id}/passwort"),
]


def _user(db, email: str) -> User | None:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


def _events(db, action: str, entity_id) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                     AuditEvent.entity_id == str(entity_id))
                           .order_by(AuditEvent.id)))


def _edit_data(user, **changes) -> dict:
    data = {"name": user.name, "role": user.role.value, "member_ags": user.member.ags if user.member else "",
            "active": "y" if user.active else "", "version": str(user.version)}
    data.update(changes)
    if not data["active"]:
        del data["active"]
    return data


def _second_browser(app, user, password: str = PASSWORD):
    """The user signed in in their own browser (sign in before the admin: one session per user)."""
    browser = app.test_client()
    response = browser.post("/anmelden", data={"email": user.email, "password": password})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    return browser


# --- access -------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("role", ["coordinator", "officer", "finance"])
def test_only_admins_may_manage_users(client, as_role, make_user, role, method, path):
    target = make_user("coordinator")
    as_role(role)
    response = client.open(path.format(id=target.id), method=method, data={})
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in_for_user_administration(client, make_user, method, path):
    target = make_user("coordinator")
    response = client.open(path.format(id=target.id), method=method, data={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


@pytest.mark.parametrize("path", ["/zugaenge/999999", "/zugaenge/999999/passwort"])
def test_an_unknown_user_id_is_not_found(client, as_role, path):
    as_role("admin")
    assert client.get(path).status_code == 404


# --- list ---------------------------------------------------------------------------------

def test_admin_sees_users_with_german_role_member_status_and_last_sign_in(client, as_role, make_user, make_member):
    bochum = make_member(name="Bochum")
    officer = make_user("officer", member=bochum, email="einkauf@bochum.example")
    make_user("finance", email="kasse@einkauf.example", active=False)
    client.application.test_client().post("/anmelden", data={"email": officer.email, "password": PASSWORD})
    admin = as_role("admin")
    html = client.get("/zugaenge").get_data(as_text=True)
    assert "einkauf@bochum.example" in html and "Bochum" in html
    assert "Beschaffungsstelle" in html and "Finanzen" in html and "Administration" in html
    assert "deaktiviert" in html
    assert "noch nie" in html  # the finance user never signed in
    assert admin.email in html
    assert " Uhr" in html  # the officer's and the admin's last sign-in, in Berlin time


def test_user_list_searches_email_and_name_and_filters_by_role(client, as_role, make_user, db):
    anna = make_user("coordinator", email="anna@einkauf.example")
    anna.name = "Anna Schmitz"
    make_user("finance", email="bernd@einkauf.example")
    make_user("coordinator", email="carla@einkauf.example")
    db.flush()
    as_role("admin")
    html = client.get("/zugaenge?q=schmitz").get_data(as_text=True)
    assert "anna@einkauf.example" in html and "carla@einkauf.example" not in html
    html = client.get("/zugaenge?q=BERND").get_data(as_text=True)
    assert "bernd@einkauf.example" in html and "anna@einkauf.example" not in html
    html = client.get("/zugaenge?rolle=finance").get_data(as_text=True)
    assert "bernd@einkauf.example" in html and "carla@einkauf.example" not in html
    html = client.get("/zugaenge?q=%25").get_data(as_text=True)  # a LIKE wildcard is searched literally
    assert "Keine Zugänge gefunden." in html


def test_user_list_pages(client, as_role, make_user, app):
    app.config["PAGE_SIZE"] = 2
    for n in range(4):
        make_user("coordinator", email=f"seite{n}@einkauf.example")
    as_role("admin")
    first = client.get("/zugaenge?q=seite").get_data(as_text=True)
    second = client.get("/zugaenge?q=seite&page=2").get_data(as_text=True)
    assert "seite0@" in first and "seite1@" in first and "seite2@" not in first
    assert "seite2@" in second and "seite3@" in second and "seite0@" not in second
    assert "Seite 1 von 2" in first
    assert "q=seite" in first and "page=2" in first  # the next link keeps the search


# --- create -------------------------------------------------------------------------------

def test_admin_creates_an_officer_bound_to_a_member_and_it_is_audited(client, as_role, make_member, db):
    essen = make_member(ags="05113000", name="Essen")
    admin = as_role("admin")
    form = client.get("/zugaenge/neu").get_data(as_text=True)
    assert "Essen (05113000)" in form
    response = client.post("/zugaenge/neu", data={
        "email": " Einkauf@Essen.example ", "name": "Erika Muster", "role": "officer",
        "member_ags": "05113000", "password": "anfang-geheim-9"})
    assert response.status_code == 302
    user = _user(db, "einkauf@essen.example")
    assert user.role == Role.OFFICER and user.member_id == essen.id and user.name == "Erika Muster"
    assert user.password_hash.startswith("$argon2id$")
    event, = _events(db, "user.create", user.id)
    assert event.actor_id == admin.id and event.member_id == essen.id
    assert event.after["role"] == "officer" and "password_hash" not in event.after
    fresh = client.application.test_client()
    assert fresh.post("/anmelden", data={"email": user.email, "password": "anfang-geheim-9"}).status_code == 302


@pytest.mark.parametrize(("role", "member", "message"), [
    ("officer", "", "Bitte wählen Sie das Mitglied"),
    ("coordinator", "05113000", "Koordination und Administration werden keinem Mitglied zugeordnet."),
    ("admin", "05113000", "Koordination und Administration werden keinem Mitglied zugeordnet."),
])
def test_member_binding_must_fit_the_role(client, as_role, make_member, db, role, member, message):
    make_member(ags="05113000", name="Essen")
    as_role("admin")
    response = client.post("/zugaenge/neu", data={"email": "neu@einkauf.example", "role": role,
                                                 "member_ags": member, "password": "anfang-geheim-9"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="neu@einkauf.example"' in html  # input kept
    assert _user(db, "neu@einkauf.example") is None


@pytest.mark.parametrize("member", ["", "05113000"])
def test_finance_may_be_bound_to_a_member_or_not(client, as_role, make_member, db, member):
    make_member(ags="05113000", name="Essen")
    as_role("admin")
    response = client.post("/zugaenge/neu", data={"email": "kasse@einkauf.example", "role": "finance",
                                                 "member_ags": member, "password": "anfang-geheim-9"})
    assert response.status_code == 302
    assert (_user(db, "kasse@einkauf.example").member_id is not None) == bool(member)


@pytest.mark.parametrize(("password", "message"), [
    ("kurz", "Das Passwort muss 8 bis 128 Zeichen lang sein."),
    ("x" * 129, "Das Passwort muss 8 bis 128 Zeichen lang sein."),
    ("", "Bitte vergeben Sie ein Anfangspasswort."),
])
def test_initial_password_needs_8_to_128_characters(client, as_role, db, password, message):
    as_role("admin")
    response = client.post("/zugaenge/neu", data={"email": "neu@einkauf.example", "role": "coordinator",
                                                 "password": password})
    assert message in response.get_data(as_text=True)
    assert _user(db, "neu@einkauf.example") is None


def test_an_email_address_can_only_have_one_user(client, as_role, make_user, db):
    make_user("coordinator", email="doppelt@einkauf.example")
    as_role("admin")
    response = client.post("/zugaenge/neu", data={"email": "DOPPELT@einkauf.example", "role": "finance",
                                                 "password": "anfang-geheim-9"})
    assert "Es gibt bereits einen Zugang für doppelt@einkauf.example." in response.get_data(as_text=True)
    assert len(list(db.scalars(select(User).where(User.email == "doppelt@einkauf.example")))) == 1


def test_an_invalid_email_address_is_refused(client, as_role, db):
    as_role("admin")
    response = client.post("/zugaenge/neu", data={"email": "kein-at-zeichen", "role": "coordinator",
                                                 "password": "anfang-geheim-9"})
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an." in response.get_data(as_text=True)


# --- edit ---------------------------------------------------------------------------------

def test_edit_form_shows_the_stored_values_and_version(client, as_role, make_user, make_member):
    member = make_member(ags="05911000", name="Bochum")
    user = make_user("officer", member=member)
    as_role("admin")
    html = client.get(f"/zugaenge/{user.id}").get_data(as_text=True)
    assert user.email in html
    assert '<option selected value="05911000">' in html or 'value="05911000" selected' in html
    assert f'name="version" type="hidden" value="{user.version}"' in html


def test_admin_changes_role_and_binding_and_the_change_is_audited_with_before_and_after(
        client, as_role, make_user, make_member, db):
    member = make_member(ags="05911000", name="Bochum")
    user = make_user("officer", member=member)
    admin = as_role("admin")
    response = client.post(f"/zugaenge/{user.id}", data=_edit_data(user, role="coordinator", member_ags="",
                                                                    name="Neue Koordinatorin"))
    assert response.status_code == 302
    user = _user(db, user.email)
    assert user.role == Role.COORDINATOR and user.member_id is None and user.name == "Neue Koordinatorin"
    assert user.version == 2
    event, = _events(db, "user.update", user.id)
    assert event.actor_id == admin.id
    assert event.before == {"role": "officer", "member_id": member.id, "name": ""}
    assert event.after == {"role": "coordinator", "member_id": None, "name": "Neue Koordinatorin"}


def test_the_email_address_cannot_be_changed_through_the_edit_form(client, as_role, make_user, db):
    user = make_user("coordinator", email="bleibt@einkauf.example")
    as_role("admin")
    client.post(f"/zugaenge/{user.id}", data=_edit_data(user, email="anders@einkauf.example", name="X"))
    assert _user(db, "bleibt@einkauf.example").name == "X"
    assert _user(db, "anders@einkauf.example") is None


def test_a_stale_version_is_refused_with_409_and_the_input_is_kept(client, app, as_role, make_user, db):
    user = make_user("coordinator")
    as_role("admin")
    stale = _edit_data(user, name="Meine Eingabe")
    other_admin = make_user("admin")
    other = _second_browser(app, other_admin)
    assert other.post(f"/zugaenge/{user.id}", data=_edit_data(user, name="Zuerst gespeichert")).status_code == 302
    response = client.post(f"/zugaenge/{user.id}", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert StaleVersion().message in html
    assert 'value="Meine Eingabe"' in html  # the input is still there
    assert "Zuerst gespeichert" in html  # and what is stored now is shown next to it
    assert _user(db, user.email).name == "Zuerst gespeichert"
    # saving again from the re-shown form (now based on the current version) works
    assert 'name="version" type="hidden" value="2"' in html
    assert client.post(f"/zugaenge/{user.id}", data={**stale, "version": "2"}).status_code == 302
    assert _user(db, user.email).name == "Meine Eingabe"


def test_a_missing_or_garbled_version_counts_as_stale(client, as_role, make_user, db):
    user = make_user("coordinator")
    as_role("admin")
    for version in ("", "abc", "-1", "9" * 40, "\u0661"):
        response = client.post(f"/zugaenge/{user.id}", data=_edit_data(user, name="X", version=version))
        assert response.status_code == 409
    assert _user(db, user.email).name == ""


def test_admin_cannot_deactivate_or_demote_themselves(client, as_role, db):
    admin = as_role("admin")
    for data in (_edit_data(admin, active=""), _edit_data(admin, role="coordinator")):
        response = client.post(f"/zugaenge/{admin.id}", data=data)
        assert "Sie können sich nicht selbst deaktivieren" in response.get_data(as_text=True)
    admin = _user(db, admin.email)
    assert admin.active and admin.role == Role.ADMIN
    # renaming oneself is fine, and one stays signed in
    assert client.post(f"/zugaenge/{admin.id}", data=_edit_data(admin, name="Chefin")).status_code == 302
    assert client.get("/zugaenge").status_code == 200


def test_deactivation_by_an_admin_ends_the_users_sessions_at_once(client, app, as_role, make_user, db):
    user = make_user("coordinator")
    browser = _second_browser(app, user)
    old_cookie = browser.get_cookie(COOKIE).value
    as_role("admin")
    assert client.post(f"/zugaenge/{user.id}", data=_edit_data(user, active="")).status_code == 302
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")
    browser.set_cookie(COOKIE, old_cookie)
    assert browser.get("/").status_code == 302
    # and the deactivated user cannot sign in again
    again = app.test_client().post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert again.status_code == 200
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt." in again.get_data(as_text=True)
    event, = _events(db, "user.update", user.id)
    assert event.before == {"active": True} and event.after == {"active": False}


@pytest.mark.parametrize("change", [{"role": "finance"}, {"member_ags": "05911000"}])
def test_a_change_of_role_or_member_binding_ends_the_users_sessions(client, app, as_role, make_user,
                                                                   make_member, change):
    make_member(ags="05911000", name="Bochum")
    user = make_user("finance") if "member_ags" in change else make_user("coordinator")
    browser = _second_browser(app, user)
    old_cookie = browser.get_cookie(COOKIE).value
    as_role("admin")
    assert client.post(f"/zugaenge/{user.id}", data=_edit_data(user, **change)).status_code == 302
    browser.set_cookie(COOKIE, old_cookie)
    assert browser.get("/").status_code == 302


def test_renaming_a_user_keeps_their_sessions(client, app, as_role, make_user):
    user = make_user("coordinator")
    browser = _second_browser(app, user)
    as_role("admin")
    assert client.post(f"/zugaenge/{user.id}", data=_edit_data(user, name="Nur umbenannt")).status_code == 302
    assert browser.get("/").status_code == 200


# --- password reset -------------------------------------------------------------------------

def test_admin_resets_a_password_the_old_one_stops_working_and_sessions_end(client, app, as_role, make_user, db):
    user = make_user("finance")
    browser = _second_browser(app, user)
    admin = as_role("admin")
    response = client.post(f"/zugaenge/{user.id}/passwort",
                           data={"new_password": "neues-geheimnis-7", "confirm": "neues-geheimnis-7"})
    assert response.status_code == 302
    assert browser.get("/").status_code == 302  # their open session ended
    fresh = app.test_client()
    assert fresh.post("/anmelden", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post("/anmelden", data={"email": user.email, "password": "neues-geheimnis-7"}).status_code == 302
    event, = _events(db, "user.password", user.id)
    assert event.actor_id == admin.id
    assert "neues-geheimnis" not in repr((event.before, event.after, event.summary))
    assert _user(db, user.email).password_hash.startswith("$argon2id$")


def test_password_reset_needs_matching_acceptable_passwords(client, as_role, make_user, db):
    user = make_user("finance")
    hash_before = user.password_hash
    as_role("admin")
    html = client.post(
        f"/zugaenge/{user.id}/passwort", data={"new_password": "neues-geheimnis-7", "confirm": "anderes-geheimnis"}
    ).get_data(as_text=True)
    assert "Die Passwörter stimmen nicht überein." in html
    html = client.post(f"/zugaenge/{user.id}/passwort", data={"new_password": "kurz", "confirm": "kurz"}).get_data(
        as_text=True
    )
    assert "Das Passwort muss 8 bis 128 Zeichen lang sein." in html
    assert _user(db, user.email).password_hash == hash_before


def test_admin_resetting_their_own_password_stays_signed_in_here(client, as_role):
    admin = as_role("admin")
    response = client.post(f"/zugaenge/{admin.id}/passwort",
                           data={"new_password": "neues-geheimnis-7", "confirm": "neues-geheimnis-7"})
    assert response.status_code == 302
    assert client.get("/zugaenge").status_code == 200
