"""After the award of the demo's tender EK-2025-01 (issue 14): the coordinator generates the award
letters of the members, the officer of Köln sees only Köln's contracts and downloads its letter,
finance downloads the cost allocation at awarded prices, the coordinator opens the savings
(axe-core clean on every page)."""
from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.browser

REFERENCE = "EK-2025-01"


def pdf_text(path) -> str:
    from pypdf import PdfReader

    with open(path, "rb") as handle:
        return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages).split())


@pytest.fixture
def tender(live_database_url):
    """The demo's awarded tender: its id and Köln's first awarded lot as the contracts query sees it."""
    from sqlalchemy import select

    from einkauf.contracts.queries import member_contracts
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.rounds.models import Member
    from einkauf.tenders.models import Tender

    engine = make_engine(live_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            found = session.scalar(select(Tender).where(Tender.reference == REFERENCE))
            koeln = session.scalar(select(Member).where(Member.name == "Köln"))
            essen = session.scalar(select(Member).where(Member.name == "Essen"))
            contracts = member_contracts(session, koeln.id, tender_id=found.id)
            lot = next(lot for lot in contracts[0].lots if lot.supplier is not None)
            return found.id, lot.supplier.name, lot.annual_value, essen.id
    finally:
        engine.dispose()


def test_members_receive_their_contracts_and_letters(visitor, tender):
    from einkauf.formatting import format_money_de

    tender_id, supplier, annual_value, other_member = tender
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto(f"/vergaben/{tender_id}/zuschlag")
    page.get_by_role("button", name="Zuschlagsmitteilungen erzeugen").click()
    visitor.check()
    assert "Köln" in page.inner_text("main")
    visitor.sign_out()

    visitor.sign_in("beschaffung-koeln@einkauf.example")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Verträge").click()
    visitor.check()
    main = page.inner_text("main").replace("\xa0", " ")
    assert REFERENCE in main and supplier in main
    # Köln's annual value of its first awarded lot at awarded prices:
    assert format_money_de(annual_value).replace("\xa0", " ") in main
    assert "Düsseldorf" not in main and "Essen" not in main  # only Köln's own contracts
    with page.expect_download() as download:
        page.get_by_role("link", name="Zuschlagsmitteilung herunterladen").first.click()
    letter = pdf_text(download.value.path())
    assert "Köln" in letter and supplier in letter and REFERENCE in letter
    # Essen's letter exists, but not for Köln's officer.
    response = page.goto(f"{visitor.base_url}/finanzen/vertraege/{other_member}/zuschlagsmitteilung/{tender_id}")
    assert response.status == 404
    visitor.check_refused(404)


def test_the_coordinator_sees_the_savings_with_chart_and_table(visitor):
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    line = page.inner_text("#cooperative-saving")
    assert "Einsparung der Kooperation insgesamt" in line and "€" in line
    page.locator("#cooperative-saving-rounds").get_by_role("link", name="2025").click()
    visitor.check()
    summary = page.inner_text("#savings-summary")
    assert "€" in summary and "%" in summary
    chart = page.get_by_role("img", name="Schätzwert und Zuschlag je Los")
    assert chart.is_visible()
    # The chart's data as a table, for screen readers and for checking the bars.
    assert page.locator("figure table").count() >= 1


def test_finance_downloads_the_cost_allocation_at_awarded_prices(visitor):
    from decimal import Decimal

    from openpyxl import load_workbook

    page = visitor.page
    visitor.sign_in("finanzen@einkauf.example")
    visitor.goto("/finanzen")
    page.get_by_label("Preisbasis").select_option(label="Zuschlagspreise (nach Zuschlag)")
    page.get_by_role("button", name="Profil wählen").click()
    visitor.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Kostenaufteilung 2025 als Excel-Datei herunterladen").click()
    with open(download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    header, *rows = list(book["Kostenaufteilung"].iter_rows(values_only=True))
    supplier, price, basis = header.index("Lieferant"), header.index("Einzelpreis netto"), header.index("Preisbasis")
    assert rows and {row[basis] for row in rows} == {"Zuschlagspreis"}
    # Every lot of EK-2025-01 is awarded: every row has its supplier and a price.
    assert {row[supplier] for row in rows} >= {"Bürowelt Rhein-Ruhr GmbH", "Office Direkt Nord AG"}
    assert all(row[price] is not None and Decimal(str(row[price])) >= 0 for row in rows)
    estimate = header.index("Schätzpreis netto")
    assert any(row[price] != row[estimate] for row in rows)  # the awarded prices, the estimate beside
