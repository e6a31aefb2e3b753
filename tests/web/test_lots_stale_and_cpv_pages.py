"""Issue 10 on the pages: a stale plan is marked with what changed and cannot be frozen (item 1);
a merged lot shows its main and additional CPV codes (item 6)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.lots.planner import LotRules
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, get_plan, save_lot_rules
from einkauf.tenders.models import Tender

from support import text


@pytest.fixture
def world(make_demand_round):
    """A closed round: desks 200,000 € (national below 216,000 €), paper 20,000 €, toner 16,000 €."""
    built = make_demand_round(names=("Möbel", "Papier", "Toner"),
                              texts=("Schreibtisch", "Kopierpapier A4", "Toner schwarz"),
                              cpv_codes=("39130000-2", "30197630-1", "30125100-2"), member_name="Essen")
    return built.round, built.categories, built.products


def _tender_form(client, rnd) -> dict:
    page = text(client.get(f"/runden/{rnd.id}/vergabe/neu"))
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    data["small_lots"] = re.findall(r'name="small_lots"[^>]*value="([^"]+)" checked', page)
    data["award_criteria"] = "Preis: 100"
    data["electronic_submission"] = "y"
    return data


def test_a_changed_reference_price_marks_the_plan_stale_and_names_the_product(client, as_role, db, world):
    rnd, _, products = world
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    assert "Vergabeverfahren erstellen" in text(client.get(f"/runden/{rnd.id}/lose"))

    products[0].reference_price = Decimal("1000.00")
    db.flush()
    page = text(client.get(f"/runden/{rnd.id}/lose"))

    assert 'id="stale"' in page and "Der Losplan ist nicht mehr aktuell" in page
    assert "Referenzpreise geändert: M-1 (500,00 € → 1.000,00 €)" in page
    assert "Vergabeverfahren erstellen" not in page
    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    assert "Referenzpreise geändert: M-1 (500,00 € → 1.000,00 €)" in preview
    assert "400.000,00 €" in preview  # the lot's value after the rebuild


def test_a_moved_product_is_named_on_the_plan_page(client, as_role, db, world):
    rnd, cats, products = world
    build_lots(db, "test", rnd.id)
    products[0].category_id = cats[1].id
    db.flush()
    as_role("coordinator")
    page = text(client.get(f"/runden/{rnd.id}/lose"))
    assert "Artikel einer anderen Warengruppe zugeordnet: M-1 (Möbel → Papier)" in page


def test_the_tender_page_of_a_stale_plan_has_no_freeze_button_and_a_post_is_refused(client, as_role, db, world):
    rnd, _, products = world
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    data = _tender_form(client, rnd)
    products[0].reference_price = Decimal("1000.00")
    db.flush()
    events = db.scalar(select(func.count()).select_from(AuditEvent))

    page = text(client.get(f"/runden/{rnd.id}/vergabe/neu"))
    assert "Der Losplan ist nicht mehr aktuell und kann nicht festgeschrieben werden" in page
    assert "Referenzpreise geändert: M-1 (500,00 € → 1.000,00 €)" in page
    assert '<button type="submit" class="kern-btn kern-btn--primary"><span class="kern-label">Vergabeverfahren ' \
           'erstellen' not in page
    assert f"/runden/{rnd.id}/lose/vorschau" in page

    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)
    body = text(response)
    assert response.status_code == 200
    assert "Seit der Losbildung hat sich geändert: Referenzpreise geändert: M-1" in body
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_preview_shown_before_a_catalogue_change_is_not_built_and_a_rebuild_makes_the_plan_freezable(
        client, as_role, db, world):
    rnd, _, products = world
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    old_stamp = re.search(r'name="stamp"[^>]*value="([0-9a-f]{64})"', preview).group(1)
    products[0].reference_price = Decimal("1000.00")
    db.flush()

    refused = client.post(f"/runden/{rnd.id}/lose/bilden", data={"stamp": old_stamp})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/lose/vorschau")
    assert get_plan(db, rnd.id).estimated_total == Decimal("236000.00")

    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    stamp = re.search(r'name="stamp"[^>]*value="([0-9a-f]{64})"', preview).group(1)
    assert client.post(f"/runden/{rnd.id}/lose/bilden", data={"stamp": stamp}).status_code == 303
    assert get_plan(db, rnd.id).estimated_total == Decimal("436000.00")
    page = text(client.get(f"/runden/{rnd.id}/lose"))
    assert 'id="stale"' not in page and "Vergabeverfahren erstellen" in page
    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=_tender_form(client, rnd))
    assert response.status_code == 303, text(response)
    assert db.scalar(select(Tender.estimated_total).where(Tender.round_id == rnd.id)) == Decimal("436000.00")


def test_a_merged_lot_shows_its_main_and_additional_cpv_codes_on_the_plan_and_tender_pages(client, as_role, db,
                                                                                          world):
    rnd, cats, _ = world
    save_lot_rules(db, "test", rnd.id, LotRules(merge_groups=[(cats[1].id, cats[2].id)]), NATIONAL_PROCEDURES[0],
                   expected_version=0)
    build_lots(db, "test", rnd.id)
    as_role("coordinator")

    page = text(client.get(f"/runden/{rnd.id}/lose"))
    row = re.search(r'id="los-2">(.*?)</tr>', page, re.S).group(1)
    assert "Papier, Toner" in row
    assert re.search(r"30197630-1</span> \(Haupt\)<br>.*weitere: <span class=\"code\">30125100-2</span>", row, re.S)
    single = re.search(r'id="los-1">(.*?)</tr>', page, re.S).group(1)
    assert "39130000-2" in single and "Haupt" not in single

    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=_tender_form(client, rnd))
    assert response.status_code == 303, text(response)
    detail = text(client.get(response.headers["Location"]))
    row = re.search(r'id="vergabe-los-2">(.*?)</tr>', detail, re.S).group(1)
    assert "30197630-1" in row and "(Haupt)" in row and "30125100-2" in row
