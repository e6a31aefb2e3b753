"""The coordinator's journey through the web pages: lot rules → preview with what changed → build →
tender with procedure and deadline check → cancel (issue 4, items 2–5)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.models import Lot, LotPlan
from einkauf.lots.services import build_lots, get_plan, get_rule_set
from einkauf.tenders.models import Tender, TenderStatus

from support import text

# The tender form proposes a publication "in 14 days": a fixed "today" keeps the threshold (and
# the result) independent of the day the suite runs.
pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def round_with_demand(make_demand_round):
    """A closed round: furniture 200,000 €, paper 20,000 €, ink 16,000 € over 24 + 24 months."""
    built = make_demand_round(member_name="Essen")
    return built.round, built.categories, built.products, built.submission


def _rules_post(page: str, **changes) -> dict:
    """The rules form as the browser would send it, with changes by field name."""
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    data.update({k: v for k, v in changes.items() if v is not None})
    data.setdefault("national_procedure", "Öffentliche Ausschreibung (UVgO)")
    return {k: v for k, v in data.items() if changes.get(k, "") is not None}


def test_rules_saved_on_the_page_show_in_the_preview_and_the_accepted_build(client, as_role, db, round_with_demand):
    rnd, cats, _, _ = round_with_demand
    as_role("coordinator")
    page = text(client.get(f"/runden/{rnd.id}/lose/regeln"))
    assert "Möbel" in page and "In Gebietslose teilen" in page
    index = {c.id: i for i, c in enumerate(cats)}

    response = client.post(f"/runden/{rnd.id}/lose/regeln", data=_rules_post(
        page, **{f"categories-{index[cats[1].id]}-group": "1", f"categories-{index[cats[2].id]}-group": "1",
                 "excluded": "", "split_value": ""}))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/runden/{rnd.id}/lose/vorschau")
    assert get_rule_set(db, rnd).rules.merge_groups == (tuple(sorted((cats[1].id, cats[2].id))),)

    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    assert "Los 2 neu: Papier, Tinte" in preview
    assert "Noch ist nichts gespeichert" in preview
    assert get_plan(db, rnd.id) is None
    stamp = re.search(r'name="stamp"[^>]*value="([0-9a-f]{64})"', preview).group(1)

    built = client.post(f"/runden/{rnd.id}/lose/bilden", data={"stamp": stamp})
    assert built.status_code == 303
    titles = list(db.scalars(select(Lot.title).join(LotPlan).where(LotPlan.round_id == rnd.id).order_by(Lot.sort_key)))
    assert titles == ["Möbel", "Papier, Tinte"]


def test_unknown_product_numbers_and_bad_groups_are_shown_and_nothing_is_saved(client, as_role, db,
                                                                                round_with_demand):
    rnd, _, _, _ = round_with_demand
    as_role("coordinator")
    page = text(client.get(f"/runden/{rnd.id}/lose/regeln"))

    response = client.post(f"/runden/{rnd.id}/lose/regeln", data=_rules_post(
        page, **{"excluded": "P-1, GIBT-ES-NICHT", "categories-0-group": "x1", "split_value": "abc"}))

    body = text(response)
    assert response.status_code == 200
    assert "Bitte korrigieren Sie die folgenden Angaben" in body
    assert "Gruppennummer von 1 bis 99" in body
    assert 'value="x1"' in body  # the input is shown again
    assert get_rule_set(db, rnd).version == 0
    response = client.post(f"/runden/{rnd.id}/lose/regeln", data=_rules_post(page, excluded="P-1 GIBT-ES-NICHT"))
    assert "Diese Artikelnummern gibt es nicht: GIBT-ES-NICHT" in text(response)
    assert get_rule_set(db, rnd).version == 0


def test_a_category_id_from_elsewhere_in_the_rules_form_is_not_found(client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    as_role("coordinator")
    page = text(client.get(f"/runden/{rnd.id}/lose/regeln"))

    response = client.post(
        f"/runden/{rnd.id}/lose/regeln", data=_rules_post(page, **{"categories-0-category_id": "999999"})
    )

    assert response.status_code == 404
    assert get_rule_set(db, rnd).version == 0


def test_the_preview_after_a_changed_submission_shows_the_changed_position(client, as_role, db, round_with_demand):
    rnd, _, products, submission = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    assert "Keine Änderungen" in text(client.get(f"/runden/{rnd.id}/lose/vorschau"))

    line = next(line for line in submission.lines if line.product_id == products[1].id)
    line.quantity = Decimal("1500")
    submission.version += 1
    db.flush()

    plan_page = text(client.get(f"/runden/{rnd.id}/lose"))
    assert "Der Losplan ist nicht mehr aktuell" in plan_page and "Bedarfsmeldungen geändert" in plan_page
    assert "Vergabeverfahren erstellen" not in plan_page
    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    block = re.search(r'id="aenderung-los-2">(.*?)</table>', preview, re.S).group(1)
    assert "Los 2 geändert: Papier" in block
    assert "P-1" in block and "1.000" in block and "1.500" in block
    assert "20.000,00 €" in block and "30.000,00 €" in block


def test_a_stale_preview_is_not_accepted(client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    as_role("coordinator")

    response = client.post(f"/runden/{rnd.id}/lose/bilden", data={"stamp": "a" * 64})

    assert response.status_code == 303 and response.headers["Location"].endswith("/lose/vorschau")
    assert get_plan(db, rnd.id) is None


def _tender_form(client, rnd) -> tuple[str, dict]:
    page = text(client.get(f"/runden/{rnd.id}/vergabe/neu"))
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    data["small_lots"] = re.findall(r'name="small_lots"[^>]*value="([^"]+)" checked', page)
    data["award_criteria"] = "Preis: 100"
    data["electronic_submission"] = "y"
    data.pop("acknowledge", None)
    return page, data


def test_freezing_on_the_page_proposes_the_small_lots_and_creates_the_tender(client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    assert "Vergabeverfahren erstellen" in text(client.get(f"/runden/{rnd.id}/lose"))

    page, data = _tender_form(client, rnd)
    assert "Offenes Verfahren (VgV)" in page
    assert data["small_lots"] == ["2", "3"]  # the system's proposal is preselected
    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)

    assert response.status_code == 303, text(response)
    tender = db.scalar(select(Tender).where(Tender.round_id == rnd.id))
    assert [lot.small_lot_quota for lot in tender.lots] == [False, True, True]
    detail = text(client.get(response.headers["Location"]))
    assert tender.reference in detail and "Kleinlosregelung" in detail and "Essen" in detail
    assert "236.000,00 €" in detail
    plan_page = text(client.get(f"/runden/{rnd.id}/lose"))
    assert f"Vergabeverfahren {tender.reference}" in plan_page
    assert f"/runden/{rnd.id}/lose/bilden" not in plan_page


def test_a_short_deadline_is_shown_as_a_warning_and_needs_the_acknowledgement_and_a_justification(
        client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    _, data = _tender_form(client, rnd)
    publication = date(2026, 12, 15)  # 14 days after the fixed "today" (support.FIXED_NOW)
    data["publication_date"] = publication.isoformat()
    data["deadline_date"] = (publication + timedelta(days=20)).isoformat()

    first = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)
    body = text(first)
    assert first.status_code == 200
    assert "20 Tage nach der Veröffentlichung" in body and "trotzdem" in body
    assert 'name="deadline_justification"' in body
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None

    for justification in ("", "nur kurz"):
        refused = client.post(f"/runden/{rnd.id}/vergabe/neu",
                              data={**data, "acknowledge": "y", "deadline_justification": justification})
        page = text(refused)
        assert refused.status_code == 200
        error = re.search(r'id="deadline_justification-error"[^>]*>(.*?)</p>', page, re.S)
        assert error and "20 bis 2.000 Zeichen" in error.group(1)
        assert "20 Tage nach der Veröffentlichung" in page  # the warning stays on the page
        assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None

    reason = "Lieferengpass bei Kopierpapier: die laufenden Verträge enden früher."
    second = client.post(f"/runden/{rnd.id}/vergabe/neu",
                         data={**data, "acknowledge": "y", "deadline_justification": reason})
    assert second.status_code == 303
    tender = db.scalar(select(Tender).where(Tender.round_id == rnd.id))
    assert "20 Tage nach der Veröffentlichung" in tender.warnings
    assert tender.deadline_justification == reason
    detail = text(client.get(second.headers["Location"]))
    assert reason in detail and 'id="question-deadline"' in detail and 'id="minimum-period"' in detail
    assert "niedrigsten Losgesamtsumme" in re.search(r'id="scoring-formula">(.*?)</dd>', detail, re.S).group(1)


def test_the_question_deadline_is_proposed_and_a_wrong_one_is_refused_at_the_field(client, as_role, db,
                                                                                  round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    page, data = _tender_form(client, rnd)
    assert 'id="question-deadline"' in page and 'name="question_date"' in page
    publication = date.fromisoformat(data["publication_date"])
    data["question_date"] = (publication + timedelta(days=60)).isoformat()  # after the submission deadline

    refused = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)
    body = text(refused)
    assert refused.status_code == 200
    error = re.search(r'id="question_date-error"[^>]*>(.*?)</p>', body, re.S)
    assert error and "vor der Angebotsfrist" in error.group(1)
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None

    data["question_date"] = (publication + timedelta(days=20)).isoformat()
    data["question_time"] = "10:00"
    done = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)
    assert done.status_code == 303
    tender = db.scalar(select(Tender).where(Tender.round_id == rnd.id))
    berlin = tender.question_deadline.astimezone(BERLIN)
    assert (berlin.date(), berlin.hour) == (publication + timedelta(days=20), 10)


def test_a_manual_small_lot_choice_breaking_the_rules_is_refused_with_the_reason(client, as_role, db,
                                                                                 round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    _, data = _tender_form(client, rnd)
    data["small_lots"] = ["1"]

    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)

    assert response.status_code == 200
    assert "nicht unter 80.000,00 €" in text(response)
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None


def test_cancelling_on_the_page_needs_a_reason_and_then_allows_a_rebuild(client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    _, data = _tender_form(client, rnd)
    tender_url = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data).headers["Location"]
    tender = db.scalar(select(Tender).where(Tender.round_id == rnd.id))

    refused = client.post(f"{tender_url}/aufheben", data={"reason": "", "version": str(tender.version)},
                          follow_redirects=True)
    assert "Bitte einen Grund angeben" in text(refused)
    db.refresh(tender)
    assert tender.status == TenderStatus.ACTIVE

    done = client.post(f"{tender_url}/aufheben", data={"reason": "Leistungsverzeichnis überarbeiten",
                                                        "version": str(tender.version)}, follow_redirects=True)
    assert "Aufgehoben am" in text(done)
    db.refresh(tender)
    assert tender.status == TenderStatus.CANCELLED
    assert "Änderungen prüfen und neu bilden" in text(client.get(f"/runden/{rnd.id}/lose"))
    assert tender.reference in text(client.get("/vergaben"))


def test_a_lot_number_not_in_the_plan_is_refused_with_a_german_message(client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    _, data = _tender_form(client, rnd)
    data["small_lots"] = ["99"]

    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)

    assert response.status_code == 200
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None
    body = text(response)
    assert "Bitte korrigieren Sie die folgenden Angaben" in body
    assert "Los 99 gibt es nicht." in body


def test_a_justification_too_long_for_the_form_is_refused_at_the_field_with_the_warning_kept(client, as_role, db,
                                                                                             round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    _, data = _tender_form(client, rnd)
    publication = date(2026, 12, 15)  # 14 days after the fixed "today" (support.FIXED_NOW)
    data.update(publication_date=publication.isoformat(), deadline_date=(publication + timedelta(days=20)).isoformat(),
                acknowledge="y", deadline_justification="x" * 2001)

    response = client.post(f"/runden/{rnd.id}/vergabe/neu", data=data)

    body = text(response)
    assert response.status_code == 200
    assert 'id="deadline_justification-error"' in body and 'id="deadline-warnings"' in body
    assert 'name="acknowledge"' in body
    assert db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None


# --- value basis on the pages (Art. 5 Abs. 5 RL 2014/24/EU) ---------------------------------------

@pytest.fixture
def framework_round(db, make_round, make_member, make_category, make_product):
    """One lot estimated at 215.999,99 € whose maximum quantities are worth 431.999,98 €."""
    rnd = make_round(closed=True)
    rnd.contract_term_months, rnd.extension_months, rnd.max_quantity_buffer_pct = 12, 0, Decimal("100.00")
    product = make_product(make_category(name="Großgeräte"), price="215999.99", short_text="Großkopierer")
    city = make_member(name="Essen")
    submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=Decimal("1"),
                      delivery_site_id=city.delivery_sites[0].id))
    db.flush()
    build_lots(db, "test", rnd.id)
    return rnd


def _element(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_tender_pages_show_both_values_and_decide_on_the_maximum(client, as_role, db, framework_round):
    as_role("coordinator")
    page, data = _tender_form(client, framework_round)

    assert _element(page, "estimated-total") == "215.999,99 €"
    assert _element(page, "maximum-total") == "431.999,98 €"
    assert "Höchstwert" in _element(page, "value-basis")
    assert "Offenes Verfahren (VgV)" in _element(page, "procedure")
    response = client.post(f"/runden/{framework_round.id}/vergabe/neu", data=data)
    assert response.status_code == 303, text(response)

    detail = text(client.get(response.headers["Location"]))
    assert _element(detail, "total") == "215.999,99 €" and _element(detail, "maximum-total") == "431.999,98 €"
    assert "Höchstwert" in _element(detail, "value-basis")
    assert "Maßgeblich ist der Höchstwert aller" in detail
    row = re.search(r'id="vergabe-los-1">(.*?)</tr>', detail, re.S).group(1)
    assert "215.999,99 €" in row and "431.999,98 €" in row


def test_with_the_round_set_to_the_estimate_the_tender_goes_national_and_says_why(client, as_role, db,
                                                                                 framework_round):
    as_role("coordinator")
    changed = client.post(f"/runden/{framework_round.id}/massgeblicher-wert",
                          data={"value_basis": "estimate", "version": str(framework_round.version)})
    assert changed.status_code == 303
    assert "Geschätzter Wert" in _element(text(client.get(f"/runden/{framework_round.id}")), "round-value-basis")

    page, data = _tender_form(client, framework_round)
    assert "Geschätzter Wert" in _element(page, "value-basis")
    assert "Öffentliche Ausschreibung (UVgO)" in _element(page, "procedure")
    response = client.post(f"/runden/{framework_round.id}/vergabe/neu", data=data)

    assert response.status_code == 303, text(response)
    tender = db.scalar(select(Tender).where(Tender.round_id == framework_round.id))
    assert (tender.eu_wide, tender.value_basis) == (False, "estimate")
    assert "Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich" in tender.reasons
    # Frozen: the basis cannot change any more (the tender keeps the one it was decided with).
    refused = client.post(f"/runden/{framework_round.id}/massgeblicher-wert",
                          data={"value_basis": "maximum", "version": str(framework_round.version)})
    assert refused.status_code == 303
    assert tender.reference in text(client.get(f"/runden/{framework_round.id}"))
    db.refresh(framework_round)
    assert framework_round.value_basis == "estimate"


def test_a_bad_or_stale_value_basis_post_changes_nothing(client, as_role, db, framework_round):
    from sqlalchemy import func

    from einkauf.audit.models import AuditEvent

    as_role("coordinator")
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    for data in ({"value_basis": "jahreswert", "version": str(framework_round.version)},
                 {"value_basis": "estimate", "version": str(framework_round.version + 5)},
                 {"value_basis": "estimate"}):
        response = client.post(f"/runden/{framework_round.id}/massgeblicher-wert", data=data)
        assert response.status_code == 303
    page = text(client.get(f"/runden/{framework_round.id}"))
    assert "inzwischen von anderer Seite geändert" in page
    db.refresh(framework_round)
    assert framework_round.value_basis == "maximum"
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_price_method_is_chosen_on_the_freeze_page_and_explained_on_the_tender_page(
        client, as_role, db, round_with_demand):
    rnd, _, _, _ = round_with_demand
    build_lots(db, "test", rnd.id)
    as_role("coordinator")
    page, data = _tender_form(client, rnd)
    assert 'name="price_method"' in page and "Interpolationsmethode" in page
    assert re.search(r'<option[^>]*selected[^>]*value="ratio"|<option[^>]*value="ratio"[^>]*selected', page)
    refused = client.post(f"/runden/{rnd.id}/vergabe/neu",
                          data={**data, "award_criteria": "Preis: 70\nQualität: 30", "price_method": "guess"})
    assert refused.status_code == 200 and db.scalar(select(Tender).where(Tender.round_id == rnd.id)) is None
    response = client.post(f"/runden/{rnd.id}/vergabe/neu",
                           data={**data, "award_criteria": "Preis: 70\nQualität: 30", "price_method": "interpolation"})
    assert response.status_code == 303, text(response)
    tender = db.scalar(select(Tender).where(Tender.round_id == rnd.id))
    assert tender.price_method == "interpolation"
    assert "nach der Interpolationsmethode" in text(client.get(response.headers["Location"]))


def test_the_preview_matches_lots_by_content_and_shows_renumbering(client, as_role, db, round_with_demand):
    rnd, cats, _products, submission = round_with_demand
    build_lots(db, "test", rnd.id)
    # The furniture demand goes: lot 1 disappears, paper and ink move up from 2 and 3 to 1 and 2.
    for line in list(submission.lines):
        if line.product.category_id == cats[0].id:
            db.delete(line)
    submission.version += 1
    db.flush()
    as_role("coordinator")
    preview = text(client.get(f"/runden/{rnd.id}/lose/vorschau"))
    start = preview.index('id="change-summary"')
    summary = preview[start:preview.index("</table>", start)]
    assert "Los 2 → Los 1" in summary and "Los 3 → Los 2" in summary and "nur neu nummeriert" in summary
    assert "entfällt" in summary and "200.000,00 €" in summary
    assert "0 Lose neu, 1 Los entfällt, 0 Lose geändert, 2 Lose nur neu nummeriert." in preview
    # The accept button at the top and at the bottom, both for the same form; the details folded.
    assert preview.count('form="build-form"') == 1 and 'id="build-form"' in preview
    assert preview.index('id="accept-top"') < preview.index('id="change-summary"')
    # Each block has its own anchor: the removed lot 1 and the lot now numbered 1.
    assert '<details class="lot-change" id="aenderung-los-1">' in preview
    assert '<details class="lot-change" id="aenderung-entfaellt-1">' in preview
