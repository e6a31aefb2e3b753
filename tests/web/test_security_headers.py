"""Browser security: headers on every page, cookie flags, and German error pages without internals."""
from __future__ import annotations

import pytest

from einkauf.app import create_app

PASSWORD = "richtig-geheim-1"


def _directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/anmelden", "/", "/gibt-es-nicht"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["object-src"] == "object-src 'none'"
    assert "base-uri" in csp and "frame-ancestors" in csp
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_carry_the_security_headers(client, as_role):
    as_role("admin")
    for path in ("/zugaenge", "/protokoll"):
        response = client.get(path)
        assert response.status_code == 200
        assert "object-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/anmelden").headers
    secure = client.get("/anmelden", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("coordinator")
    response = client.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("einkauf_session="))
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


def test_the_session_cookie_is_secure_outside_development(app_config, make_user, monkeypatch):
    monkeypatch.setenv("EINKAUF_ENV", "production")
    app = create_app(app_config)
    user = make_user("coordinator")
    response = app.test_client().post("/anmelden", data={"email": user.email, "password": PASSWORD},
                                      base_url="https://localhost")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("einkauf_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_an_unknown_address_gets_a_german_page(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Nicht gefunden" in html and 'lang="de"' in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_an_unexpected_error_shows_a_generic_german_page_without_internals(app_config):
    app = create_app({**app_config, "TESTING": False})

    def broken():
        raise RuntimeError("geheime interne Einzelheit /srv/einkauf/config.py")

    app.add_url_rule("/kaputt", "kaputt", broken)
    response = app.test_client().get("/kaputt")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Interner Fehler" in html
    assert "geheime interne Einzelheit" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert not app.debug
