"""Freezing a lot plan into a tender and cancelling it (issue 4, item 5), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.errors import InvalidState, StaleVersion, ValidationFailed
from einkauf.lots.models import Allocation, LotPlan, LotPosition
from einkauf.lots.planner import LotRules
from einkauf.lots.procedure import InvalidSmallLots
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, get_plan, save_lot_rules
from einkauf.tenders.models import Tender, TenderStatus
from einkauf.tenders.rules import InvalidQuestionDeadline
from einkauf.tenders.services import DeadlineWarnings, MissingJustification, cancel_tender, freeze_tender, tender_json

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLISH = date(2027, 2, 1)


def _deadline(days: int, hour: int = 12) -> datetime:
    return datetime.combine(PUBLISH + timedelta(days=days), datetime.min.time().replace(hour=hour), BERLIN)


@pytest.fixture
def world(db, make_demand_round):
    """A closed round with three lots: 200,000 € + 20,000 € + 16,000 € over 24 + 24 months."""
    built = make_demand_round(cost_centre="K1", budget_account="S1")
    build_lots(db, "test", built.round.id)
    return built.round, built.submission, tuple(built.products)


def _freeze(db, rnd, **kwargs):
    kwargs.setdefault("publication_date", PUBLISH)
    kwargs.setdefault("submission_deadline", _deadline(35))
    return freeze_tender(db, "coordinator@example.org", rnd.id, now=NOW, **kwargs)


def test_freezing_decides_the_procedure_with_the_small_lots_proposal_and_keeps_the_plan(db, world):
    rnd, _, _ = world

    tender = _freeze(db, rnd)

    assert tender.reference.endswith("-01") and tender.status == TenderStatus.ACTIVE
    assert (tender.procedure, tender.eu_wide, tender.threshold_amount) == (
        "Offenes Verfahren (VgV)", True, Decimal("216000.00"))
    assert tender.estimated_total == Decimal("236000.00")
    # 16,000 + 20,000 = 36,000 ≤ 20 % of 236,000 (47,200): both small lots go national.
    assert [(lot.number, lot.small_lot_quota) for lot in tender.lots] == [("1", False), ("2", True), ("3", True)]
    assert tender.plan_id == get_plan(db, rnd.id).id
    data = tender_json(tender)
    assert data["lots"][1] == {"number": "2", "cpv_code": "30192000-1", "additional_cpv_codes": [],
                               "estimated_value": "20000.00", "maximum_value": "24000.00",
                               "procedure": NATIONAL_PROCEDURES[0], "small_lot_quota": True}
    assert (data["value_basis"], data["maximum_total"]) == ("maximum", "283200.00")
    assert "216.000,00 €" in data["reason"] and "236.000,00 €" in data["reason"]
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "tender.freeze")).startswith(
        f"Vergabeverfahren {tender.reference}")


def test_a_manual_small_lots_choice_is_checked(db, world):
    rnd, _, _ = world
    with pytest.raises(InvalidSmallLots, match=re.escape("nicht unter 80.000,00 €")):
        _freeze(db, rnd, small_lots=["1"])
    tender = _freeze(db, rnd, small_lots=[])
    assert not any(lot.small_lot_quota for lot in tender.lots)


def test_the_frozen_tender_keeps_its_lots_positions_and_allocations_when_demand_changes_later(db, world):
    rnd, submission, (desk, _, _) = world
    tender = _freeze(db, rnd)
    frozen_plan = tender.plan_id
    before = db.execute(select(Allocation.quantity, LotPosition.short_text)
                        .join(LotPosition, LotPosition.id == Allocation.position_id)
                        .where(LotPosition.plan_id == frozen_plan).order_by(Allocation.id)).all()

    with pytest.raises(InvalidState, match="festgeschrieben"):
        build_lots(db, "test", rnd.id)
    with pytest.raises(InvalidState, match="festgeschrieben"):
        save_lot_rules(db, "test", rnd.id, LotRules(), NATIONAL_PROCEDURES[0], expected_version=0)

    # The demand changes (a reopened submission), the catalogue text too; the tender is cancelled
    # and the round rebuilt: the tender's plan stays exactly as frozen.
    line = next(line for line in submission.lines if line.product_id == desk.id)
    line.quantity = Decimal("1")
    submission.version += 1
    desk.short_text = "Neuer Text"
    db.flush()
    cancel_tender(db, "coordinator@example.org", tender.id, "Bedarf hat sich geändert", now=NOW)
    rebuilt = build_lots(db, "test", rnd.id)

    assert rebuilt.plan_id != frozen_plan
    assert db.get(LotPlan, frozen_plan).superseded_at is not None
    assert get_plan(db, rnd.id).id == rebuilt.plan_id
    after = db.execute(select(Allocation.quantity, LotPosition.short_text)
                       .join(LotPosition, LotPosition.id == Allocation.position_id)
                       .where(LotPosition.plan_id == frozen_plan).order_by(Allocation.id)).all()
    assert after == before
    assert db.get(LotPlan, frozen_plan).estimated_total == Decimal("236000.00")
    # A second rebuild deletes only the unfrozen plan.
    build_lots(db, "test", rnd.id)
    assert db.scalar(select(func.count()).select_from(LotPlan).where(LotPlan.round_id == rnd.id)) == 2


def test_a_plan_older_than_the_demand_is_not_frozen(db, world):
    rnd, submission, _ = world
    submission.version += 1  # someone changed the demand after the build
    db.flush()
    with pytest.raises(InvalidState, match="neu bilden"):
        _freeze(db, rnd)


JUSTIFICATION = "Dringlichkeit: die Rahmenverträge der Mitglieder laufen am 31.03.2027 aus."


def test_a_short_deadline_needs_an_acknowledgement_and_a_justification_and_both_are_recorded(db, world):
    rnd, _, _ = world
    with pytest.raises(DeadlineWarnings) as caught:
        _freeze(db, rnd, submission_deadline=_deadline(29))
    warning = caught.value.warnings[0]
    assert "29 Tage nach der Veröffentlichung am 01.02.2027" in warning and "mindestens 30 Tage" in warning
    assert "Mittwoch, 03.03.2027, 24:00 Uhr" in warning and "02.03.2027, 12:00 Uhr" in warning
    for justification in ("", "kurz"):
        with pytest.raises(MissingJustification, match=re.escape("20 bis 2.000 Zeichen")) as missing:
            _freeze(db, rnd, submission_deadline=_deadline(29), acknowledge_warnings=True,
                    deadline_justification=justification)
        assert missing.value.warnings == caught.value.warnings
    assert db.scalar(select(func.count()).select_from(Tender)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tender.freeze")) == 0

    tender = _freeze(db, rnd, submission_deadline=_deadline(29), acknowledge_warnings=True,
                     deadline_justification=f"  {JUSTIFICATION}  ")
    assert tender.warning_list == caught.value.warnings
    assert tender.deadline_justification == JUSTIFICATION
    assert (tender.minimum_period_days, tender.minimum_period_last_day) == (30, date(2027, 3, 3))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "tender.freeze"))
    assert event.after["deadline_justification"] == JUSTIFICATION
    assert event.after["warnings"] == caught.value.warnings


@pytest.mark.parametrize(("days", "hour", "electronic", "warned"), [
    (30, 12, True, True),    # 12:00 on the 30th day: the minimum period runs until 24:00
    (31, 0, True, False),    # 00:00 after the 30th day
    (29, 12, True, True),
    (35, 12, False, True),   # paper: 35 days, the same at 12:00 on the 35th day
    (36, 9, False, False),
])
def test_section_15_vgv_minimum_period_for_the_open_procedure(db, world, days, hour, electronic, warned):
    rnd, _, _ = world
    tender = _freeze(db, rnd, submission_deadline=_deadline(days, hour), electronic_submission=electronic,
                     acknowledge_warnings=True, deadline_justification=JUSTIFICATION)
    assert bool(tender.warning_list) is warned
    assert tender.deadline_justification == (JUSTIFICATION if warned else "")
    assert tender.minimum_period_days == (30 if electronic else 35)


def test_the_question_deadline_is_proposed_or_checked_and_the_scoring_formula_is_stored(db, world):
    rnd, _, _ = world
    with pytest.raises(InvalidQuestionDeadline, match="vor der Angebotsfrist"):
        _freeze(db, rnd, question_deadline=_deadline(35, 13))
    with pytest.raises(InvalidQuestionDeadline, match="nach dem Veröffentlichungstag"):
        _freeze(db, rnd, question_deadline=_deadline(0, 15))
    assert db.scalar(select(func.count()).select_from(Tender)) == 0

    tender = _freeze(db, rnd, award_criteria=[("Preis", Decimal("70")), ("Qualität", Decimal("30"))])
    # Deadline Monday 08.03.2027; 10 days before is Friday 26.02.2027, a working day.
    assert tender.question_deadline == datetime(2027, 2, 26, 11, 0, tzinfo=UTC)
    assert "Preispunkte (Preis, höchstens 70 Punkte)" in tender.scoring_formula
    cancel_tender(db, "c", tender.id, "Neue Fristen", now=NOW)

    chosen = _freeze(db, rnd, question_deadline=_deadline(20, 10))
    assert chosen.question_deadline == _deadline(20, 10)
    assert "niedrigsten Losgesamtsumme" in chosen.scoring_formula


def test_dates_in_the_past_and_a_deadline_before_publication_are_refused(db, world):
    rnd, _, _ = world
    with pytest.raises(ValidationFailed, match="Vergangenheit"):
        _freeze(db, rnd, publication_date=date(2026, 11, 30))
    with pytest.raises(ValidationFailed, match="nach dem geplanten Veröffentlichungstag"):
        _freeze(db, rnd, submission_deadline=_deadline(0))


def test_cancelling_needs_a_reason_happens_once_and_is_audited(db, world):
    rnd, _, _ = world
    tender = _freeze(db, rnd)
    with pytest.raises(ValidationFailed, match="Grund"):
        cancel_tender(db, "c", tender.id, "  ab ")
    with pytest.raises(StaleVersion):
        cancel_tender(db, "c", tender.id, "Zu spät bemerkt", expected_version=tender.version + 5)
    cancel_tender(db, "c", tender.reference, "Fehler im Leistungsverzeichnis")
    with pytest.raises(InvalidState, match="bereits aufgehoben"):
        cancel_tender(db, "c", tender.id, "Noch einmal")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "tender.cancel"))
    assert event.after == {"status": "cancelled", "reason": "Fehler im Leistungsverzeichnis"}



def test_the_threshold_row_a_tender_was_decided_with_is_marked_and_stays_marked_after_cancelling(db, world):
    from einkauf.thresholds.models import EuThreshold
    from einkauf.thresholds.services import delete_threshold, threshold_in_use

    rnd, _, _ = world
    rows = {row.valid_from: row for row in db.scalars(select(EuThreshold))}
    assert not any(threshold_in_use(row) for row in rows.values())
    tender = _freeze(db, rnd)
    used, other = rows[date(2026, 1, 1)], rows[date(2024, 1, 1)]
    assert (used.used_at, used.used_by_reference) == (NOW, tender.reference)
    assert threshold_in_use(used) and not threshold_in_use(other)

    cancel_tender(db, "c", tender.id, "Fehler im Leistungsverzeichnis")
    assert threshold_in_use(used)  # part of the cancelled tender's record
    with pytest.raises(InvalidState, match="bereits für ein Vergabeverfahren verwendet"):
        delete_threshold(db, "admin@example.org", used.id)
    delete_threshold(db, "admin@example.org", other.id)

# --- value basis (Art. 5 Abs. 5 RL 2014/24/EU) and thresholds as data -------------------------------

@pytest.fixture
def framework(db, make_round, make_member, make_category, make_product):
    """One lot estimated at 215,999.99 € whose maximum quantities are worth 431,999.98 €:
    1 unit a year for 12 months at 215,999.99 €, buffer 100 % → maximum quantity 2."""
    rnd = make_round(closed=True)
    rnd.contract_term_months, rnd.extension_months, rnd.max_quantity_buffer_pct = 12, 0, Decimal("100.00")
    machine = make_product(make_category(name="Großgeräte"), price="215999.99")
    city = make_member()
    submission = Submission(round_id=rnd.id, member_id=city.id, status=SubmissionStatus.SUBMITTED, version=1)
    db.add(submission)
    db.flush()
    db.add(DemandLine(submission_id=submission.id, product_id=machine.id, quantity=Decimal("1"),
                      delivery_site_id=city.delivery_sites[0].id, cost_centre="K1", budget_account="S1"))
    db.flush()
    result = build_lots(db, "test", rnd.id)
    assert (result.estimated_total, result.maximum_total) == (Decimal("215999.99"), Decimal("431999.98"))
    return rnd


def test_a_framework_below_the_threshold_by_its_estimate_but_not_by_its_maximum_goes_eu_wide(db, framework):
    plan = get_plan(db, framework.id)
    assert plan.maximum_total == Decimal("431999.98")
    assert [(lot.estimated_value, lot.maximum_value) for lot in plan.lots] == [
        (Decimal("215999.99"), Decimal("431999.98"))]
    assert [(p.maximum_quantity, p.maximum_value) for p in plan.lots[0].positions] == [
        (Decimal("2.000"), Decimal("431999.98"))]

    tender = _freeze(db, framework)

    assert tender.eu_wide and tender.procedure == "Offenes Verfahren (VgV)"
    assert (tender.value_basis, tender.estimated_total, tender.maximum_total) == (
        "maximum", Decimal("215999.99"), Decimal("431999.98"))
    assert tender.lots[0].maximum_value == Decimal("431999.98")
    data = tender_json(tender)
    assert (data["value_basis"], data["estimated_total"], data["maximum_total"]) == (
        "maximum", "215999.99", "431999.98")
    assert "Maßgeblich ist der Höchstwert aller" in data["reason"]
    assert "431.999,98 €" in data["reason"] and "215.999,99 €" in data["reason"]


def test_with_the_round_set_to_the_estimate_the_same_framework_goes_national(db, framework):
    from einkauf.rounds.services import set_value_basis

    set_value_basis(db, "coordinator@example.org", framework.id, "estimate", expected_version=framework.version)

    tender = _freeze(db, framework)

    assert not tender.eu_wide and tender.procedure == NATIONAL_PROCEDURES[0]
    assert tender.value_basis == "estimate" and tender.maximum_total == Decimal("431999.98")
    assert "Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich" in tender.reasons
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.update")).one()
    assert (event.before, event.after) == ({"value_basis": "maximum"}, {"value_basis": "estimate"})


def test_the_value_basis_cannot_change_while_a_tender_is_active_and_a_stale_change_is_refused(db, framework):
    from einkauf.rounds.services import set_value_basis

    with pytest.raises(StaleVersion):
        set_value_basis(db, "k", framework.id, "estimate", expected_version=framework.version + 1)
    with pytest.raises(ValidationFailed, match="maßgebliche Wert"):
        set_value_basis(db, "k", framework.id, "annual", expected_version=framework.version)
    tender = _freeze(db, framework)
    with pytest.raises(InvalidState, match=tender.reference):
        set_value_basis(db, "k", framework.id, "estimate", expected_version=framework.version)
    assert framework.value_basis == "maximum"
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "round.update")) == 0


def test_a_publication_date_without_a_threshold_row_is_refused_until_an_admin_adds_one(db, world):
    from einkauf.lots.procedure import ThresholdMissing
    from einkauf.thresholds.services import add_threshold

    rnd, _, _ = world
    publish = date(2028, 2, 1)
    deadline = datetime(2028, 3, 20, 12, 0, tzinfo=BERLIN)
    with pytest.raises(ThresholdMissing) as caught:
        _freeze(db, rnd, publication_date=publish, submission_deadline=deadline)
    assert "01.02.2028" in caught.value.message and "einkauf thresholds add" in caught.value.message

    add_threshold(db, "admin@example.org", amount=Decimal("230000.00"), valid_from=date(2028, 1, 1),
                  valid_to=date(2029, 12, 31))
    tender = _freeze(db, rnd, publication_date=publish, submission_deadline=deadline)

    assert (tender.threshold_amount, tender.threshold_valid_from) == (Decimal("230000.00"), date(2028, 1, 1))
    assert "230.000,00 €" in tender.reasons


def test_the_price_method_is_chosen_at_freezing_and_explained_in_the_stored_formula(db, world):
    rnd, _, _ = world
    with pytest.raises(ValidationFailed, match="Preisumrechnungsmethode"):
        _freeze(db, rnd, price_method="guess")
    assert db.scalar(select(func.count()).select_from(Tender)) == 0
    criteria = [("Preis", Decimal("70")), ("Qualität", Decimal("30"))]
    tender = _freeze(db, rnd, award_criteria=criteria, price_method="interpolation")
    db.expire_all()
    assert tender.price_method == "interpolation"
    assert "nach der Interpolationsmethode" in tender.scoring_formula
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tender.freeze")).one()
    assert event.after["price_method"] == "interpolation"
    cancel_tender(db, "c", tender.id, "Andere Methode", now=NOW)
    default = _freeze(db, rnd, award_criteria=criteria)
    assert default.price_method == "ratio" and "Verhältnismethode" in default.scoring_formula
