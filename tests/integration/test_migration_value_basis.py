"""Revision 20261202_h2_b fills the maximum values of plans built before it, the same way the
build computes them (maximum quantity × reference price, half-up to cents), and marks tenders
frozen before it as decided on the estimate; 20261202_h2_a seeds the threshold table."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from einkauf.migrate import downgrade, upgrade

BEFORE = "0006"


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 1, 8, 0)
    if isinstance(kind, sa.Date):
        return date(2026, 11, 1)
    if isinstance(kind, (sa.Integer, sa.Numeric)):
        return 0
    return "x"


def _insert(connection, meta: sa.MetaData, table_name: str, /, **values) -> int:
    """Insert a row, filling every other NOT NULL column with a plain value of its type."""
    table = meta.tables[table_name]
    row = {c.name: _filler(c) for c in table.columns
           if not c.nullable and not c.primary_key and c.name not in values}
    row.update(values)
    result = connection.execute(table.insert().values(**row))
    return result.inserted_primary_key[0] if result.inserted_primary_key else 0


def test_existing_plans_and_tenders_get_their_maximum_values_and_the_estimate_basis(connection):
    downgrade(connection=connection, revision=BEFORE)
    meta = sa.MetaData()
    meta.reflect(bind=connection)
    assert "eu_thresholds" not in meta.tables and "maximum_value" not in meta.tables["lots"].columns

    _insert(connection, meta, "cpv_codes", code="30192000-1", label="Büroartikel")
    _insert(connection, meta, "units", code="H87", label="Stück")
    category = _insert(connection, meta, "categories", name="Büro", cpv_code="30192000-1")
    products = [_insert(connection, meta, "products", category_id=category, number=f"A-{i}", unit_code="H87",
                        reference_price=price) for i, price in enumerate((235, 13), start=1)]
    rnd = _insert(connection, meta, "rounds", code="2026", title="R", contract_term_months=24)
    plan = _insert(connection, meta, "lot_plans", round_id=rnd)
    lot = _insert(connection, meta, "lots", plan_id=plan, number="1", sort_key=1, title="Büro",
                  cpv_code="30192000-1")
    # Stored as thousandths and cents: 8 × 2,35 € = 18,80 €; 1,5 × 0,13 € = 0,195 € → 0,20 € (half-up).
    for number, (product, maximum, price) in enumerate(((products[0], 8000, 235), (products[1], 1500, 13)),
                                                       start=1):
        _insert(connection, meta, "lot_positions", plan_id=plan, lot_id=lot, product_id=product, number=number,
                maximum_quantity=maximum, reference_price=price)
    tender = _insert(connection, meta, "tenders", reference="EK-2026-01", round_id=rnd, plan_id=plan)
    _insert(connection, meta, "tender_lots", tender_id=tender, lot_id=lot, number="1", sort_key=1)

    upgrade(connection=connection)

    def one(sql: str):
        return connection.execute(sa.text(sql)).scalar_one()

    assert sorted(connection.execute(sa.text("SELECT maximum_value FROM lot_positions")).scalars()) == [20, 1880]
    assert one("SELECT maximum_value FROM lots") == 1900  # 18,80 € + 0,20 € (19,5 ct half-up)
    assert one("SELECT maximum_total FROM lot_plans") == 1900
    assert one("SELECT maximum_value FROM tender_lots") == 1900
    assert (one("SELECT maximum_total FROM tenders"), one("SELECT value_basis FROM tenders")) == (1900, "estimate")
    assert one("SELECT value_basis FROM rounds") == "maximum"
    rows = connection.execute(sa.text("SELECT amount, valid_from, valid_to FROM eu_thresholds ORDER BY valid_from"))
    assert [(amount, str(start), str(end)) for amount, start, end in rows] == [
        (22_100_000, "2024-01-01", "2025-12-31"), (21_600_000, "2026-01-01", "2027-12-31")]
