"""Monitoring the frameworks of a tender (issue 15 part 3, R21): per position in total and per
member, against the pro-rata estimate and the maximum; overcharges; off-contract spend; one
member's view; both databases."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.calloffs.monitoring import tender_monitoring
from einkauf.calloffs.monitoring_rules import Level
from einkauf.lots.models import LotPosition

from calloffs_support import reported_framework
from contracts_support import cities_of

# 1 Jan 2027 + 48 months (24 + 24): 1,461 days; on 1 April 2027 91 of them have elapsed.
TODAY = date(2027, 4, 1)


def _overcharge(db, tender) -> None:
    """Essen bought 10 × P-2 for 80,00 € in April: the awarded price is 7,1234 € (71,23 €)."""
    framework = db.scalar(select(Framework).where(Framework.tender_id == tender.id))
    p2 = db.scalar(select(LotPosition.id).where(LotPosition.product_number == "P-2",
                                                LotPosition.plan_id == tender.plan_id))
    report = SalesReport(framework_id=framework.id, period=date(2027, 4, 1), rows=1)
    db.add(report)
    db.flush()
    db.add(CallOff(report_id=report.id, framework_id=framework.id, period=report.period,
                   member_id=cities_of(db)["Essen"].id, position_id=p2, row_number=2, article_number="P-2",
                   quantity=Decimal("10"), net_amount=Decimal("80.00")))
    db.flush()


def test_the_positions_and_members_against_estimate_and_maximum(db, bid_tender, make_user):
    _next, _essen, tender = reported_framework(db, bid_tender, make_user)
    monitoring = tender_monitoring(db, tender.id, today=TODAY)
    (framework,) = monitoring.frameworks
    assert (framework.lot_number, framework.elapsed_days, framework.total_days) == ("1", 91, 1461)
    p1 = next(p for p in framework.positions if p.product_number == "P-1")
    # All members: 808 estimated over 48 months (202 a year), maximum 970 (+20 %, rounded up);
    # 584 called off (Essen 30 + 30 + 30 − 6, Bochum 500) against 50,327 expected to date.
    assert (p1.total.estimated, p1.total.maximum, p1.total.called) == (Decimal("808.000"), Decimal("970.000"),
                                                                       Decimal("584.000"))
    assert p1.total.expected == Decimal("50.327") and p1.total.level == Level.ABOVE_ESTIMATE
    assert p1.total.remaining == Decimal("386.000")
    by_name = {m.name: m.use for m in p1.members}
    # Bochum (101,5 a year: 406 estimated, 488 maximum) is beyond its own maximum with 500.
    assert by_name["Bochum BID"].level == Level.MAXIMUM_REACHED
    assert (by_name["Bochum BID"].estimated, by_name["Bochum BID"].maximum) == (Decimal("406.000"), Decimal("488"))
    assert by_name["Essen BID"].called == Decimal("84.000") and by_name["Essen BID"].level == Level.ABOVE_ESTIMATE
    assert p1.members[0].name == "Bochum BID"  # the most urgent first
    # Essen's 7 units of an article outside the framework: off-contract spend, at 2 € a unit.
    assert framework.off_contract == (("Essen BID", Decimal("14.00"), 1),)
    assert framework.months_reported == (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
    warnings = [(w.level, w.product_number, w.member) for w in monitoring.warnings]
    assert warnings[0] == ("maximum_reached", "P-1", "Bochum BID")
    # A member merely above its pro-rata estimate is counted, not warned about (Essen: P-1 and P-2).
    assert ("above_estimate", "P-1", "Essen BID") not in warnings and ("above_estimate", "P-1", "") in warnings
    assert framework.above_estimate_members == 2


def test_an_overcharge_is_flagged_with_its_amount(db, bid_tender, make_user):
    _next, _essen, tender = reported_framework(db, bid_tender, make_user)
    _overcharge(db, tender)
    monitoring = tender_monitoring(db, tender.id, today=TODAY)
    p2 = next(p for p in monitoring.frameworks[0].positions if p.product_number == "P-2")
    # 10 × 7,1234 € = 71,234 → 71,23 €; reported 80,00 €: 8,77 € too much. The earlier row (1 × 2 €)
    # was below the awarded price and is no overcharge.
    assert p2.total.overcharge == Decimal("8.77") and p2.total.overcharged_rows == 1
    assert p2.awarded_price == Decimal("7.1234")
    overcharges = [w for w in monitoring.warnings if w.level == "overcharge"]
    assert [(w.member, w.product_number, w.overcharge) for w in overcharges] == [("Essen BID", "P-2",
                                                                                Decimal("8.77"))]
    assert monitoring.frameworks[0].overcharge == Decimal("8.77")


def test_one_members_view_holds_only_its_own_figures(db, bid_tender, make_user):
    _next, essen, tender = reported_framework(db, bid_tender, make_user)
    monitoring = tender_monitoring(db, tender.id, today=TODAY, member_id=essen.id)
    for position in monitoring.frameworks[0].positions:
        assert [m.name for m in position.members] == ["Essen BID"]
    assert all(w.member == "Essen BID" for w in monitoring.warnings)
    assert monitoring.frameworks[0].off_contract == (("Essen BID", Decimal("14.00"), 1),)


def test_before_the_term_nothing_is_expected_yet(db, bid_tender, make_user):
    _next, _essen, tender = reported_framework(db, bid_tender, make_user)
    framework = tender_monitoring(db, tender.id, today=date(2026, 12, 31)).frameworks[0]
    assert framework.elapsed_days == 0 and all(p.total.expected == 0 for p in framework.positions)


def test_einkauf_calloffs_status_prints_the_warnings_and_json(cli_database):
    import json

    from click.testing import CliRunner

    from einkauf.cli import main
    from einkauf.db import session_scope

    from bids_support import create_bid_tender, two_coordinators

    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        coordinators = iter(two_coordinators(session))
        reported_framework(session, tender, lambda role: next(coordinators))
        reference = tender.reference
    runner = CliRunner()
    text = runner.invoke(main, ["calloffs", "status", reference, "--date", "2027-04-01"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith(f"{reference} – Stand 01.04.2027: 1 Rahmenverträge")
    assert lines[1].startswith("  Höchstmenge erreicht: Los 1 P-1 (Bochum BID) – abgerufen 500,000")
    result = runner.invoke(main, ["calloffs", "status", reference, "--json", "--date", "2027-04-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    p1 = next(p for p in data["frameworks"][0]["positions"] if p["article"] == "P-1")
    assert (p1["called"], p1["expected_to_date"], p1["maximum"], p1["level"]) == ("584.000", "50.327", "970.000",
                                                                                    "above_estimate")
    assert data["warnings"][0]["member"] == "Bochum BID"
    bad = runner.invoke(main, ["calloffs", "status", reference, "--date", "1.4.2027"])
    assert bad.exit_code == 1 and "JJJJ-MM-TT" in bad.stderr
