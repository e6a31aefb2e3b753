"""After sign-in, `next` leads only to a path on this site; every form that a browser would
turn into another site falls back to the start page."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

PASSWORD = "richtig-geheim-1"

LEAVING_THE_SITE = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "///evil.example",
    "%0d%0a",
    "/%0d%0aSet-Cookie:x=y".replace("%0d%0a", "\r\n"),
    "evil.example",
    "",
]


def _sign_in_with_next(client, user, target: str):
    return client.post("/anmelden", data={"email": user.email, "password": PASSWORD, "next": target})


@pytest.mark.parametrize("target", LEAVING_THE_SITE)
def test_next_that_would_leave_the_site_falls_back_to_the_start_page(client, make_user, target):
    user = make_user("coordinator")
    response = _sign_in_with_next(client, user, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_local_path_with_query_is_kept(client, make_user):
    user = make_user("coordinator")
    response = _sign_in_with_next(client, user, "/mitglieder?page=2")
    assert response.headers["Location"] == "/mitglieder?page=2"


def test_encoded_slashes_stay_a_path_on_this_site(client, make_user):
    """'/%2F%2Fevil.example' is a path on this host: browsers do not decode %2F when resolving
    the Location header, so it is kept and resolves to our own host (where it is a 404)."""
    user = make_user("coordinator")
    response = _sign_in_with_next(client, user, "/%2F%2Fevil.example")
    location = response.headers["Location"]
    assert location == "/%2F%2Fevil.example"
    assert urlsplit(urljoin("https://einkauf.example/anmelden", location)).netloc == "einkauf.example"
    assert client.get(location).status_code == 404


def test_next_from_the_query_string_survives_the_sign_in_form(client, make_user):
    user = make_user("coordinator")
    html = client.get("/anmelden?next=/zugaenge%3Fq%3Dx").get_data(as_text=True)
    assert 'value="/zugaenge?q=x"' in html
    assert _sign_in_with_next(client, user, "/zugaenge?q=x").headers["Location"] == "/zugaenge?q=x"


def test_a_signed_in_user_visiting_sign_in_is_not_sent_elsewhere(client, make_user, sign_in):
    sign_in(make_user("coordinator"))
    response = client.get("/anmelden?next=//evil.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client, make_user):
    user = make_user("admin")
    response = client.get("/zugaenge?q=abc")
    location = response.headers["Location"]
    assert location.startswith("/anmelden?next=")
    html = client.get(location).get_data(as_text=True)
    assert 'value="/zugaenge?q=abc"' in html
    assert _sign_in_with_next(client, user, "/zugaenge?q=abc").headers["Location"] == "/zugaenge?q=abc"


def test_the_language_switch_also_refuses_foreign_targets(client):
    response = client.post("/sprache", data={"lang": "en", "next": "/\\evil.example"})
    assert response.headers["Location"] == "/"
