"""The lot detail page (issue 16 part 2): positions, members with region and their shares adding up
(R22), delivery sites; linked from the lot plan; paged; another round's or an old plan's lot 404."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.models import Lot
from einkauf.lots.services import build_lots, get_plan

from support import text


@pytest.fixture
def built(db, make_demand_round, make_member, make_product):
    """Essen (Ruhrgebiet) and Hagen (no region) order copy paper: 1,000 and 333 packs at 5 €;
    Hagen also 10 packs of A3 paper at 9,50 € (P-2)."""
    demand = make_demand_round(member_name="Essen")
    demand.member.region = "Ruhrgebiet"
    hagen = make_member(name="Hagen")
    submission = Submission(round_id=demand.round.id, member_id=hagen.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=demand.products[1].id, quantity=Decimal("333"),
                      delivery_site_id=hagen.delivery_sites[0].id, cost_centre="", budget_account=""))
    a3 = make_product(demand.categories[1], number="P-2", price="9.50", short_text="Kopierpapier A3")
    db.add(DemandLine(submission_id=submission.id, product_id=a3.id, quantity=Decimal("10"),
                      delivery_site_id=hagen.delivery_sites[0].id, cost_centre="", budget_account=""))
    db.flush()
    build_lots(db, "test", demand.round.id)
    paper = db.scalar(select(Lot).where(Lot.plan_id == get_plan(db, demand.round.id).id, Lot.title == "Papier"))
    return demand.round, paper


def test_the_plan_links_each_lot_to_its_page_with_members_shares_and_sites(client, as_role, built):
    rnd, paper = built
    as_role("coordinator")
    plan = text(client.get(f"/runden/{rnd.id}/lose"))
    assert f'href="/runden/{rnd.id}/lose/{paper.id}"' in plan
    page = text(client.get(f"/runden/{rnd.id}/lose/{paper.id}"))
    assert "Los 2: Papier" in page
    members = page[page.index('id="lot-members"'):page.index("</table>", page.index('id="lot-members"'))]
    # Annual shares: Essen 1.000 × 5 € = 5.000 €, Hagen 333 × 5 € + 10 × 9,50 € = 1.760 €; × 4 years.
    assert "Essen" in members and "Ruhrgebiet" in members and "5.000,00 €" in members and "20.000,00 €" in members
    assert "Hagen" in members and "1.760,00 €" in members and "7.040,00 €" in members
    assert "6.760,00 €" in members and "27.040,00 €" in members  # the sums
    positions = page[page.index('id="lot-positions"'):]
    assert "P-1" in positions and "1.333" in positions
    sites = page[page.index('id="lot-sites"'):]
    assert sites.count("<tr") == 3  # the header and one site of each member


def test_the_positions_are_paged(client, as_role, built, monkeypatch):
    from einkauf.lots import lot_page, views

    monkeypatch.setattr(lot_page, "POSITIONS_PER_PAGE", 1)
    monkeypatch.setattr(views, "POSITIONS_PER_PAGE", 1)
    rnd, paper = built
    as_role("coordinator")
    first = text(client.get(f"/runden/{rnd.id}/lose/{paper.id}"))
    assert "Seite 1 von 2" in first and "P-1" in first and "P-2" not in first
    last = text(client.get(f"/runden/{rnd.id}/lose/{paper.id}?page=5"))  # clamped to the last page
    assert "Seite 2 von 2" in last and "P-2" in last and "Kopierpapier A4" not in last


def test_another_rounds_lot_and_an_unknown_lot_are_not_found(client, as_role, built, make_round):
    rnd, paper = built
    as_role("coordinator")
    other = make_round(closed=True)
    assert client.get(f"/runden/{other.id}/lose/{paper.id}").status_code == 404
    assert client.get(f"/runden/{rnd.id}/lose/999999").status_code == 404
    assert client.get(f"/runden/{rnd.id}/lose/{paper.id}?page=abc").status_code == 200


def test_the_navigation_marks_the_section_of_a_page_below_it(client, as_role, built):
    rnd, paper = built
    as_role("coordinator")
    page = text(client.get(f"/runden/{rnd.id}/lose/{paper.id}"))
    nav = page[page.index('class="site-nav"'):page.index("</nav>")]
    assert nav.count("aria-current") == 1
    assert 'is-active" href="/runden" aria-current="true"' in nav
    own = text(client.get("/runden"))
    nav = own[own.index('class="site-nav"'):own.index("</nav>")]
    assert 'href="/runden" aria-current="page"' in nav and nav.count("aria-current") == 1
