"""Sessions end on the server: a copied cookie is worthless after logout, password change or
deactivation, and signing in always starts a new session."""
from __future__ import annotations

from einkauf.auth.models import User

PASSWORD = "richtig-geheim-1"
COOKIE = "einkauf_session"


def _signed_in_browser(app, user, password: str = PASSWORD):
    browser = app.test_client()
    assert browser.post("/anmelden", data={"email": user.email, "password": password}).status_code == 302
    assert browser.get("/").status_code == 200
    return browser


def _is_sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/anmelden")


def test_logout_invalidates_the_session_on_the_server(client, make_user, sign_in):
    user = make_user("coordinator")
    sign_in(user)
    stolen = client.get_cookie(COOKIE).value
    assert client.get("/").status_code == 200
    response = client.post("/abmelden")
    assert _is_sent_to_sign_in(response)
    client.set_cookie(COOKIE, stolen)  # replay the cookie from before the logout
    assert _is_sent_to_sign_in(client.get("/"))


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, client, make_user, sign_in, db):
    user = make_user("coordinator")
    sign_in(user)
    other = app.test_client()  # a second browser holding the same session (or a stolen copy of it)
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    assert other.get("/").status_code == 200
    response = client.post("/konto/passwort", data={"current_password": PASSWORD, "new_password": "neues-geheimnis-7",
                                                    "confirm": "neues-geheimnis-7"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert _is_sent_to_sign_in(other.get("/"))  # the other one is out
    db.expire_all()
    assert db.get(User, user.id).password_hash.startswith("$argon2id$")
    fresh = app.test_client()
    assert fresh.post("/anmelden", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post("/anmelden", data={"email": user.email, "password": "neues-geheimnis-7"}).status_code == 302


def test_changing_the_password_needs_the_current_one(client, make_user, sign_in):
    user = make_user("coordinator")
    sign_in(user)
    response = client.post(
        "/konto/passwort",
        data={"current_password": "falsch-falsch", "new_password": "neues-geheimnis-7", "confirm": "neues-geheimnis-7"},
    )
    assert response.status_code == 200
    assert "Das bisherige Passwort ist nicht korrekt." in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_deactivation_by_an_admin_makes_a_replayed_cookie_worthless(app, client, make_user, as_role):
    user = make_user("finance")
    victim = _signed_in_browser(app, user)
    stolen = victim.get_cookie(COOKIE).value
    as_role("admin")
    response = client.post(f"/zugaenge/{user.id}", data={"name": "", "role": "finance", "member_ags": "",
                                                         "version": str(user.version)})  # "active" unticked
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen)
    assert _is_sent_to_sign_in(replay.get("/"))


def test_signing_in_starts_a_new_session(client, make_user):
    user = make_user("coordinator")
    client.get("/anmelden")
    with client.session_transaction() as session:
        session["planted"] = "vom Angreifer"
    before = client.get_cookie(COOKIE).value
    assert client.post("/anmelden", data={"email": user.email, "password": PASSWORD}).status_code == 302
    after = client.get_cookie(COOKIE).value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id", "").startswith(f"{user.id}:")


def test_a_cookie_fixed_before_sign_in_does_not_become_signed_in(app, client, make_user):
    """The attacker's copy of the pre-sign-in cookie stays anonymous after the victim signs in."""
    user = make_user("coordinator")
    client.get("/anmelden")
    with client.session_transaction() as session:
        session["planted"] = "x"
    fixed = client.get_cookie(COOKIE).value
    assert client.post("/anmelden", data={"email": user.email, "password": PASSWORD}).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, fixed)
    assert _is_sent_to_sign_in(attacker.get("/"))


def test_several_sessions_at_once_are_listed_and_each_can_be_ended(app, make_user):
    """Each sign-in is a session of its own: the earlier browser stays signed in; the account page
    lists both, this one marked; ending the other signs only that browser out."""
    user = make_user("coordinator")
    first = _signed_in_browser(app, user)
    second = _signed_in_browser(app, user)
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200
    page = second.get("/konto").get_data(as_text=True)
    assert "2 angemeldete Sitzungen" in page and 'id="this-session"' in page
    import re
    ids = re.findall(r'action="/konto/sitzungen/(\d+)/beenden"', page)
    this = re.search(r'id="this-session".*?action="/konto/sitzungen/(\d+)/beenden"', page, re.S).group(1)
    other = next(i for i in ids if i != this)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert second.post(f"/konto/sitzungen/{other}/beenden", data={"csrf_token": token}).status_code == 303
    assert _is_sent_to_sign_in(first.get("/"))
    assert second.get("/").status_code == 200
    # Another user's session, or one already ended: 404, nothing changes.
    assert second.post(f"/konto/sitzungen/{other}/beenden", data={"csrf_token": token}).status_code == 404
    # Ending this very session signs this browser out.
    response = second.post(f"/konto/sitzungen/{this}/beenden", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/anmelden")
    assert _is_sent_to_sign_in(second.get("/"))


def test_another_users_session_cannot_be_ended(app, make_user, db):
    from sqlalchemy import select

    from einkauf.auth.models import UserSession

    owner, intruder = make_user("finance"), make_user("finance")
    _signed_in_browser(app, owner)
    browser = _signed_in_browser(app, intruder)
    foreign = db.scalar(select(UserSession.id).where(UserSession.user_id == owner.id))
    page = browser.get("/konto").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post(f"/konto/sitzungen/{foreign}/beenden", data={"csrf_token": token}).status_code == 404
    db.expire_all()
    assert db.get(UserSession, foreign).revoked_at is None


def test_a_password_set_by_an_administrator_must_be_replaced_at_the_next_sign_in(app, client, make_user, as_role,
                                                                                  make_member):
    user = make_user("officer", member=make_member())
    as_role("admin")
    response = client.post(f"/zugaenge/{user.id}/passwort", data={"new_password": "vom-admin-gesetzt-1",
                                                                  "confirm": "vom-admin-gesetzt-1"})
    assert response.status_code == 302
    browser = _signed_in_browser_to(app, user, "vom-admin-gesetzt-1")
    for path in ("/", "/bedarf", "/konto"):
        page = browser.get(path)
        assert page.status_code == 303 and page.headers["Location"] == "/konto/passwort", path
    assert "Bitte wählen Sie zuerst ein eigenes Passwort" in browser.get("/konto/passwort").get_data(as_text=True)
    changed = browser.post("/konto/passwort", data={"current_password": "vom-admin-gesetzt-1",
                                                    "new_password": "selbst-gewaehlt-22",
                                                    "confirm": "selbst-gewaehlt-22"})
    assert changed.status_code == 302
    assert browser.get("/").status_code == 200


def _signed_in_browser_to(app, user, password: str):
    browser = app.test_client()
    assert browser.post("/anmelden", data={"email": user.email, "password": password}).status_code == 302
    return browser


def test_a_forged_session_id_is_not_accepted(app, make_user):
    user = make_user("admin")
    browser = app.test_client()
    browser.get("/anmelden")
    # The old two-part form, and the right generation with a guessed session key.
    for forged in (f"{user.id}:geratenes-token", f"{user.id}:{user.session_token}:geratener-schluessel"):
        with browser.session_transaction() as session:
            session["_user_id"] = forged
        assert _is_sent_to_sign_in(browser.get("/"))


def test_the_language_choice_survives_sign_in(client, make_user):
    user = make_user("coordinator")
    client.post("/sprache", data={"lang": "en", "next": "/anmelden"})
    client.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert session.get("locale") == "en"
