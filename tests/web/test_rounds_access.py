"""Members, delivery sites and rounds — and the demand overview of a round — are for the
cooperative's coordinators only."""
import pytest

from einkauf.demand.coordination_views import bp as coordination_bp
from einkauf.rounds.views import bp

BLUEPRINTS = {bp.name, coordination_bp.name}


@pytest.fixture
def urls(make_member, make_round):
    member = make_member()
    site = member.delivery_sites[0]
    draft = make_round()
    running = make_round(code="OFFEN", opened=True)
    return {
        "rounds.member_list": ("GET", "/mitglieder"),
        "rounds.member_new": ("GET", "/mitglieder/neu"),
        "rounds.member_edit": ("GET", f"/mitglieder/{member.id}"),
        "rounds.site_new": ("GET", f"/mitglieder/{member.id}/lieferstellen/neu"),
        "rounds.site_edit": ("GET", f"/mitglieder/{member.id}/lieferstellen/{site.id}"),
        "rounds.round_list": ("GET", "/runden"),
        "rounds.round_new": ("GET", "/runden/neu"),
        "rounds.round_detail": ("GET", f"/runden/{draft.id}"),
        "rounds.round_edit": ("GET", f"/runden/{draft.id}/bearbeiten"),
        "rounds.round_open": ("POST", f"/runden/{draft.id}/oeffnen"),
        "coordination.round_close": ("GET", f"/runden/{running.id}/schliessen"),
        "coordination.round_overview": ("GET", f"/runden/{draft.id}/uebersicht"),
        "coordination.submission_reopen": ("GET", f"/runden/{draft.id}/mitglieder/{member.id}/wieder-oeffnen"),
        "rounds.round_extend": ("GET", f"/runden/{draft.id}/frist-verlaengern"),
        "rounds.round_value_basis": ("POST", f"/runden/{draft.id}/massgeblicher-wert"),
    }


def test_every_route_of_the_blueprints_is_in_this_matrix(app, urls):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in BLUEPRINTS}
    assert endpoints == set(urls)


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_other_roles_are_refused_on_every_route(client, as_role, urls, role):
    as_role(role)
    for endpoint, (method, url) in urls.items():
        response = client.open(url, method=method, data={} if method == "POST" else None)
        assert response.status_code == 403, endpoint


def test_officers_cannot_post_the_forms_either(client, as_role, urls, db):
    as_role("officer")
    for endpoint in ("rounds.member_new", "rounds.member_edit", "rounds.site_new", "rounds.site_edit",
                     "rounds.round_new", "rounds.round_edit"):
        _, url = urls[endpoint]
        response = client.post(url, data={"ags": "05334002", "name": "Übernahme", "code": "X", "version": "1"})
        assert response.status_code == 403, endpoint


def test_anonymous_visitors_are_sent_to_sign_in(client, urls):
    for endpoint, (method, url) in urls.items():
        response = client.open(url, method=method)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/anmelden"), endpoint


def test_coordinators_reach_every_page(client, as_role, urls):
    as_role("coordinator")
    for endpoint, (method, url) in urls.items():
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_coordinators_see_members_and_rounds_in_the_navigation(client, as_role):
    as_role("coordinator")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/runden"' in html and 'href="/mitglieder"' in html


def test_officers_do_not_see_members_and_rounds_in_the_navigation(client, as_role):
    as_role("officer")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/runden"' not in html and 'href="/mitglieder"' not in html
