"""The coordinator builds the lots of a closed round, changes a lot rule, reviews what changes,
rebuilds, is refused the freeze of a plan made stale by a catalogue edit, and freezes the tender
(axe-core clean on every page)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from support import FIXED_NOW

# The threshold in force on the publication "in 14 days" must not depend on the day the suite runs:
# the live server runs in this process, so the fixed clock applies to it too.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fixed_clock")]

JUSTIFICATION = "Dringlichkeit: die Rahmenverträge der Mitglieder laufen vorzeitig aus."


@pytest.fixture
def closed_round(live_database_url):
    """Round "2027-L", closed, holding a copy of the submitted demand of the demo round 2027."""
    from sqlalchemy import select

    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.rounds.models import Round

    engine = make_engine(live_database_url)
    now = datetime.now(UTC)
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


def _first_position(database_url: str, round_id: int) -> tuple[int, str, Decimal]:
    """The product of the first position of the round's current plan: id, number, reference price."""
    from sqlalchemy import select

    from einkauf.catalogue.models import Product
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.lots.models import Lot, LotPlan, LotPosition

    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            row = session.execute(
                select(Product.id, Product.number, Product.reference_price)
                .join(LotPosition, LotPosition.product_id == Product.id).join(Lot, Lot.id == LotPosition.lot_id)
                .join(LotPlan, LotPlan.id == Lot.plan_id)
                .where(LotPlan.round_id == round_id, LotPlan.superseded_at.is_(None))
                .order_by(Lot.sort_key, LotPosition.number).limit(1)).one()
            return row.id, row.number, row.reference_price
    finally:
        engine.dispose()


def _set_price(visitor, product_id: int, price: str) -> None:
    page = visitor.page
    visitor.goto(f"/artikel/{product_id}")
    page.get_by_label("Schätzpreis netto je Einheit (€)").fill(price)
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()


def test_coordinator_builds_reviews_a_rule_change_and_freezes_the_tender(visitor, closed_round, live_database_url):
    from einkauf.formatting import format_number_de

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
    # The accept button above the changes and below the lots: the same form.
    accept = page.get_by_role("button", name="Änderungen übernehmen und Lose neu bilden")
    assert accept.count() == 2
    accept.first.click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#los-1\\.1").is_visible()
    assert "Gebietslos" in page.locator("#los-1\\.1").inner_text()

    # A reference price raised in the catalogue after the build: the plan is stale, names the
    # product, and cannot be frozen; with the old price back, it is current again.
    product_id, number, price = _first_position(live_database_url, closed_round)
    _set_price(visitor, product_id, format_number_de(price * 10))
    visitor.goto(f"/runden/{closed_round}/lose")
    visitor.check()
    stale = page.locator("#stale")
    assert stale.is_visible() and "Referenzpreise geändert" in stale.inner_text() and number in stale.inner_text()
    assert page.get_by_role("link", name="Vergabeverfahren erstellen").count() == 0
    visitor.goto(f"/runden/{closed_round}/vergabe/neu")
    visitor.check()
    assert page.locator("#stale").is_visible() and number in page.locator("#stale-reasons").inner_text()
    assert page.get_by_role("button", name="Vergabeverfahren erstellen").count() == 0
    _set_price(visitor, product_id, format_number_de(price))
    visitor.goto(f"/runden/{closed_round}/lose")
    assert page.locator("#stale").count() == 0

    # Freeze: the form proposes dates; the decision and its reasons are shown beside it, with the
    # end of the § 15 VgV minimum period and the proposed question deadline.
    page.get_by_role("link", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#reasons li").count() >= 3
    assert page.locator("#minimum-period").is_visible() and page.locator("#question-deadline").is_visible()
    publication = FIXED_NOW.date() + timedelta(days=14)  # the fixed "today" of the suite
    page.get_by_label("Geplanter Veröffentlichungstag").fill(publication.isoformat())
    # A deadline of 25 days is short: the warning asks for the acknowledgement and a justification.
    page.get_by_label("Angebotsfrist (Tag)").fill((publication + timedelta(days=25)).isoformat())
    page.get_by_role("button", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    assert "25 Tage nach der Veröffentlichung" in page.locator("#deadline-warnings").inner_text()
    page.get_by_label("Ich habe die Hinweise gelesen").check()
    page.get_by_role("button", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    assert "20 bis 2.000 Zeichen" in page.locator("#deadline_justification-error").inner_text()
    justification = JUSTIFICATION
    page.get_by_label("Ich habe die Hinweise gelesen").check()
    page.get_by_label("Begründung der verkürzten Angebotsfrist").fill(justification)
    page.get_by_role("button", name="Vergabeverfahren erstellen").click()
    page.wait_for_load_state()
    visitor.check()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Vergabeverfahren EK-2027-L-01")
    assert page.locator("#deadline-justification").inner_text() == justification
    assert page.locator("#question-deadline").is_visible()
    assert page.locator("#tender-lots tbody tr").count() > lots_before
    assert "Essen" in page.locator("#tender-lots").inner_text()

    # The lot plan is now frozen: no build button, a link to the tender instead.
    visitor.goto(f"/runden/{closed_round}/lose")
    assert page.locator("#frozen").is_visible()
    assert page.get_by_role("button", name="Lose bilden").count() == 0
    visitor.goto("/vergaben")
    assert page.get_by_role("link", name="EK-2027-L-01").is_visible()


@pytest.fixture
def frozen_tender(closed_round, live_database_url) -> str:
    """The lots of round 2027-L built and frozen into tender EK-2027-L-01 (through the services)."""
    from einkauf.berlin import berlin_to_utc
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.lots.services import build_lots
    from einkauf.tenders.services import freeze_tender

    publication = FIXED_NOW.date() + timedelta(days=14)
    engine = make_engine(live_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            build_lots(session, "browser-test", closed_round)
            # A short deadline with its justification, which the Vergabevermerk must print.
            tender = freeze_tender(session, "browser-test", closed_round, publication_date=publication,
                                   submission_deadline=berlin_to_utc(publication + timedelta(days=25), time(12)),
                                   acknowledge_warnings=True, deadline_justification=JUSTIFICATION)
            return tender.reference
    finally:
        engine.dispose()


def test_coordinator_generates_and_downloads_the_tender_documents(visitor, frozen_tender, tmp_path):
    import hashlib

    from pypdf import PdfReader

    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto("/vergaben")
    page.get_by_role("link", name=frozen_tender).click()
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
            if "Vergabevermerk" in target.name:  # the justification given at the freeze
                assert "vorzeitig aus." in text and "Begründung der verkürzten Angebotsfrist" in text
        else:
            assert content[:2] == b"PK"
