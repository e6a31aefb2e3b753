"""During the term (issue 15): the coordinator uploads a sales report of the demo's framework of
lot 1 → sees the warnings first and the chart on the monitoring page → Bochum's officer sees only
Bochum's consumption → and starts the round 2027 over from its real consumption (axe-core clean
on every page)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

REFERENCE = "EK-2025-01"


@pytest.fixture
def demo_framework(live_database_url):
    """The framework of lot 1 of the demo tender, the month after the last report, Bochum's AGS and
    an article of lot 1 with its awarded price."""
    from sqlalchemy import select

    from einkauf.bids.models import BidLot, BidPrice, LotAward
    from einkauf.calloffs.models import Framework, SalesReport
    from einkauf.calloffs.terms import add_months
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.lots.models import LotPosition
    from einkauf.rounds.models import Member
    from einkauf.tenders.models import Tender, TenderLot

    engine = make_engine(live_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            tender = session.scalar(select(Tender).where(Tender.reference == REFERENCE))
            framework, lot_id, bid_id, tender_lot_id = session.execute(
                select(Framework, TenderLot.lot_id, LotAward.bid_id, TenderLot.id)
                .join(TenderLot, TenderLot.id == Framework.tender_lot_id)
                .join(LotAward, LotAward.id == Framework.award_id)
                .where(Framework.tender_id == tender.id, TenderLot.number == "1")).one()
            last = max(session.scalars(select(SalesReport.period).where(SalesReport.framework_id == framework.id)))
            position = session.scalar(select(LotPosition).where(LotPosition.lot_id == lot_id)
                                      .order_by(LotPosition.number).limit(1))
            price = session.scalar(select(BidPrice.unit_price).join(BidLot, BidLot.id == BidPrice.bid_lot_id)
                                   .where(BidLot.bid_id == bid_id, BidLot.tender_lot_id == tender_lot_id,
                                          BidPrice.position_id == position.id))
            bochum = session.scalar(select(Member.ags).where(Member.name == "Bochum"))
            return (framework.id, tender.id, add_months(last, 1).strftime("%Y-%m"), bochum,
                    position.product_number, price)
    finally:
        engine.dispose()


def test_from_a_sales_report_to_the_next_round(visitor, demo_framework, tmp_path):
    from decimal import Decimal

    framework_id, tender_id, month, bochum, article, price = demo_framework
    page = visitor.page
    report = tmp_path / "umsatz.csv"
    net = (Decimal(40) * price).quantize(Decimal("0.01"))
    report.write_text("Mitglied;Artikelnummer;Menge;Nettobetrag\n"
                      f"{bochum};{article};40;{str(net).replace('.', ',')}\n"
                      f"{bochum};FREMD-7;1;19,90\n", encoding="utf-8")

    visitor.sign_in("koordination@einkauf.example")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Rahmenverträge").click()
    visitor.check()
    visitor.goto(f"/rahmenvertraege/{framework_id}")
    visitor.check()
    page.get_by_label("Gemeldeter Monat").fill(month)
    page.get_by_label("Umsatzmeldung (.xlsx oder .csv)").set_input_files(str(report))
    page.get_by_role("button", name="Umsatzmeldung einlesen").click()
    page.wait_for_load_state()
    visitor.check()
    assert "CSV" in page.inner_text("main")  # the detected format is shown

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Abrufe").click()
    visitor.check()
    page.get_by_role("link", name=f"{REFERENCE} –", exact=False).click()
    page.wait_for_load_state()
    visitor.check()
    warnings = page.locator("#monitoring-warnings")
    assert warnings.is_visible()
    assert "Höchstmenge erreicht" in warnings.locator("tbody tr").first.inner_text()
    assert page.get_by_role("img", name="Abrufe über die Zeit").is_visible()
    # The warnings come before the chart.
    assert page.locator("main").inner_html().index("monitoring-warnings") < page.locator(
        "main").inner_html().index("abrufe-zeit")
    visitor.sign_out()

    visitor.sign_in("beschaffung-bochum@einkauf.example")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Abrufe").click()
    visitor.check()
    page.get_by_role("link", name=f"{REFERENCE} –", exact=False).click()
    page.wait_for_load_state()
    visitor.check()
    main = page.inner_text("main")
    assert "Bochum" in main and "Essen" not in main and "Köln" not in main
    # Another tender's monitoring is not the officer's.
    assert page.goto(f"{visitor.base_url}/vergaben/{tender_id}/abrufe").status == 403
    visitor.check_refused(403)

    # The round 2027: withdraw the submitted demand, then take it over from the real consumption.
    visitor.goto("/bedarf")
    page.get_by_role("link", name="Bedarfsabfrage 2027", exact=False).first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Zurückziehen und bearbeiten").click()
    page.wait_for_load_state()
    visitor.check()
    page.get_by_role("link", name="Positionen aus 2025 übernehmen …").click()
    page.wait_for_load_state()
    visitor.check()
    table = page.locator("#copy-consumption")
    assert table.is_visible() and "Verbrauch hochgerechnet (Jahr)" in table.inner_text()
    page.get_by_role("button", name="Überall den Verbrauch übernehmen").click()
    page.wait_for_load_state()
    visitor.check()
    assert "aus der früheren Bedarfsabfrage übernommen" in page.inner_text("main")
