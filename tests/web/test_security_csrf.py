"""CSRF: with protection on (as in production), a POST without a valid token changes nothing;
button actions get a German 400 page, data-entry forms are shown again with the input kept."""
from __future__ import annotations

import re

import itsdangerous.timed
import pytest
from sqlalchemy import select

from einkauf.app import create_app
from einkauf.auth.models import User
from einkauf.forms import CSRF_EXPIRED

PASSWORD = "richtig-geheim-1"
SESSION_EXPIRED = "Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet."


def csrf_token_from(html: str) -> str:
    # (tests/conftest.py has the same helper, but `import conftest` is ambiguous once tests/browser has one too)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def csrf_app(app_config):
    return create_app({**app_config, "WTF_CSRF_ENABLED": True, "WTF_CSRF_TIME_LIMIT": 3600})


@pytest.fixture
def browser(csrf_app):
    return csrf_app.test_client()


def _sign_in(browser, user):
    token = csrf_token_from(browser.get("/anmelden").get_data(as_text=True))
    response = browser.post("/anmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return response


def _two_hours_later(monkeypatch):
    """Tokens signed now look two hours old (beyond WTF_CSRF_TIME_LIMIT, within the session lifetime)."""
    now = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: now(self) + 7200)


def test_sign_out_without_token_is_refused_with_a_german_page(browser, make_user):
    _sign_in(browser, make_user("coordinator"))
    response = browser.post("/abmelden")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert SESSION_EXPIRED in html and 'lang="de"' in html
    assert browser.get("/").status_code == 200  # still signed in: nothing happened


def test_sign_out_with_the_token_from_the_page_works(browser, make_user):
    _sign_in(browser, make_user("coordinator"))
    token = csrf_token_from(browser.get("/").get_data(as_text=True))
    response = browser.post("/abmelden", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/anmelden"
    assert browser.get("/").status_code == 302


def test_language_switch_without_token_is_refused(browser):
    browser.get("/anmelden")
    response = browser.post("/sprache", data={"lang": "en", "next": "/anmelden"})
    assert response.status_code == 400
    assert SESSION_EXPIRED in response.get_data(as_text=True)
    assert 'lang="de"' in browser.get("/anmelden").get_data(as_text=True)


def test_sign_in_without_token_shows_the_form_again_with_the_email_kept(browser, make_user):
    user = make_user("coordinator")
    browser.get("/anmelden")
    response = browser.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CSRF_EXPIRED in html
    assert f'value="{user.email}"' in html
    assert browser.get("/").status_code == 302  # not signed in
    # the form as shown again carries a fresh token that works
    again = browser.post("/anmelden", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token_from(html)})
    assert again.status_code == 302


def test_sign_in_with_an_expired_token_shows_the_form_again_with_the_email_kept(browser, make_user, monkeypatch):
    user = make_user("coordinator")
    token = csrf_token_from(browser.get("/anmelden").get_data(as_text=True))
    _two_hours_later(monkeypatch)
    response = browser.post("/anmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CSRF_EXPIRED in html
    assert f'value="{user.email}"' in html
    assert browser.get("/").status_code == 302


def test_sign_in_with_a_token_from_another_session_is_refused(csrf_app, browser, make_user):
    user = make_user("coordinator")
    foreign = csrf_token_from(csrf_app.test_client().get("/anmelden").get_data(as_text=True))
    browser.get("/anmelden")
    response = browser.post("/anmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": foreign})
    assert response.status_code == 200
    assert CSRF_EXPIRED in response.get_data(as_text=True)


def test_an_expired_token_on_a_data_entry_form_keeps_what_the_admin_typed(browser, make_user, db, monkeypatch):
    _sign_in(browser, make_user("admin"))
    token = csrf_token_from(browser.get("/zugaenge/neu").get_data(as_text=True))
    _two_hours_later(monkeypatch)
    response = browser.post("/zugaenge/neu", data={"email": "neu@einkauf.example", "name": "Erika Muster",
                                                   "role": "finance", "password": "anfang-geheim-9",
                                                   "csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CSRF_EXPIRED in html
    assert 'value="neu@einkauf.example"' in html and 'value="Erika Muster"' in html
    assert db.scalar(select(User).where(User.email == "neu@einkauf.example")) is None
