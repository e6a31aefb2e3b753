"""Building lots from the submitted demand of a closed round (R2, R3, R5), on SQLite and PostgreSQL."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.models import DemandLine
from einkauf.errors import InvalidState, NotFound
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.lots.services import build_lots


def _round_fraction(value: Fraction, per_unit: int) -> Decimal:
    """Round a non-negative fraction half-up to 1/per_unit, exactly."""
    scaled = value * per_unit
    whole = math.floor(scaled + Fraction(1, 2))
    places = len(str(per_unit)) - 1
    return (Decimal(whole) / per_unit).quantize(Decimal(1).scaleb(-places))


def _positions(db, plan_id):
    return db.execute(
        select(Lot.number, Lot.title, LotPosition.number, LotPosition.product_id, LotPosition.annual_quantity,
               LotPosition.estimated_quantity, LotPosition.maximum_quantity, LotPosition.reference_price,
               LotPosition.estimated_value)
        .join(Lot, Lot.id == LotPosition.lot_id).where(Lot.plan_id == plan_id)
        .order_by(Lot.sort_key, LotPosition.number)
    ).all()


def _allocations(db, plan_id):
    return db.execute(
        select(Lot.number, LotPosition.number, Allocation.demand_line_id, Allocation.member_id,
               Allocation.delivery_site_id, Allocation.cost_centre, Allocation.budget_account, Allocation.quantity)
        .join(LotPosition, LotPosition.id == Allocation.position_id).join(Lot, Lot.id == LotPosition.lot_id)
        .where(Lot.plan_id == plan_id).order_by(Allocation.demand_line_id)
    ).all()


def test_every_member_gets_exactly_the_quantity_it_submitted_per_product_and_drafts_count_nothing(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    paper, toner = make_category(), make_category()
    a4, a3 = make_product(paper, price="4.10"), make_product(paper, price="7.90")
    black = make_product(toner, price="89.00")
    essen, bochum, hagen = make_member(sites=2), make_member(), make_member()
    add_submission(rnd, essen, [(a4, "100.5", essen.delivery_sites[0], "KST-10", "5210"),
                                (a4, "20", essen.delivery_sites[1], "KST-20", "5211"),
                                (black, "3")])
    add_submission(rnd, bochum, [(a4, "7.125"), (a3, "0.001"), (black, "12")])
    add_submission(rnd, hagen, [(a4, "999"), (a3, "999")], status="draft")

    result = build_lots(db, "test", rnd.id)

    allocated: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    rows = db.execute(
        select(LotPosition.product_id, Allocation.member_id, Allocation.quantity)
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .join(Lot, Lot.id == LotPosition.lot_id).where(Lot.plan_id == result.plan_id)
    ).all()
    for product_id, member_id, quantity in rows:
        allocated[(product_id, member_id)] += quantity
    assert dict(allocated) == {
        (a4.id, essen.id): Decimal("120.500"), (black.id, essen.id): Decimal("3.000"),
        (a4.id, bochum.id): Decimal("7.125"), (a3.id, bochum.id): Decimal("0.001"),
        (black.id, bochum.id): Decimal("12.000"),
    }
    assert hagen.id not in {member_id for _, member_id in allocated}
    assert result.member_count == 2
    assert result.demand_line_count == 6
    annual = {p: q for _, _, _, p, q, *_ in _positions(db, result.plan_id)}
    assert annual == {a4.id: Decimal("127.625"), a3.id: Decimal("0.001"), black.id: Decimal("15.000")}


def test_allocations_keep_member_delivery_site_cost_centre_and_budget_account(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    product = make_product(make_category())
    city = make_member(sites=2)
    submission = add_submission(rnd, city, [(product, "5", city.delivery_sites[1], "KST-4711", "0815")])

    result = build_lots(db, "test", rnd.id)

    line_id = db.scalar(select(DemandLine.id).where(DemandLine.submission_id == submission.id))
    assert _allocations(db, result.plan_id) == [
        ("1", 1, line_id, city.id, city.delivery_sites[1].id, "KST-4711", "0815", Decimal("5.000"))
    ]


def test_lots_follow_category_order_and_positions_follow_product_number(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    later = make_category(name="Zeta Papier", sort_order=5)
    first_b = make_category(name="Beta Toner", sort_order=1)
    first_a = make_category(name="Alpha Tinte", sort_order=1)
    unused = make_category(name="Ohne Bedarf", sort_order=0)
    make_product(unused, number="U-1")
    p_late = make_product(later, number="Z-200")
    p_early = make_product(later, number="Z-100")
    p_b = make_product(first_b, number="B-1")
    p_a2, p_a1 = make_product(first_a, number="A-2"), make_product(first_a, number="A-10")
    city = make_member()
    add_submission(rnd, city, [(p_late, "1"), (p_b, "1"), (p_a2, "1"), (p_early, "1"), (p_a1, "1")])

    result = build_lots(db, "test", rnd.id)

    assert [(lot.number, lot.title) for lot in result.lots] == [
        ("1", "Alpha Tinte"), ("2", "Beta Toner"), ("3", "Zeta Papier")]
    numbered = [(lot, pos, product) for lot, _, pos, product, *_ in _positions(db, result.plan_id)]
    assert numbered == [("1", 1, p_a1.id), ("1", 2, p_a2.id), ("2", 1, p_b.id),
                        ("3", 1, p_early.id), ("3", 2, p_late.id)]


def test_rebuilding_replaces_the_plan_with_identical_rows(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    cat1, cat2 = make_category(), make_category()
    products = [make_product(cat1, price="0.33"), make_product(cat1, price="12.99"), make_product(cat2, price="3.50")]
    for i in range(3):
        city = make_member(sites=2)
        add_submission(rnd, city, [(p, f"{i + 1}.5{j}", city.delivery_sites[j % 2]) for j, p in enumerate(products)])

    first = build_lots(db, "test", rnd.id)
    positions, allocations = _positions(db, first.plan_id), _allocations(db, first.plan_id)
    second = build_lots(db, "test", rnd.id)

    assert _positions(db, second.plan_id) == positions
    assert _allocations(db, second.plan_id) == allocations
    assert second.fingerprint == first.fingerprint
    assert (second.lots, second.estimated_total) == (first.lots, first.estimated_total)
    assert second.version == first.version + 1
    assert db.scalar(select(func.count()).select_from(LotPlan).where(LotPlan.round_id == rnd.id)) == 1
    # The old plan's rows are gone: nine demand lines, nine allocations, one plan.
    assert db.scalar(select(func.count()).select_from(Allocation)) == len(allocations) == 9
    assert db.scalar(select(func.count()).select_from(LotPosition)) == len(positions) == 3


@pytest.mark.parametrize(("term", "extension"), [(24, 24), (12, 0), (25, 11), (7, 0)])
def test_estimated_value_is_annual_quantity_times_price_times_term_years_rounded_half_up(
        db, make_round, make_member, make_category, make_product, add_submission, term, extension):
    rnd = make_round(closed=True)
    rnd.contract_term_months, rnd.extension_months = term, extension
    rnd.max_quantity_buffer_pct = Decimal("12.50")
    db.flush()
    category = make_category()
    prices = ["0.33", "0.01", "1234.57", "19.99", "0.07"]
    quantities = [["1.5", "2.333"], ["0.001", "0.002"], ["17", "0.125"], ["3.333", "3.333"], ["0.5", "0"]]
    products = [make_product(category, price=p) for p in prices]
    for k in range(2):
        city = make_member()
        add_submission(rnd, city, [(products[i], quantities[i][k]) for i in range(len(products))])

    result = build_lots(db, "test", rnd.id)

    months = term + extension
    total = Decimal("0.00")
    rows = _positions(db, result.plan_id)
    for (_, _, _, _, annual, estimated, maximum, price, value), p, qs in zip(rows, prices, quantities, strict=False):
        expected_annual = sum(Decimal(q) for q in qs)
        assert annual == expected_annual
        assert price == Decimal(p)
        expected_value = _round_fraction(Fraction(expected_annual) * Fraction(Decimal(p)) * Fraction(months, 12), 100)
        assert value == expected_value
        expected_estimated = _round_fraction(Fraction(expected_annual) * Fraction(months, 12), 1000)
        assert estimated == expected_estimated
        assert maximum == Decimal(math.ceil(Fraction(expected_estimated) * Fraction(1125, 1000))).quantize(
            Decimal("0.001"))
        total += value
    assert result.estimated_total == total == result.lots[0].estimated_value


def test_a_price_of_33_cents_over_four_years_is_exact(db, make_round, make_member, make_category, make_product,
                                                    add_submission):
    rnd = make_round(closed=True)  # 24 + 24 months
    product = make_product(make_category(), price="0.33")
    add_submission(rnd, make_member(), [(product, "10.005")])

    result = build_lots(db, "test", rnd.id)

    # 10.005 × 0.33 × 4 = 13.2066 → 13.21
    assert result.estimated_total == Decimal("13.21")


def test_maximum_quantity_rounds_up_to_whole_units_and_stays_exact_when_whole(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)  # 24 + 24 months, buffer 20 %
    category = make_category()
    whole, fraction = make_product(category, number="M-1"), make_product(category, number="M-2")
    add_submission(rnd, make_member(), [(whole, "25"), (fraction, "10.001")])

    result = build_lots(db, "test", rnd.id)

    rows = {product: (estimated, maximum) for _, _, _, product, _, estimated, maximum, *_ in
            _positions(db, result.plan_id)}
    # 25 a year → 100 over four years → 120 with 20 %: exact, nothing added.
    assert rows[whole.id] == (Decimal("100.000"), Decimal("120.000"))
    # 10.001 → 40.004 → 48.0048 → 49 whole units.
    assert rows[fraction.id] == (Decimal("40.004"), Decimal("49.000"))


def test_estimated_quantity_rounds_half_up_to_thousandths(db, make_round, make_member, make_category, make_product,
                                                         add_submission):
    rnd = make_round(closed=True)
    rnd.contract_term_months, rnd.extension_months = 18, 0
    rnd.max_quantity_buffer_pct = Decimal("0.00")
    db.flush()
    product = make_product(make_category())
    add_submission(rnd, make_member(), [(product, "0.001")])

    result = build_lots(db, "test", rnd.id)

    (_, _, _, _, annual, estimated, maximum, *_), = _positions(db, result.plan_id)
    # 0.001 × 18/12 = 0.0015 → 0.002 (half-up); at least one whole unit as maximum.
    assert (annual, estimated, maximum) == (Decimal("0.001"), Decimal("0.002"), Decimal("1.000"))


@pytest.mark.parametrize("state", ["draft", "open"])
def test_a_round_that_is_not_closed_is_refused(db, make_round, make_member, make_category, make_product,
                                               add_submission, state):
    rnd = make_round(opened=state == "open")
    add_submission(rnd, make_member(), [(make_product(make_category()), "1")])

    with pytest.raises(InvalidState, match="Schließen"):
        build_lots(db, "test", rnd.id)
    assert db.scalar(select(func.count()).select_from(LotPlan).where(LotPlan.round_id == rnd.id)) == 0


def test_an_unknown_round_is_not_found(db):
    with pytest.raises(NotFound):
        build_lots(db, "test", 999999)


def test_building_is_audited_with_counts_and_total(db, make_round, make_member, make_category, make_product,
                                                   add_submission, make_user):
    rnd = make_round(closed=True)
    product = make_product(make_category(), price="2.50")
    add_submission(rnd, make_member(), [(product, "4")])
    coordinator = make_user("coordinator")

    result = build_lots(db, coordinator, rnd.id, now=datetime(2027, 1, 5, 9, 0, tzinfo=UTC))

    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "lot_plan.build"))
    assert event.actor_id == coordinator.id
    assert event.entity_id == str(result.plan_id)
    assert event.after["lots"] == 1
    assert event.after["demand_lines"] == 1
    assert event.after["estimated_total"] == "40.00"
    plan = db.get(LotPlan, result.plan_id)
    assert plan.built_by_id == coordinator.id
    assert plan.built_at == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def test_a_closed_round_without_submitted_demand_builds_an_empty_plan(db, make_round, make_member, make_category,
                                                                     make_product, add_submission):
    rnd = make_round(closed=True)
    add_submission(rnd, make_member(), [(make_product(make_category()), "3")], status="draft")

    result = build_lots(db, "test", rnd.id)

    assert (result.lots, result.member_count, result.demand_line_count, result.estimated_total) == (
        [], 0, 0, Decimal("0.00"))


def test_each_round_keeps_its_own_plan_and_lots_count_their_members(
        db, make_round, make_member, make_category, make_product, add_submission):
    first, second = make_round(closed=True), make_round(closed=True)
    paper, toner = make_category(), make_category()
    a4, black = make_product(paper), make_product(toner)
    essen, bochum = make_member(), make_member()
    add_submission(first, essen, [(a4, "1"), (black, "2")])
    add_submission(first, bochum, [(a4, "3")])
    add_submission(second, essen, [(black, "5")])

    built_first = build_lots(db, "test", first.id)
    built_second = build_lots(db, "test", second.id)
    rebuilt_first = build_lots(db, "test", first.id)

    assert [(lot.number, lot.member_count, lot.position_count) for lot in rebuilt_first.lots] == [
        ("1", 2, 1), ("2", 1, 1)]
    assert rebuilt_first.fingerprint == built_first.fingerprint
    assert len(_allocations(db, rebuilt_first.plan_id)) == 3
    assert [(n, q) for n, _, _, _, _, _, _, q in _allocations(db, built_second.plan_id)] == [("1", Decimal("5.000"))]
