"""The savings pages (issue 14 parts 4 and 5): coordinators see a round's savings with the chart
and its data table and every table; officers only their own member's (another member 404); the
start page's line; the link from the award page."""
from __future__ import annotations

import pytest

from einkauf.bids.award import award_lot, cancel_lot

from bids_support import FULL
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of


@pytest.fixture
def awarded(db, bid_tender, make_user):
    ids = open_bids_of(db, bid_tender, make_user, (("Papier <b>Müller</b>", FULL), ("Büro Schulz KG", DEARER)))
    award_lot(db, "test", bid_tender.id, "1", ids["Papier <b>Müller</b>"], clarification=CLARIFIED)
    cancel_lot(db, "test", bid_tender.id, "2", "Über dem <i>Budget</i>.")
    return bid_tender


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_coordinator_sees_summary_chart_table_and_every_breakdown(client, awarded, as_role):
    as_role("coordinator")
    html = _html(client, f"/runden/{awarded.round_id}/einsparungen")
    # Summary first: 1.071,31 € estimated, 522,19 € awarded, 549,12 € (51,26 %) saved.
    summary = html.index('id="savings-summary"')
    assert summary < html.index("<svg")
    for text in ("1.071,31", "522,19", "549,12", "51,26"):
        assert text in html[summary:html.index("<svg")], text
    assert "Schätzwert und Zuschlag je Los" in html and 'role="img"' in html and "<script" not in html
    assert 'id="einsparung-lose-data"' in html
    for ident in ("savings-lots", "savings-categories", "savings-members", "savings-prices", "savings-not-counted"):
        assert f'id="{ident}"' in html, ident
    assert "Essen BID" in html and "Bochum BID" in html and "Papier BID" in html
    assert "Über dem &lt;i&gt;Budget&lt;/i&gt;." in html and "<i>Budget" not in html
    assert "2,3500 €" in html  # the awarded unit price of P-1 in the price development


def test_the_start_page_and_the_award_page_link_to_the_savings(client, awarded, as_role):
    as_role("coordinator")
    home = _html(client, "/")
    assert 'id="cooperative-saving"' in home and "549,12" in home and "51,26" in home
    assert "Einsparung der Kooperation insgesamt" in home and 'id="cooperative-saving-rounds"' in home
    assert f"/runden/{awarded.round_id}/einsparungen" in home
    assert f"/runden/{awarded.round_id}/einsparungen" in _html(client, f"/vergaben/{awarded.id}/zuschlag")


def test_an_officer_sees_only_its_own_members_savings(client, db, awarded, as_role):
    cities = cities_of(db)
    as_role("officer", member=cities["Essen"])
    assert f"/finanzen/vertraege/{cities['Essen'].id}/einsparungen" in _html(client, "/bedarf/vertraege")
    html = _html(client, f"/finanzen/vertraege/{cities['Essen'].id}/einsparungen")
    # Essen: 533,16 € estimated, 259,92 € awarded, 273,24 € saved (51,25 %).
    for text in ("533,16", "259,92", "273,24", "51,25"):
        assert text in html, text
    assert "Bochum" not in html and "1.071,31" not in html
    assert client.get(f"/finanzen/vertraege/{cities['Bochum'].id}/einsparungen").status_code == 404
    assert client.get(f"/runden/{awarded.round_id}/einsparungen").status_code == 403


def test_before_any_award_the_page_says_so(client, db, bid_tender, make_user, as_role):
    open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", FULL),))
    as_role("coordinator")
    html = _html(client, f"/runden/{bid_tender.round_id}/einsparungen")
    assert 'id="no-savings"' in html and "<svg" not in html
    assert 'id="cooperative-saving"' not in _html(client, "/")


def test_the_start_page_adds_up_the_rounds_and_a_member_picks_a_round(client, db, awarded, make_user, as_role):
    from datetime import date

    from sqlalchemy import select

    from einkauf.lots.models import LotPosition
    from einkauf.rounds.models import Round

    from bids_support import create_bid_tender
    from contracts_support import DEARER

    earlier = create_bid_tender(db, code="ALTE")
    db.get(Round, earlier.round_id).opens_on = date(2025, 9, 1)
    for position in db.scalars(select(LotPosition).where(LotPosition.plan_id == earlier.plan_id)):
        position.product_number = position.product_number.removeprefix("ALTE-")  # the prices' keys
    ids = open_bids_of(db, earlier, make_user, (("Schulz Vorjahr KG", DEARER),))
    award_lot(db, "test", earlier.id, "1", ids["Schulz Vorjahr KG"])
    db.commit()
    as_role("coordinator")
    home = _html(client, "/")
    table = home[home.index('id="cooperative-saving-rounds"'):]
    assert table.index(f"/runden/{awarded.round_id}/einsparungen") < table.index(f"/runden/{earlier.round_id}/")
    assert "549,12" in table  # the later round's own saving, beside the earlier one's
    round_page = _html(client, f"/runden/{awarded.round_id}/einsparungen")
    assert 'id="savings-rounds"' in round_page and f"/runden/{earlier.round_id}/einsparungen" in round_page

    essen = cities_of(db)["Essen"]
    as_role("officer", member=essen)
    newest = _html(client, f"/finanzen/vertraege/{essen.id}/einsparungen")
    assert 'id="savings-round-picker"' in newest and "273,24" in newest
    picked = _html(client, f"/finanzen/vertraege/{essen.id}/einsparungen?runde={earlier.round_id}")
    assert "Bedarfsabfrage ALTE" in picked and "273,24" not in picked
    for wrong in ("999999", "abc", ""):
        assert client.get(f"/finanzen/vertraege/{essen.id}/einsparungen?runde={wrong}").status_code == 404, wrong
