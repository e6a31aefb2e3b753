"""Copying the previous round from real consumption on the officer's page (issue 15 part 4):
both quantities side by side per article, the choice taken, a malformed choice refused with
nothing copied, and only the officer's own member's consumption shown."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.catalogue.models import Product
from einkauf.demand.models import DemandLine, Submission

from calloffs_support import reported_framework
from contracts_support import cities_of


@pytest.fixture
def reported(db, bid_tender, make_user):
    next_round, essen, tender = reported_framework(db, bid_tender, make_user)
    db.commit()
    return next_round, essen, tender


def _quantities(db, round_id: int, member_id: int) -> dict[str, Decimal]:
    submission = db.scalar(select(Submission).where(Submission.round_id == round_id,
                                                    Submission.member_id == member_id))
    if submission is None:
        return {}
    return dict(db.execute(select(Product.number, DemandLine.quantity)
                           .join(Product, Product.id == DemandLine.product_id)
                           .where(DemandLine.submission_id == submission.id)).tuples().all())


def test_the_officer_sees_both_quantities_and_takes_the_consumption(client, db, reported, as_role):
    next_round, essen, _tender = reported
    as_role("officer", member=essen)
    page = client.get(f"/bedarf/{next_round.id}/uebernehmen").get_data(as_text=True)
    table = page[page.index('id="copy-consumption"'):]
    # P-1: 100,5 declared, 336 a year from 84 in 3 months; P-2: 3,333 against 4.
    assert "P-1" in table and "100,5" in table and "336" in table and "3 Monate gemeldet" in table
    assert "T-1" not in table and "Für 1 weiteren Artikel ist kein Verbrauch gemeldet" in page
    assert "500" not in table  # Bochum's call-offs are not Essen's
    p1 = db.scalar(select(Product.id).where(Product.number == "P-1"))
    response = client.post(f"/bedarf/{next_round.id}/uebernehmen",
                           data={"version": "0", f"artikel-{p1}": "actual"})
    assert response.status_code in (302, 303)
    assert _quantities(db, next_round.id, essen.id) == {"P-1": Decimal("336.000"), "P-2": Decimal("3.333"),
                                                        "T-1": Decimal("1.000")}


def test_the_button_takes_the_consumption_of_every_reported_article(client, db, reported, as_role):
    next_round, essen, _tender = reported
    as_role("officer", member=essen)
    response = client.post(f"/bedarf/{next_round.id}/uebernehmen", data={"version": "0", "alle": "actual"})
    assert response.status_code in (302, 303)
    assert _quantities(db, next_round.id, essen.id) == {"P-1": Decimal("336.000"), "P-2": Decimal("4.000"),
                                                        "T-1": Decimal("1.000")}


@pytest.mark.parametrize("field, value", [("artikel-abc", "actual"), ("artikel-1", "alles"),
                                          ("artikel-99999999", "actual"), ("artikel-1", "{'a': 1}")])
def test_a_malformed_choice_is_refused_and_nothing_is_copied(client, db, reported, as_role, field, value):
    next_round, essen, _tender = reported
    as_role("officer", member=essen)
    response = client.post(f"/bedarf/{next_round.id}/uebernehmen", data={"version": "0", field: value},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Ungültige Auswahl" in response.get_data(as_text=True) or "kein Verbrauch gemeldet" in \
        response.get_data(as_text=True)
    assert _quantities(db, next_round.id, essen.id) == {}


def test_another_members_officer_sees_only_its_own_consumption(client, db, reported, as_role):
    next_round, _essen, _tender = reported
    bochum = cities_of(db)["Bochum"]
    as_role("officer", member=bochum)
    page = client.get(f"/bedarf/{next_round.id}/uebernehmen").get_data(as_text=True)
    # Bochum called off 500 P-1 in the three months: 2.000 a year — and nothing of Essen's.
    table = page[page.index('id="copy-consumption"'):]
    assert "2.000" in table and "336" not in table
