"""Behind a reverse proxy (EINKAUF_TRUSTED_PROXIES): X-Forwarded-For and X-Forwarded-Proto are
believed only when proxies are configured, and then only as many hops as configured."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from einkauf.app import create_app
from einkauf.auth.models import SignInFailure
from einkauf.config import ConfigError, load_config

FORWARDED = {"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"}


def _fail_sign_in(client, headers, remote="10.0.0.1"):
    return client.post("/anmelden", data={"email": "jemand@einkauf.example", "password": "falsch-falsch"},
                       headers=headers, environ_base={"REMOTE_ADDR": remote})


def test_without_a_configured_proxy_forwarded_headers_are_ignored(client, db):
    response = _fail_sign_in(client, FORWARDED)
    assert "Strict-Transport-Security" not in response.headers
    assert db.scalars(select(SignInFailure.address)).all() == ["10.0.0.1"]


def test_with_one_trusted_proxy_the_client_address_and_scheme_are_the_forwarded_ones(app_config, db):
    client = create_app({**app_config, "TRUSTED_PROXIES": 1}).test_client()
    response = _fail_sign_in(client, FORWARDED)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert db.scalars(select(SignInFailure.address)).all() == ["198.51.100.23"]


def test_a_client_cannot_spoof_its_address_through_the_proxy(app_config, db):
    """The proxy appends the address it saw; only that last hop is believed."""
    client = create_app({**app_config, "TRUSTED_PROXIES": 1}).test_client()
    _fail_sign_in(client, {"X-Forwarded-For": "1.2.3.4, 198.51.100.23"})
    assert db.scalars(select(SignInFailure.address)).all() == ["198.51.100.23"]


def test_the_per_address_limit_counts_the_client_behind_the_proxy(app_config, db, make_user):
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    client = app.test_client()
    user = make_user("coordinator")
    for n in range(20):
        client.post("/anmelden", data={"email": f"rate{n}@einkauf.example", "password": "falsch-falsch"},
                    headers={"X-Forwarded-For": "192.0.2.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    # another client behind the same proxy is not blocked ...
    ok = client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1"},
                     headers={"X-Forwarded-For": "192.0.2.8"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert ok.status_code == 302
    # ... the guessing one is
    blocked = app.test_client().post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1"},
                                     headers={"X-Forwarded-For": "192.0.2.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in blocked.get_data(as_text=True)


def test_redirects_stay_relative_behind_a_proxy(app_config):
    client = create_app({**app_config, "TRUSTED_PROXIES": 1}).test_client()
    response = client.get("/", headers={**FORWARDED, "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


@pytest.mark.parametrize("value", ["zwei", "-1", "11", "1.5"])
def test_an_unusable_proxy_count_is_a_german_configuration_error(monkeypatch, value):
    monkeypatch.setenv("EINKAUF_TRUSTED_PROXIES", value)
    with pytest.raises(ConfigError, match="EINKAUF_TRUSTED_PROXIES"):
        load_config({"TESTING": True})


def test_the_proxy_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("EINKAUF_TRUSTED_PROXIES", "2")
    assert load_config({"TESTING": True})["TRUSTED_PROXIES"] == 2
    monkeypatch.delenv("EINKAUF_TRUSTED_PROXIES")
    assert load_config({"TESTING": True})["TRUSTED_PROXIES"] == 0
