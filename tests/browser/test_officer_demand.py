"""An officer enters quantities in two categories and submits; after the deadline the pages are
read-only (axe-core clean on every page, no script, no inline style)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

pytestmark = pytest.mark.browser

HAMM = "beschaffung-hamm@einkauf.example"  # no submission in the demo round 2027


@pytest.fixture
def expired_round(live_database_url):
    """Round 2026, opened and past its deadline, with a draft of Hamm holding one line.

    Written into the live server's SQLite file through an engine of our own.
    """
    from sqlalchemy import select

    from einkauf.catalogue.models import Product
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.rounds.models import Member, Round

    engine = make_engine(live_database_url)
    now = datetime.now(UTC)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rnd = Round(code="2026", title="Bedarfsabfrage 2026", opens_on=date(2025, 11, 3),
                        deadline=now - timedelta(days=1), contract_term_months=24, extension_months=0,
                        max_quantity_buffer_pct=Decimal("10.00"), opened_at=now - timedelta(days=60))
            session.add(rnd)
            hamm = session.scalar(select(Member).where(Member.ags == "05915000"))
            product = session.scalar(select(Product).where(Product.number == "BM-0002"))
            session.flush()
            submission = Submission(round_id=rnd.id, member_id=hamm.id, status=SubmissionStatus.DRAFT)
            session.add(submission)
            session.flush()
            session.add(DemandLine(submission_id=submission.id, product_id=product.id,
                                   delivery_site_id=hamm.delivery_sites[0].id, quantity=Decimal("40"),
                                   cost_centre="KST-1090", budget_account="5431100"))
            round_id = rnd.id
    finally:
        engine.dispose()
    return round_id


def click(visitor, locator):
    locator.click()
    visitor.page.wait_for_load_state()
    visitor.check()


def enter(page, number: str, row: int, quantity: str, site: str):
    page.get_by_label(f"Lieferstelle {number} Zeile {row}", exact=True).select_option(label=site)
    page.get_by_label(f"Menge {number} Zeile {row}", exact=True).fill(quantity)


def test_officer_enters_two_categories_and_submits(visitor, expired_round):
    page = visitor.page
    visitor.sign_in(HAMM)
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    click(visitor, navigation.get_by_role("link", name="Bedarfsmeldung"))
    assert page.get_by_role("heading", level=1).filter(has_text="Hamm").is_visible()
    row = page.get_by_role("row").filter(has_text="Bedarfsabfrage 2027")
    assert row.get_by_text("kein Bedarf gemeldet").is_visible()
    assert re.search(r"noch \d+ Tage", row.inner_text())
    click(visitor, row.get_by_role("link", name="Bedarfsabfrage 2027"))

    # Büromaterial: two lines for the ball pens (a second row without JavaScript), one for BM-0003.
    click(visitor, page.get_by_role("link", name="Büromaterial", exact=True))
    enter(page, "BM-0001", 1, "1.200", "Rathaus")
    click(visitor, page.get_by_role("button", name="Weitere Zeile BM-0001"))
    assert page.get_by_label("Menge BM-0001 Zeile 1", exact=True).input_value() == "1.200"  # kept, not saved
    enter(page, "BM-0001", 2, "350,5", "Schulverwaltungsamt")
    enter(page, "BM-0003", 1, "abc", "Rathaus")
    click(visitor, page.get_by_role("button", name="Speichern").first)
    summary = page.locator("#fehlerliste")
    assert summary.is_visible() and "Artikel BM-0003, Zeile 1" in summary.inner_text()
    assert page.get_by_label("Menge BM-0001 Zeile 2", exact=True).input_value() == "350,5"
    page.get_by_label("Menge BM-0003 Zeile 1", exact=True).fill("12")
    click(visitor, page.get_by_role("button", name="Speichern").first)
    assert page.get_by_text("„Büromaterial“ gespeichert: 3 Positionen").is_visible()
    assert page.get_by_label("Menge BM-0001 Zeile 2", exact=True).input_value() == "350,5"

    # Druckpapier.
    click(visitor, page.get_by_role("link", name="Zurück zur Bedarfsmeldung"))
    click(visitor, page.get_by_role("link", name="Druckpapier", exact=True))
    enter(page, "PA-0001", 1, "800", "Schulverwaltungsamt")
    page.get_by_label("Kostenstelle PA-0001 Zeile 1", exact=True).fill("KST-4090")
    click(visitor, page.get_by_role("button", name="Speichern").last)
    assert page.get_by_text("„Druckpapier“ gespeichert: 1 Position").is_visible()

    click(visitor, page.get_by_role("link", name="Zurück zur Bedarfsmeldung"))
    categories = page.get_by_role("table", name="Ihr Bedarf je Warengruppe")
    assert categories.get_by_role("row").filter(has_text="Büromaterial").get_by_text("3", exact=True).is_visible()
    assert categories.get_by_role("row").filter(has_text="Druckpapier").get_by_text("1", exact=True).is_visible()

    click(visitor, page.get_by_role("link", name="Bedarfsmeldung abgeben …"))
    assert page.get_by_role("heading", level=1).filter(has_text="abgeben").is_visible()
    click(visitor, page.get_by_role("button", name="Jetzt verbindlich abgeben"))
    assert page.get_by_text("Ihre Bedarfsmeldung 2027 ist abgegeben.").is_visible()
    assert page.get_by_role("button", name="Zurückziehen und bearbeiten").is_visible()

    # Submitted: the entry page is read-only and says why.
    click(visitor, page.get_by_role("link", name="Büromaterial", exact=True))
    assert page.get_by_text("Ihre Bedarfsmeldung ist abgegeben und kann deshalb nicht bearbeitet werden").is_visible()
    assert page.get_by_role("button", name="Speichern").count() == 0
    assert page.get_by_role("textbox").count() == 0


def test_after_the_deadline_the_pages_are_read_only(visitor, expired_round):
    page = visitor.page
    visitor.sign_in(HAMM)
    visitor.goto("/bedarf")
    row = page.get_by_role("row").filter(has_text="Bedarfsabfrage 2026")
    assert row.get_by_text("Frist abgelaufen").is_visible()
    click(visitor, row.get_by_role("link", name="Bedarfsabfrage 2026"))
    assert page.get_by_text("Die Abgabefrist ist am").is_visible()
    assert page.get_by_role("link", name="Bedarfsmeldung abgeben …").count() == 0
    assert page.get_by_role("button", name="Nicht teilnehmen").count() == 0

    click(visitor, page.get_by_role("link", name="Büromaterial", exact=True))
    assert page.get_by_text("Die Abgabefrist ist am").is_visible()
    lines = page.get_by_role("table", name="Ihre Positionen in „Büromaterial“")
    assert lines.get_by_text("BM-0002").is_visible() and lines.get_by_text("KST-1090").is_visible()
    assert page.get_by_role("textbox").count() == 0 and page.get_by_role("combobox").count() == 0
    assert page.get_by_role("button", name="Speichern").count() == 0

    # The confirmation pages send back with a message.
    visitor.goto(f"/bedarf/{expired_round}/abgeben")
    assert page.get_by_text("Die Bedarfsmeldung kann jetzt nicht abgegeben werden.").is_visible()


def test_a_save_from_a_stale_tab_is_a_conflict_that_keeps_the_input(visitor):
    page = visitor.page
    visitor.sign_in("beschaffung-hagen@einkauf.example")  # Hagen has a draft with lines
    visitor.goto("/bedarf")
    click(visitor, page.get_by_role("link", name="Bedarfsabfrage 2027"))

    # Leaving a category with lines asks first; cancelling changes nothing.
    click(visitor, page.get_by_role("link", name=re.compile(r"^Nicht teilnehmen …\s*: Tinte$")))
    assert page.get_by_text("Positionen dieser Warengruppe gelöscht").is_visible()
    click(visitor, page.get_by_role("link", name="Abbrechen"))

    click(visitor, page.get_by_role("link", name="Büromaterial", exact=True))
    other_tab = page.context.new_page()
    other_tab.goto(page.url)
    other_tab.get_by_label("Menge BM-0001 Zeile 1", exact=True).fill("111")
    other_tab.get_by_role("button", name="Speichern").first.click()
    other_tab.wait_for_load_state()
    assert other_tab.get_by_text("„Büromaterial“ gespeichert").is_visible()
    other_tab.close()

    page.get_by_label("Menge BM-0001 Zeile 1", exact=True).fill("222")
    page.get_by_label("Bemerkung BM-0001 Zeile 1", exact=True).fill("aus dem ersten Fenster")
    page.get_by_role("button", name="Speichern").first.click()
    page.wait_for_load_state()
    # The browser logs the (intended) HTTP 409 of the conflict page as a failed resource.
    expected = [e for e in visitor.console_errors if "status of 409" in e]
    assert expected
    visitor.console_errors = [e for e in visitor.console_errors if e not in expected]
    visitor.check()
    assert page.get_by_role("heading", name="Inzwischen an anderer Stelle gespeichert").is_visible()
    assert page.get_by_label("Menge BM-0001 Zeile 1", exact=True).input_value() == "222"
    assert page.get_by_label("Bemerkung BM-0001 Zeile 1", exact=True).input_value() == "aus dem ersten Fenster"
    click(visitor, page.get_by_role("button", name="Speichern").first)
    assert page.get_by_text("„Büromaterial“ gespeichert").is_visible()
    assert page.get_by_label("Menge BM-0001 Zeile 1", exact=True).input_value() == "222"
