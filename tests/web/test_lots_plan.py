"""The coordinator builds the lots of a closed round and sees the procedure it calls for (R2–R4)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.models import LotPlan
from einkauf.rounds.services import close_round

from support import text

# The plan page decides the procedure for a publication "in 14 days" unless a date is given: a
# fixed "today" keeps the threshold (and the result) independent of the day the suite runs.
pytestmark = pytest.mark.usefixtures("fixed_clock")


def element(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|td|span|ul|table)>', html, re.S)
    assert match, f"no element #{element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def closed_round(db, make_round, make_member, make_category, make_product, make_user):
    """A round closed with submitted demand; `price` and `quantity` set the one product's value.

    Term 24 + 24 months: value = quantity × price × 4."""

    def make(price: str, quantity: str, draft_quantity: str | None = None):
        rnd = make_round(opened=True)
        category = make_category(name="Kopierpapier")
        product = make_product(category=category, price=price)
        member = make_member(name="Essen")
        submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        db.add(DemandLine(submission_id=submission.id, product_id=product.id,
                          delivery_site_id=member.delivery_sites[0].id, quantity=Decimal(quantity)))
        if draft_quantity is not None:  # drafts never reach the lots
            other = make_member(name="Hagen")
            draft = Submission(round_id=rnd.id, member_id=other.id, status=SubmissionStatus.DRAFT, version=1)
            db.add(draft)
            db.flush()
            db.add(DemandLine(submission_id=draft.id, product_id=product.id,
                              delivery_site_id=other.delivery_sites[0].id, quantity=Decimal(draft_quantity)))
        db.flush()
        close_round(db, make_user("coordinator"), rnd.id, early=True)
        db.flush()
        return rnd

    return make


def test_an_open_round_explains_that_lots_come_after_closing_and_offers_no_build_button(
        client, as_role, make_round):
    rnd = make_round(opened=True)
    as_role("coordinator")

    page = text(client.get(f"/runden/{rnd.id}/lose"))

    assert "erst gebildet werden, wenn die Bedarfsabfrage geschlossen ist" in page
    assert f"/runden/{rnd.id}/lose/bilden" not in page


def test_building_an_open_round_is_refused_with_a_message_and_changes_nothing(client, as_role, make_round, db):
    rnd = make_round(opened=True)
    as_role("coordinator")

    response = client.post(f"/runden/{rnd.id}/lose/bilden")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/runden/{rnd.id}/lose")
    assert "noch geöffnet" in text(client.get(response.headers["Location"]))
    assert db.scalar(select(func.count()).select_from(LotPlan).where(LotPlan.round_id == rnd.id)) == 0


def test_the_build_button_creates_the_plan_and_the_page_shows_lots_and_total_in_german_format(
        client, as_role, closed_round, db):
    rnd = closed_round(price="1000.00", quantity="60", draft_quantity="500")
    as_role("coordinator")
    before = text(client.get(f"/runden/{rnd.id}/lose"))
    assert "Lose bilden" in before and "Lose neu bilden" not in before

    response = client.post(f"/runden/{rnd.id}/lose/bilden")

    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Lose der Bedarfsabfrage" in page and "gebildet – Lose: 1, Bedarfspositionen: 1, Mitglieder: 1" in page
    assert element(page, "plan-total") == "240.000,00 €"  # 60 × 1.000,00 € × 48 / 12; the draft counts nothing
    assert element(page, "plan-members") == "1"
    lot = re.search(r'id="los-1">(.*?)</tr>', page, re.S).group(1)
    assert "Kopierpapier" in lot and "30192000-1" in lot and "240.000,00 €" in lot
    assert "Änderungen prüfen und neu bilden" in page
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "lot_plan.build")) == 1


def test_a_total_above_the_threshold_calls_for_an_eu_wide_procedure(client, as_role, closed_round):
    rnd = closed_round(price="1000.00", quantity="60")  # 240.000,00 € > 216.000,00 €
    as_role("coordinator")
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose?veroeffentlichung=2027-03-01"))

    assert "EU-weit" in element(page, "procedure")
    assert "Offenes Verfahren (VgV)" in element(page, "procedure")
    assert element(page, "threshold").startswith("216.000,00 €")
    assert element(page, "publication-date") == "01.03.2027"
    # The maximum value decides: 72 × 1.000,00 € × 4 (buffer 20 %) = 288.000,00 €.
    assert element(page, "plan-maximum") == "288.000,00 €"
    assert "72.000,00 € darüber" in element(page, "reasons")
    assert "Höchstwert" in element(page, "value-basis")
    row = re.search(r'id="verfahren-los-1">(.*?)</tr>', page, re.S).group(1)
    assert "nein" in row and "240.000,00 €" in row and "288.000,00 €" in row


def test_a_total_below_the_threshold_goes_to_the_national_procedure(client, as_role, closed_round):
    rnd = closed_round(price="10.00", quantity="100")  # 4.000,00 €
    as_role("coordinator")
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose?veroeffentlichung=01.03.2025"))

    assert "Öffentliche Ausschreibung (UVgO)" in element(page, "procedure")
    assert "national" in element(page, "procedure")
    assert element(page, "threshold").startswith("221.000,00 €")  # the 2024–25 row for a date in 2025
    assert "216.200,00 € unter dem EU-Schwellenwert" in element(page, "reasons")  # maximum 4.800,00 €


def test_an_invalid_publication_date_is_reported_and_the_default_in_two_weeks_is_used(
        client, as_role, closed_round):
    rnd = closed_round(price="10.00", quantity="100")
    as_role("coordinator")
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose?veroeffentlichung=31.02.2027"))

    default = date(2026, 12, 15)  # 14 days after the fixed "today" (support.FIXED_NOW)
    assert "Der geplante Veröffentlichungstag ist ungültig" in element(page, "date-note")
    assert element(page, "publication-date") == default.strftime("%d.%m.%Y")
    assert f'value="{default.isoformat()}"' in page


def test_a_publication_date_without_a_threshold_row_is_explained(client, as_role, closed_round):
    rnd = closed_round(price="10.00", quantity="100")
    as_role("coordinator")
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose?veroeffentlichung=2029-06-01"))

    assert "kein EU-Schwellenwert" in element(page, "decision-problem")
    assert 'id="procedure"' not in page


def test_an_unknown_round_is_not_found(client, as_role):
    as_role("coordinator")
    assert client.get("/runden/999999/lose").status_code == 404
    assert client.post("/runden/999999/lose/bilden").status_code == 404


def test_officers_may_neither_see_nor_build_lots(client, as_role, closed_round):
    rnd = closed_round(price="10.00", quantity="100")
    as_role("officer")
    assert client.get(f"/runden/{rnd.id}/lose").status_code == 403
    assert client.post(f"/runden/{rnd.id}/lose/bilden").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, make_round):
    rnd = make_round(closed=True)
    response = client.get(f"/runden/{rnd.id}/lose")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden?next=")


def test_the_detail_page_of_a_closed_round_links_to_the_lots(client, as_role, make_round):
    rnd = make_round(closed=True)
    as_role("coordinator")
    assert f'href="/runden/{rnd.id}/lose"' in text(client.get(f"/runden/{rnd.id}"))


def test_a_closed_round_without_submitted_demand_builds_an_empty_plan_and_says_so(client, as_role, make_round):
    rnd = make_round(closed=True)
    as_role("coordinator")

    response = client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(response.headers["Location"]))
    assert "Es gibt keine abgegebenen Bedarfe" in page
    assert element(page, "plan-total") == "0,00 €"
    assert 'id="procedure"' not in page


def test_the_page_reads_in_english_for_english_visitors(client, as_role, closed_round):
    rnd = closed_round(price="10.00", quantity="100")
    as_role("coordinator")
    client.post("/sprache", data={"lang": "en"})
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose"))

    assert "Lots of demand round" in page and "Procedure per lot" in page


def test_with_the_estimate_setting_the_plan_page_tests_the_estimate_and_says_so(client, as_role, closed_round, db):
    rnd = closed_round(price="900.00", quantity="60")  # estimate 216.000,00 €, maximum 259.200,00 €
    rnd.value_basis = "estimate"
    db.flush()
    as_role("coordinator")
    client.post(f"/runden/{rnd.id}/lose/bilden")

    page = text(client.get(f"/runden/{rnd.id}/lose?veroeffentlichung=2027-03-01"))

    assert "EU-weit" in element(page, "procedure")  # exactly at the threshold
    assert "Geschätzter Wert" in element(page, "value-basis")
    reasons = element(page, "reasons")
    assert "Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich" in reasons
    assert "erreicht genau den EU-Schwellenwert" in reasons and "259.200,00 €" in reasons
