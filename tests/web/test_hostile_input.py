"""A hostile-input corpus over every route of `app.url_map` (issue 11, items 3 and 4).

Ids beyond the column range, NUL and other control characters, numbers no column holds,
invalid UTF-8, field floods and oversized bodies go to every page and every form, signed in
as someone the access matrix lets in. Whatever comes back, it is never a 500. A route added
later is covered without a change here: the routes come from the URL map, the field names
from the page's own HTML (for a route without a GET page, from a generic list).
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import event
from test_access_matrix import MATRIX, VISITORS
from werkzeug.routing.converters import NumberConverter

from einkauf.boundary import MAX_ID, BoundedIdConverter
from einkauf.db import IN_CHUNK

OVERFLOW_IDS = [MAX_ID + 1, 2**63, 10**30, 0]
HOSTILE_VALUES = [
    "\x00", "a\x00b@einkauf.example", "\x01\x07\x1b[31m\x7f", "9223372036854775808", "2147483648",
    "-2147483649", "NaN", "sNaN", "-0", "1e999", "\u0661\u0662\u0663", "x" * 3000, "' OR 1=1 --",
    "<script>alert(1)</script>", "../../etc/passwd",
]
# Field names tried on every form besides the ones the page itself shows.
GENERIC_FIELDS = ["q", "page", "next", "version", "email", "password", "name", "reason", "lang", "add_row",
                  "member_ags", "role", "category_id", "product_id", "site", "l-1-0-qty", "l-99999999-0-qty"]
NAME_RE = re.compile(r'name="([^"]{1,80})"')


def _role_for(endpoint: str, method: str) -> str:
    """The first visitor the access matrix lets through (anonymous for public pages)."""
    _args, expected = MATRIX[(endpoint, method)]
    if expected[0] != 302 or endpoint == "home.set_language":
        return "anonymous"
    for visitor in ("coordinator", "admin", "officer", "finance"):
        if expected[VISITORS.index(visitor)] != 403:
            return visitor
    return "coordinator"


@pytest.fixture
def signed_in(client, world, make_user, sign_in, db):
    from einkauf.rounds.models import Member

    def go(visitor: str):
        if visitor != "anonymous":
            member = db.get(Member, world["own_member"]) if visitor == "officer" else None
            sign_in(make_user(visitor, member=member))
        return client

    return go


def _url(app, world, endpoint: str, args: dict, **override) -> str:
    values = {k: world.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
    values.update(override)
    with app.test_request_context():
        return url_for(endpoint, **values)


def _status(response) -> int:
    response.get_data()
    response.close()
    return response.status_code


def _field_names(client, url: str) -> list[str]:
    response = client.get(url)
    html = response.get_data(as_text=True) if response.status_code == 200 and response.mimetype == "text/html" else ""
    response.close()
    return sorted(set(NAME_RE.findall(html)) | set(GENERIC_FIELDS))


def _urlencoded(names: list[str], value: str) -> str:
    return "&".join(f"{quote(name)}={quote(value)}" for name in names)


# --- ids ----------------------------------------------------------------------------------------

def test_every_number_in_a_route_is_a_bounded_id(app):
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, NumberConverter):
                assert isinstance(converter, BoundedIdConverter), f"{rule.rule}: <{name}> ist nicht begrenzt"
                assert (converter.min, converter.max) == (1, MAX_ID)


ID_ROUTES = sorted(key for key in MATRIX if re.search(r"_id\b|\bid\b", " ".join(MATRIX[key][0])))


@pytest.mark.parametrize(("endpoint", "method"), ID_ROUTES)
def test_ids_beyond_the_column_range_are_not_found(app, world, signed_in, endpoint, method):
    args, _expected = MATRIX[(endpoint, method)]
    client = signed_in(_role_for(endpoint, method))
    for name in [k for k in args if k.endswith("_id")]:
        for value in OVERFLOW_IDS:
            url = _url(app, world, endpoint, args, **{name: value})
            assert _status(client.open(url, method=method)) == 404, f"{method} {url}"
        # the largest id the column holds is simply unknown
        url = _url(app, world, endpoint, args, **{name: MAX_ID})
        assert _status(client.open(url, method=method)) in (302, 303, 400, 403, 404, 409), f"{method} {url}"


def test_every_route_with_an_id_is_in_the_corpus(app):
    with_ids = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                for method in rule.methods - {"HEAD", "OPTIONS"}
                if any(isinstance(c, NumberConverter) for c in rule._converters.values())}
    assert with_ids <= set(ID_ROUTES)


# --- text, numbers and encodings in every field ------------------------------------------------------

@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_hostile_values_in_every_field_never_give_a_500(app, world, signed_in, endpoint, method):
    args, _expected = MATRIX[(endpoint, method)]
    role = _role_for(endpoint, method)
    client = signed_in(role)
    url = _url(app, world, endpoint, args)
    names = _field_names(client, url) if ("GET" in _methods(app, endpoint)) else list(GENERIC_FIELDS)
    failures = []
    for value in HOSTILE_VALUES:
        body = _urlencoded(names, value)
        if method == "GET":
            response = client.get(f"{url}?{body}")
        else:
            response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        if _status(response) >= 500:
            failures.append((value[:20], response.status_code))
        if endpoint == "auth.sign_out":
            client = signed_in(role)  # signed out now: sign in again for the next value
    # percent-escapes of invalid UTF-8 (a lone surrogate), raw invalid bytes, and multipart
    raw = "&".join(f"{quote(name)}=%ED%A0%80" for name in names)
    for response in (client.open(f"{url}?{raw}", method=method),
                     client.open(url, method=method, data=raw, content_type="application/x-www-form-urlencoded"),
                     client.open(url, method=method, data=b"q=\xff\xfe\x00",
                                 content_type="application/x-www-form-urlencoded"),
                     client.open(url, method=method, data=_multipart(dict.fromkeys(names, "\x00\x01"))[0],
                                 content_type=_multipart({})[1])):
        if _status(response) >= 500:
            failures.append(("encoding", response.status_code))
    assert failures == [], f"{method} {endpoint}"


def _methods(app, endpoint: str) -> set[str]:
    return {m for rule in app.url_map.iter_rules() if rule.endpoint == endpoint for m in rule.methods}


@pytest.mark.parametrize("path", ["/static/a%00b.css", "/assets/kern/a%00.css", "/static/%2e%2e/%2e%2e/x",
                                  "/finanzen/runden/1/export.%00", "/runden/1%00", "/%00"])
def test_control_characters_in_paths_are_not_found(client, path):
    assert _status(client.get(path)) == 404


def test_nul_in_the_sign_in_address_is_an_ordinary_failed_sign_in(client, make_user, db):
    from sqlalchemy import select

    from einkauf.auth.models import SignInFailure

    user = make_user("coordinator")
    response = client.post("/anmelden", data={"email": user.email[:3] + "\x00" + user.email[3:],
                                              "password": "falsch-falsch"})
    assert response.status_code == 200
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt." in response.get_data(as_text=True)
    recorded = db.scalars(select(SignInFailure.email)).all()
    assert recorded == [user.email]  # the NUL was stripped at the boundary


@pytest.mark.parametrize("path", ["/artikel", "/warengruppen", "/cpv", "/zugaenge"])
def test_nul_in_a_search_finds_what_the_text_without_it_finds(client, as_role, path):
    as_role("admin" if path == "/zugaenge" else "coordinator")
    assert client.get(f"{path}?q=%00").status_code == 200
    assert client.get(f"{path}?q=a%00b%01&page=%00").status_code == 200


def test_control_characters_are_stripped_but_tabs_and_newlines_kept(app):
    with app.test_request_context("/?q=a%00b%07c%09d%0ae%0df%1bg%7fh", method="POST",
                                  data={"t": "x\x00y\r\nz\tw", "k\x00ey": "v"}):
        from flask import request

        assert request.args["q"] == "abc\td\ne\rfgh"
        assert request.form["t"] == "xy\r\nz\tw"
        assert request.form["key"] == "v"


# --- floods and oversized bodies ---------------------------------------------------------------------

POST_ROUTES = sorted(key for key in MATRIX if key[1] == "POST")
# Pages whose legitimate forms are longer raise the cap for their request; they get a bigger flood.
LONG_FORMS = {"demand.category": 20_000, "lots.rules": 20_000}


@pytest.fixture
def csrf_signed_in(app_config, world, make_user, db):
    """A client of an app with CSRF protection on (as in production: the protection reads every
    posted form before the view), signed in as the visitor."""
    from einkauf.app import create_app
    from einkauf.rounds.models import Member

    from support import csrf_token_from

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})

    def go(visitor: str):
        client = app.test_client()
        if visitor != "anonymous":
            member = db.get(Member, world["own_member"]) if visitor == "officer" else None
            user = make_user(visitor, member=member)
            token = csrf_token_from(client.get("/anmelden").get_data(as_text=True))
            response = client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1",
                                                      "csrf_token": token})
            assert response.status_code == 302
        return app, client

    return go


@pytest.mark.parametrize(("endpoint", "method"), POST_ROUTES)
def test_a_flood_of_fields_is_refused_with_413(world, csrf_signed_in, endpoint, method):
    args, _expected = MATRIX[(endpoint, method)]
    app, client = csrf_signed_in(_role_for(endpoint, method))
    url = _url(app, world, endpoint, args)
    fields = LONG_FORMS.get(endpoint, app.config["MAX_FORM_PARTS"]) + 1
    response = client.post(url, data="&".join(f"f{n}=1" for n in range(fields)),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413, endpoint
    assert "zu viele Felder" in response.get_data(as_text=True)
    body, content_type = _multipart({f"f{n}": "1" for n in range(fields)})
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 413, endpoint


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a large one to a file)."""
    boundary = "----einkauf-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"


