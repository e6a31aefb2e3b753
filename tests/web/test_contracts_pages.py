"""The contract pages (issue 13 part 8, issue 14 part 2): officers see their own member's awarded
lots with supplier and awarded prices, finance bound to a member likewise, coordinators choose a
member; nothing before the award decision, no other bid's price, bidder names escaped."""
from __future__ import annotations

import pytest

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.rounds.models import Member

from bids_support import FULL
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of

NASTY = """Müller <b>&"' GmbH"""
# Every price of both bids as a page would print it (German decimal comma).
PRICES = ("2,35", "7,1234", "39,9", "4,8765", "9,4321", "41,2345")


@pytest.fixture
def opened(db, bid_tender, make_user):
    """The tender with two bids (the cheaper by a bidder with a hostile name), opened."""
    return open_bids_of(db, bid_tender, make_user, ((NASTY, FULL), ("Büro Schulz KG", DEARER)))


@pytest.fixture
def cities(db, bid_tender) -> dict[str, Member]:
    return cities_of(db)


def _award(db, tender, ids):
    award_lot(db, "test", tender.id, "1", ids[NASTY], clarification=CLARIFIED)
    cancel_lot(db, "test", tender.id, "2", "Alle Angebote liegen über dem Budget <i>.")


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _no_prices(html: str) -> None:
    for text in PRICES:
        assert text not in html, f"price {text} visible"


def test_nothing_before_the_award_decision(client, db, bid_tender, opened, cities, as_role):
    as_role("officer", member=cities["Essen"])
    html = _html(client, "/bedarf/vertraege")
    assert "noch über kein Los entschieden" in html
    _no_prices(html)
    assert "Büro Schulz" not in html and "Müller" not in html


def test_the_officer_sees_the_supplier_and_the_awarded_prices_of_its_own_member(client, db, bid_tender, opened,
                                                                               cities, as_role):
    _award(db, bid_tender, opened)
    as_role("officer", member=cities["Essen"])
    assert '/bedarf/vertraege"' in _html(client, "/bedarf")
    html = _html(client, "/bedarf/vertraege")
    assert "Verträge: Essen BID" in html and bid_tender.reference in html
    assert "Müller &lt;b&gt;&amp;&#34;&#39; GmbH" in html and "<b>&" not in html
    assert "Hauptstr. 1<br>44135 Dortmund" in html and "angebote@example.org" in html
    # Essen's rows: 100,5 × 2,35 = 236,175 → 236,18 €; over four years 944,72 €; P-2 23,74 €.
    for text in ("2,3500 €", "7,1234 €", "236,18", "944,72", "23,74", "259,92", "1.039,68", "402", "483", "970"):
        assert text in html, text
    # The lot total against all members' annual values × 4 years: a rounding difference of −0,02 €.
    assert "2.088,74" in html and "2.088,76" in html and "-0,02" in html and "Rundungsdifferenz =" in html
    # The cancelled lot with its reason (escaped); Bochum's rows and the other bid are not shown.
    assert "Alle Angebote liegen über dem Budget &lt;i&gt;." in html
    assert "238,53" not in html and "Bochum" not in html
    for text in ("4,8765", "9,4321", "41,2345", "Büro Schulz"):
        assert text not in html


def test_finance_bound_to_a_member_sees_only_its_own(client, db, bid_tender, opened, cities, as_role):
    _award(db, bid_tender, opened)
    as_role("finance", member=cities["Bochum"])
    index = client.get("/finanzen/vertraege")
    assert index.status_code == 302 and index.headers["Location"].endswith(f"/finanzen/vertraege/{cities['Bochum'].id}")
    html = _html(client, f"/finanzen/vertraege/{cities['Bochum'].id}")
    assert "Verträge: Bochum BID" in html and "238,53" in html and "236,18" not in html
    assert "Anderes Mitglied wählen" not in html
    assert client.get(f"/finanzen/vertraege/{cities['Essen'].id}").status_code == 404


def test_an_officer_gets_404_for_another_members_contracts(client, db, bid_tender, opened, cities, as_role):
    _award(db, bid_tender, opened)
    as_role("officer", member=cities["Essen"])
    assert client.get(f"/finanzen/vertraege/{cities['Bochum'].id}").status_code == 404
    assert "236,18" in _html(client, f"/finanzen/vertraege/{cities['Essen'].id}")


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_coordinators_and_cooperative_finance_choose_a_member(client, db, bid_tender, opened, cities, as_role, role):
    _award(db, bid_tender, opened)
    as_role(role)
    chooser = _html(client, "/finanzen/vertraege")
    assert f'/finanzen/vertraege/{cities["Bochum"].id}"' in chooser and "Essen BID" in chooser
    html = _html(client, f"/finanzen/vertraege/{cities['Bochum'].id}")
    assert "238,53" in html and "Anderes Mitglied wählen" in html
    assert client.get("/finanzen/vertraege/999999").status_code == 404


def test_a_large_lot_is_folded(client, db, bid_tender, opened, cities, as_role, monkeypatch):
    from einkauf.contracts import views

    _award(db, bid_tender, opened)
    as_role("officer", member=cities["Essen"])
    assert '<details class="contracts-positions" open>' in _html(client, "/bedarf/vertraege")
    monkeypatch.setattr(views, "OPEN_UP_TO", 1)
    html = _html(client, "/bedarf/vertraege")
    assert '<details class="contracts-positions">' in html and "2 Positionen" in html


def test_the_page_speaks_english_after_the_language_button(client, db, bid_tender, opened, cities, as_role):
    _award(db, bid_tender, opened)
    as_role("officer", member=cities["Essen"])
    assert client.post("/sprache", data={"lang": "en", "next": "/bedarf/vertraege"}).status_code == 302
    html = _html(client, "/bedarf/vertraege")
    assert 'href="/bedarf/vertraege"' in html and ">Contracts<" in html
    assert "Awarded price (net)" in html and "Cancelled lots" in html and "rounding difference" in html
    assert "Zuschlagspreis netto" not in html
