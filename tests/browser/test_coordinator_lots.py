"""The coordinator builds the lots of a closed round, changes a lot rule, reviews what changes,
rebuilds and freezes the tender (axe-core clean on every page)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from support import FIXED_NOW

# The threshold in force on the publication "in 14 days" must not depend on the day the suite runs:
# the live server runs in this process, so the fixed clock applies to it too.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture(scope="module")
def closed_round(live_database_url):
    """Round "2027-L", closed, holding a copy of the submitted demand of the demo round 2027."""
    from sqlalchemy import select

    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.rounds.models import Round

    engine = make_engine(live_database_url)
    now = datetime.now(timezone.utc)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rnd = Round(code="2027-L", title="Gemeinsame Ausschreibung 2027", opens_on=date(2026, 9, 1),
                        deadline=now - timedelta(days=2), contract_term_months=24, extension_months=24,
                        max_quantity_buffer_pct=Decimal("20.00"), opened_at=now - timedelta(days=60),
                        closed_at=now - timedelta(days=1))
            session.add(rnd)
            session.flush()
            source = session.scalar(select(Round).where(Round.code == "2027"))
            for old in session.scalars(select(Submission).where(Submission.round_id == source.id,
                                                                Submission.status == SubmissionStatus.SUBMITTED)):
                copy = Submission(round_id=rnd.id, member_id=old.member_id, status=SubmissionStatus.SUBMITTED,
                                  submitted_at=now - timedelta(days=3))
                session.add(copy)
                session.flush()
                session.add_all(DemandLine(submission_id=copy.id, product_id=line.product_id, quantity=line.quantity,
                                           delivery_site_id=line.delivery_site_id, cost_centre=line.cost_centre,
                                           budget_account=line.budget_account) for line in old.lines)
            round_id = rnd.id
    finally:
        engine.dispose()
    return round_id


def test_coordinator_builds_reviews_a_rule_change_and_freezes_the_tender(visitor, closed_round):
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto(f"/runden/{closed_round}/lose")

    page.get_by_role("button", name="Lose bilden").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_text("Lose der Bedarfsabfrage 2027-L gebildet").is_visible()
    lots_before = page.locator("#lot-table tbody tr").count()
    assert lots_before >= 5

    # A rule: the first category in Gebietslose. The preview lists the change before anything is saved.
    page.get_by_role("link", name="Losregeln").click()
    page.wait_for_load_state()
    visitor.check()
    page.locator("#rules-table tbody tr").first.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Losregeln speichern").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_role("heading", name="Vorschau der Lose der Bedarfsabfrage 2027-L").is_visible()
    assert page.get_by_text("Los 1 entfällt").is_visible()
    assert page.get_by_text("Los 1.1 neu").is_visible()
    page.get_by_role("button", name="Änderungen übernehmen und Lose neu bilden").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#los-1\\.1").is_visible()
    assert "Gebietslos" in page.locator("#los-1\\.1").inner_text()

    # Freeze: the form proposes dates; the decision and its reasons are shown beside it.
    page.get_by_role("link", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#reasons li").count() >= 3
    publication = FIXED_NOW.date() + timedelta(days=14)  # the fixed "today" of the suite
    page.get_by_label("Geplanter Veröffentlichungstag").fill(publication.isoformat())
    page.get_by_label("Angebotsfrist (Tag)").fill((publication + timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Vergabeverfahren EK-2027-L-01")
    assert page.locator("#tender-lots tbody tr").count() > lots_before
    assert "Essen" in page.locator("#tender-lots").inner_text()

    # The lot plan is now frozen: no build button, a link to the tender instead.
    visitor.goto(f"/runden/{closed_round}/lose")
    assert page.locator("#frozen").is_visible()
    assert page.get_by_role("button", name="Lose bilden").count() == 0
    visitor.goto("/vergaben")
    assert page.get_by_role("link", name="EK-2027-L-01").is_visible()


def test_coordinator_generates_and_downloads_the_tender_documents(visitor, closed_round, tmp_path):
    """Runs after the freeze above (same module, same live database)."""
    import hashlib

    from pypdf import PdfReader

    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto("/vergaben")
    page.get_by_role("link", name="EK-2027-L-01").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#no-documents").is_visible()

    page.get_by_role("button", name="Unterlagen erzeugen").click()
    page.wait_for_load_state()
    visitor.check()
    rows = page.locator("#document-table tbody tr")
    assert rows.count() == 3
    for index in range(3):
        row = rows.nth(index)
        link = row.get_by_role("link")
        with page.expect_download() as info:
            link.click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        content = target.read_bytes()
        assert download.suggested_filename == link.inner_text()
        assert hashlib.sha256(content).hexdigest() in row.inner_text()
        if target.suffix == ".pdf":
            text = "\n".join(p.extract_text() for p in PdfReader(target).pages)
            assert "EK-2027-L-01" in text and "Seite 1 von" in text
        else:
            assert content[:2] == b"PK"