def test_a_body_over_the_limit_is_refused_with_its_real_size(app, client, as_role):
    as_role("coordinator")
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/warengruppen/neu", data=b"name=" + b"x" * (3 * 1024 * 1024),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Die Anfrage ist 3,0 MB groß; erlaubt sind höchstens 1 MB." in text


def test_one_form_field_over_the_text_limit_is_refused(app, client, as_role):
    as_role("coordinator")
    response = client.post("/warengruppen/neu", data=b"name=" + b"x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


# --- the category page: rows of products not on the page ---------------------------------------------

@pytest.fixture
def statements(engine):
    """The largest number of bound parameters of any statement executed while it is active."""
    seen = {"max": 0}

    def count(conn, cursor, statement, parameters, context, executemany):
        if not executemany and parameters:
            seen["max"] = max(seen["max"], len(parameters))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_rows_of_products_not_on_the_page_are_refused_before_any_query(app, client, world, signed_in, db,
                                                                       statements):
    from sqlalchemy import func, select

    from einkauf.demand.models import DemandLine

    client = signed_in("officer")
    url = _url(app, world, "demand.category", {"round_id": "open_round", "category_id": "category"})
    site = world["own_site"]
    rows = [f"l-{900000 + n}-0-qty=1&l-{900000 + n}-0-site={site}" for n in range(45)]
    body = f"version=0&l-{world['product']}-0-qty=2&l-{world['product']}-0-site={site}&" + "&".join(rows)
    response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Unbekannter oder nicht bestellbarer Artikel." in html
    assert "25 weitere Zeilen nennen Artikel, die nicht auf dieser Seite stehen." in html
    assert db.scalar(select(func.count()).select_from(DemandLine)) == 0
    assert statements["max"] <= IN_CHUNK


def test_the_largest_legitimate_category_page_fits_its_form_caps(app, client, db, make_category, make_product,
                                                                make_round, make_member, make_user, sign_in):
    """300 products with two lines each and one empty row: every field is accepted and saved."""
    from sqlalchemy import func, select

    from einkauf.demand.models import DemandLine

    member = make_member(sites=1)
    category = make_category()
    products = [make_product(category=category) for _ in range(300)]
    rnd = make_round(opened=True)
    sign_in(make_user("officer", member=member))
    site = member.delivery_sites[0].id
    fields = ["version=0"]
    for product in products:
        for n, cc in enumerate(("KST-1", "KST-2")):
            fields += [f"l-{product.id}-{n}-site={site}", f"l-{product.id}-{n}-qty=1", f"l-{product.id}-{n}-cc={cc}",
                       f"l-{product.id}-{n}-ba=5210", f"l-{product.id}-{n}-note=Hinweis"]
        fields += [f"l-{product.id}-2-{name}=" for name in ("site", "qty", "cc", "ba", "note")]
    assert len(fields) > app.config["MAX_FORM_PARTS"]
    response = client.post(f"/bedarf/{rnd.id}/warengruppen/{category.id}", data="&".join(fields),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert db.scalar(select(func.count()).select_from(DemandLine)) == 600


def test_a_long_legitimate_form_passes_the_csrf_check_under_its_own_cap(world, csrf_signed_in):
    """CSRFProtect reads the form before the view: the page's raised cap must already apply then."""
    from support import csrf_token_from

    app, client = csrf_signed_in("coordinator")
    url = _url(app, world, "lots.rules", {"round_id": "draft_round"})
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    rows = "&".join(f"categories-{n}-category_id=&categories-{n}-group=" for n in range(1500))
    response = client.post(url, data=f"csrf_token={token}&version=0&{rows}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code != 413
    assert response.status_code < 500
