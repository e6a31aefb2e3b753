"""Revisions 2026_12_03_0700_b1a0 and 2026_12_03_0701_b2a0 mark the plans and rounds of tenders frozen before
them: a plan a tender was frozen from keeps a frozen_at (and names the tender while it is
active), a round names its active tender — so that the lots and rounds packages read it there.
Revision 2026_12_03_0805_9781 marks the threshold rows those tenders were decided with, for the
thresholds package."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from test_migration_value_basis import _insert  # the same row helper (tests/integration is on the path)

from einkauf.migrate import downgrade, upgrade

BEFORE = "20261202_h2_b"


def test_plans_and_rounds_of_existing_tenders_are_marked_and_the_marks_go_on_downgrade(connection):
    downgrade(connection=connection, revision=BEFORE)
    meta = sa.MetaData()
    meta.reflect(bind=connection)
    assert "frozen_at" not in meta.tables["lot_plans"].columns
    assert "tender_reference" not in meta.tables["rounds"].columns

    active_round = _insert(connection, meta, "rounds", code="2026-A", title="A", contract_term_months=24)
    cancelled_round = _insert(connection, meta, "rounds", code="2026-B", title="B", contract_term_months=24)
    open_round = _insert(connection, meta, "rounds", code="2026-C", title="C", contract_term_months=24)
    active_plan = _insert(connection, meta, "lot_plans", round_id=active_round)
    cancelled_plan = _insert(connection, meta, "lot_plans", round_id=cancelled_round)
    plain_plan = _insert(connection, meta, "lot_plans", round_id=open_round)
    active = _insert(connection, meta, "tenders", reference="EK-2026-A-01", round_id=active_round,
                     plan_id=active_plan, status="active")
    _insert(connection, meta, "tenders", reference="EK-2026-B-01", round_id=cancelled_round, plan_id=cancelled_plan,
            status="cancelled")

    upgrade(connection=connection)

    plans = {row.id: row for row in connection.execute(
        sa.text("SELECT id, frozen_at, frozen_tender_id, frozen_reference FROM lot_plans"))}
    assert plans[active_plan].frozen_at is not None
    assert (plans[active_plan].frozen_tender_id, plans[active_plan].frozen_reference) == (active, "EK-2026-A-01")
    assert plans[cancelled_plan].frozen_at is not None  # kept as the cancelled tender's snapshot
    assert (plans[cancelled_plan].frozen_tender_id, plans[cancelled_plan].frozen_reference) == (None, None)
    assert (plans[plain_plan].frozen_at, plans[plain_plan].frozen_tender_id) == (None, None)
    rounds = dict(connection.execute(sa.text("SELECT id, tender_reference FROM rounds")).all())
    assert rounds == {active_round: "EK-2026-A-01", cancelled_round: None, open_round: None}

    downgrade(connection=connection, revision=BEFORE)
    meta = sa.MetaData()
    meta.reflect(bind=connection)
    assert "frozen_at" not in meta.tables["lot_plans"].columns
    assert "tender_reference" not in meta.tables["rounds"].columns
    upgrade(connection=connection)


def test_thresholds_existing_tenders_were_decided_with_are_marked_with_the_first_and_unmarked_on_downgrade(
        connection):
    before = "2026_12_03_0720_e1a0"
    downgrade(connection=connection, revision=before)
    meta = sa.MetaData()
    meta.reflect(bind=connection)
    assert "used_at" not in meta.tables["eu_thresholds"].columns
    seeded = {row.valid_from: row for row in connection.execute(
        sa.select(meta.tables["eu_thresholds"].c["id", "amount", "valid_from", "valid_to"]))}
    used, unused = seeded[date(2026, 1, 1)], seeded[date(2024, 1, 1)]

    first_round = _insert(connection, meta, "rounds", code="2026-A", title="A", contract_term_months=24)
    later_round = _insert(connection, meta, "rounds", code="2026-B", title="B", contract_term_months=24)
    for rnd, reference, status, frozen_at in (
            (first_round, "EK-2026-A-01", "cancelled", datetime(2026, 12, 1, 9, 0)),
            (later_round, "EK-2026-B-01", "active", datetime(2026, 12, 2, 9, 0))):
        plan = _insert(connection, meta, "lot_plans", round_id=rnd)
        _insert(connection, meta, "tenders", reference=reference, round_id=rnd, plan_id=plan, status=status,
                frozen_at=frozen_at, threshold_amount=used.amount, threshold_valid_from=used.valid_from,
                threshold_valid_to=used.valid_to)

    upgrade(connection=connection)

    marks = {row.id: (row.used_at, row.used_by_reference) for row in connection.execute(
        sa.text("SELECT id, used_at, used_by_reference FROM eu_thresholds"))}
    used_at, reference = marks[used.id]
    assert reference == "EK-2026-A-01"  # the first tender, though cancelled since
    assert used_at is not None and str(used_at).startswith("2026-12-01 09:00")
    assert marks[unused.id] == (None, None)

    downgrade(connection=connection, revision=before)
    meta = sa.MetaData()
    meta.reflect(bind=connection)
    assert "used_at" not in meta.tables["eu_thresholds"].columns
    assert "used_by_reference" not in meta.tables["eu_thresholds"].columns
    upgrade(connection=connection)
