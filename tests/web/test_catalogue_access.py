"""Only coordinators reach the catalogue; everyone else gets 403, anonymous visitors sign in first."""
import pytest
from sqlalchemy import func, select

from einkauf.catalogue.models import Category

CATALOGUE_ROUTES = [
    ("GET", "/warengruppen"),
    ("GET", "/warengruppen/neu"),
    ("POST", "/warengruppen/neu"),
    ("GET", "/warengruppen/{category}"),
    ("POST", "/warengruppen/{category}"),
    ("GET", "/artikel"),
    ("GET", "/artikel/neu"),
    ("POST", "/artikel/neu"),
    ("GET", "/artikel/{product}"),
    ("POST", "/artikel/{product}"),
    ("GET", "/cpv"),
]

ENDPOINTS = {"catalogue.category_list", "catalogue.category_new", "catalogue.category_edit",
             "catalogue.product_list", "catalogue.product_new", "catalogue.product_edit", "catalogue.cpv_list"}


@pytest.fixture
def urls(make_product):
    product = make_product()
    return {"category": product.category_id, "product": product.id}


def test_every_catalogue_route_is_in_this_matrix(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("catalogue.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    expected = {(m, p.replace("{category}", "<int:category_id>").replace("{product}", "<int:product_id>"))
                for m, p in CATALOGUE_ROUTES}
    assert routes == expected
    assert {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("catalogue.")} == ENDPOINTS


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
@pytest.mark.parametrize(("method", "path"), CATALOGUE_ROUTES)
def test_other_roles_are_refused_with_403(client, as_role, urls, role, method, path):
    as_role(role)
    response = client.open(path.format(**urls), method=method,
                           data={"name": "Unerlaubt", "cpv_code": "30192000-1", "sort_order": "1"})
    assert response.status_code == 403
    assert "Kein Zugriff" in response.get_data(as_text=True)


def test_a_finance_user_bound_to_a_member_is_refused_too(client, as_role, make_member, urls):
    as_role("finance", member=make_member())
    assert client.get("/warengruppen").status_code == 403


@pytest.mark.parametrize(("method", "path"), CATALOGUE_ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, urls, method, path):
    response = client.open(path.format(**urls), method=method, data={"name": "Anonym"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


@pytest.mark.parametrize(("method", "path"), [r for r in CATALOGUE_ROUTES if r[0] == "GET"])
def test_coordinators_see_every_catalogue_page(client, as_role, urls, method, path):
    as_role("coordinator")
    response = client.get(path.format(**urls))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1" in html
    assert 'style="' not in html and "<script" not in html  # CSP forbids both


def test_a_refused_post_changes_nothing(client, as_role, db, cpv):
    cpv()
    as_role("officer")
    client.post("/warengruppen/neu", data={"name": "Heimlich", "cpv_code": "30192000-1", "sort_order": "1"})
    assert db.scalar(select(func.count()).select_from(Category).where(Category.name == "Heimlich")) == 0


def test_the_navigation_shows_catalogue_links_to_coordinators_only(client, as_role):
    as_role("coordinator")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/warengruppen"' in html and 'href="/artikel"' in html


def test_unknown_ids_give_404(client, as_role):
    as_role("coordinator")
    assert client.get("/warengruppen/987654").status_code == 404
    assert client.get("/artikel/987654").status_code == 404
    assert client.post("/artikel/987654", data={}).status_code == 404
