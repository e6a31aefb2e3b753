"""The demo's frameworks of EK-2025-01 and their twelve months of sales reports (issue 15 part 6):
one member over its estimate, one position near its maximum, one overcharge, off-contract
articles — found by the monitoring."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.calloffs.monitoring import tender_monitoring
from einkauf.calloffs.monitoring_rules import Level
from einkauf.demo.services import load_demo

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def test_the_demo_reports_twelve_months_and_plants_what_the_monitoring_finds(db):
    summary = load_demo(db, "xyz12345", now=NOW)
    assert summary.calloffs is not None and summary.calloffs.frameworks == 12 and summary.calloffs.reports == 144
    assert db.scalar(select(func.count()).select_from(Framework)) == 12
    periods = sorted(set(db.scalars(select(SalesReport.period))))
    assert len(periods) == 12 and periods[0].isoformat() == "2025-11-01" and periods[-1].isoformat() == "2026-10-01"
    assert db.scalar(select(func.count()).select_from(CallOff).where(CallOff.position_id.is_(None))) > 0
    assert db.scalar(select(func.count()).select_from(CallOff).where(CallOff.credit_note.is_(True))) == 1

    monitoring = tender_monitoring(db, "EK-2025-01", today=NOW.date())
    levels = [(w.level, w.lot_number, w.member) for w in monitoring.warnings]
    assert ("near_maximum", "2", "") in levels  # one position at 85 % of its maximum
    overcharges = [w for w in monitoring.warnings if w.level == "overcharge"]
    assert len(overcharges) == 1 and overcharges[0].overcharge > 0
    lot1 = monitoring.frameworks[0]
    bochum = [m.use.level for p in lot1.positions for m in p.members if m.name == "Bochum"]
    assert bochum and all(level != Level.ON_TRACK for level in bochum)
    assert lot1.off_contract  # articles outside the framework
