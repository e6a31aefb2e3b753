"""Revisions 2026_12_03_0700_b1a0 and 2026_12_03_0701_b2a0 mark the plans and rounds of tenders frozen before
them: a plan a tender was frozen from keeps a frozen_at (and names the tender while it is
active), a round names its active tender — so that the lots and rounds packages read it there."""
from __future__ import annotations

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
