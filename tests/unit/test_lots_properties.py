"""Properties of the lot plan (R2: deterministic and conserving) and of the small-lots quota (R4),
checked with hypothesis over random catalogues, demand and rules."""
from collections import defaultdict
from datetime import date
from decimal import Decimal
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from einkauf.lots.procedure import DEFAULT_THRESHOLDS, LotValue, check_small_lots, decide_procedure, propose_small_lots
from einkauf.lots.rules import (
    CategoryInput,
    LotRules,
    PositionInput,
    lot_number_key,
    plan_lots,
    plan_total,
    position_estimated_value,
    position_for_demand,
)

REGIONS = ["", "Ruhr", "Münsterland", "Ostwestfalen", "Aachen"]
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c).scaleb(-2))
thousandths = st.integers(min_value=1, max_value=10_000_000).map(lambda t: Decimal(t).scaleb(-3))


@st.composite
def scenarios(draw):
    """Categories, products, members with regions, demand per (product, member), and rules."""
    category_count = draw(st.integers(1, 5))
    categories = [CategoryInput(cid, draw(st.sampled_from(["Papier", "Toner", "Büro", "Möbel"])),
                                f"{30000000 + cid}-{cid % 10}", draw(st.integers(0, 3)))
                  for cid in range(1, category_count + 1)]
    product_count = draw(st.integers(1, 12))
    products = {pid: (draw(st.integers(1, category_count)),
                      draw(st.sampled_from(["A-1", "A-10", "A-2", "B-1", "Ä-1", "1"])),
                      draw(cents))
                for pid in range(1, product_count + 1)}
    member_count = draw(st.integers(1, 6))
    member_region = {f"0591{mid:04d}": draw(st.sampled_from(REGIONS)) for mid in range(1, member_count + 1)}
    demand = draw(st.dictionaries(st.tuples(st.sampled_from(sorted(products)), st.sampled_from(sorted(member_region))),
                                  thousandths, min_size=1, max_size=40))

    ids = [c.id for c in categories]
    shuffled = draw(st.permutations(ids))
    merge_groups, rest = [], list(shuffled)
    while len(rest) >= 2 and draw(st.booleans()):
        size = draw(st.integers(2, len(rest)))
        merge_groups.append(tuple(rest[:size]))
        rest = rest[size:]
    units = merge_groups + [(c,) for c in rest]
    region_split = {c for unit in units if draw(st.booleans()) for c in unit}
    excluded = draw(st.sets(st.sampled_from(sorted(products)), max_size=3))
    split_value = draw(st.none() | st.integers(1, 20_000_000).map(lambda c: Decimal(c).scaleb(-2)))
    rules = LotRules(merge_groups=merge_groups, region_split=region_split, excluded_products=excluded,
                     split_value=split_value)
    term = draw(st.integers(1, 120))
    buffer = draw(st.integers(0, 10_000).map(lambda b: Decimal(b).scaleb(-2)))
    return categories, products, member_region, demand, rules, term, buffer


def aggregate(products, member_region, demand):
    """What the SQL GROUP BY (product, member region) hands to plan_lots."""
    quantity, members = defaultdict(Decimal), defaultdict(set)
    for (pid, member), q in demand.items():
        key = (pid, member_region[member])
        quantity[key] += q
        members[key].add(member)
    return [PositionInput(products[pid][0], pid, products[pid][1], region, quantity[(pid, region)],
                          products[pid][2], frozenset(members[(pid, region)]))
            for pid, region in quantity]


def plan(scenario, randomise=None):
    categories, products, member_region, demand, rules, term, buffer = scenario
    positions = aggregate(products, member_region, demand)
    if randomise is not None:
        categories, positions = list(categories), list(positions)
        randomise.shuffle(categories)
        randomise.shuffle(positions)
    return plan_lots(categories, positions, rules, term_months_total=term, buffer_pct=buffer)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_the_order_of_its_input(scenario, random):
    assert plan(scenario, random) == plan(scenario)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_every_demand_line_of_a_kept_product_lands_in_exactly_one_position(scenario):
    _, _, member_region, demand, rules, _, _ = scenario
    lots = plan(scenario)
    targets = position_for_demand(lots)
    positions = {(lot.number, p.product_id): (lot, p) for lot in lots for p in lot.positions}

    allocated = defaultdict(Decimal)           # (product, member) → quantity
    per_position = defaultdict(Decimal)        # (lot, product) → quantity
    members_of_position = defaultdict(set)
    for (pid, member), q in demand.items():
        target = targets.get((pid, member_region[member]))
        if pid in rules.excluded_products:
            assert target is None
            continue
        assert target is not None
        allocated[(pid, member)] += q
        per_position[(target.lot_number, target.product_id)] += q
        members_of_position[(target.lot_number, target.product_id)].add(member)

    kept = {key: q for key, q in demand.items() if key[0] not in rules.excluded_products}
    assert dict(allocated) == kept                                   # conservation per product and member
    assert set(per_position) == set(positions)                       # no empty or phantom position
    for key, (lot, position) in positions.items():
        assert position.annual_quantity == per_position[key]
        assert set(position.members) == members_of_position[key]
        assert set(position.members) <= set(lot.members)
    assert sum(p.annual_quantity for _, p in positions.values()) == sum(kept.values(), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_lot_values_add_up_to_the_total_and_numbers_are_unique_and_ordered(scenario):
    _, _products, _, _, rules, term, _ = scenario
    lots = plan(scenario)
    numbers = [lot.number for lot in lots]
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers, key=lot_number_key)
    assert [n.split(".")[0] for n in numbers] == sorted((n.split(".")[0] for n in numbers), key=int)
    for lot in lots:
        assert lot.estimated_value == sum((p.estimated_value for p in lot.positions), Decimal(0))
        assert [p.product_number for p in lot.positions] == sorted(p.product_number for p in lot.positions)
        for p in lot.positions:
            assert p.estimated_value == position_estimated_value(p.annual_quantity, p.reference_price, term)
            assert p.maximum_quantity >= p.estimated_quantity
        if lot.kind == "Teillos":
            assert len(lot.positions) == 1 or lot.estimated_value <= rules.split_value
    assert plan_total(lots) == sum((lot.estimated_value for lot in lots), Decimal(0))
    assert plan_total(lots) == sum((p.estimated_value for lot in lots for p in lot.positions), Decimal(0))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_without_gebietslose_each_product_is_one_position_valued_on_its_whole_demand(scenario):
    categories, products, member_region, demand, rules, term, buffer = scenario
    rules = LotRules(merge_groups=rules.merge_groups, excluded_products=rules.excluded_products,
                     split_value=rules.split_value)
    lots = plan((categories, products, member_region, demand, rules, term, buffer))
    annual = defaultdict(Decimal)
    for (pid, _), q in demand.items():
        if pid not in rules.excluded_products:
            annual[pid] += q
    expected = sum((position_estimated_value(q, products[pid][2], term) for pid, q in annual.items()), Decimal(0))
    assert sorted(p.product_id for lot in lots for p in lot.positions) == sorted(annual)
    assert plan_total(lots) == expected


lot_values = st.lists(st.integers(0, 30_000_000).map(lambda c: Decimal(c).scaleb(-2)), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(lot_values, st.integers(0, 20_000_000).map(lambda c: Decimal(c).scaleb(-2)))
def test_the_small_lots_proposal_always_passes_the_check_and_takes_as_many_lots_as_possible(values, extra):
    lots = [LotValue(str(i), v) for i, v in enumerate(values, start=1)]
    total = sum(values, Decimal(0)) + extra  # the tender may hold more than these lots
    proposal = propose_small_lots(lots, total)
    assert check_small_lots(proposal, lots, total) == []
    assert proposal == sorted(proposal, key=lot_number_key)
    best = max((len(subset) for size in range(len(lots) + 1) for subset in combinations(lots, size)
                if check_small_lots([lot.number for lot in subset], lots, total) == []), default=0)
    assert len(proposal) == best


@settings(max_examples=200, deadline=None)
@given(lot_values)
def test_the_decision_is_eu_wide_exactly_when_the_total_reaches_the_threshold(values):
    lots = [LotValue(str(i), v) for i, v in enumerate(values, start=1)]
    decision = decide_procedure(lots, date(2026, 6, 1), thresholds=DEFAULT_THRESHOLDS)
    total = sum(values, Decimal(0))
    assert decision.estimated_total == total
    assert decision.eu_wide == (total >= Decimal("216000.00"))
    quota = [lot for lot in decision.lots if lot.small_lot_quota]
    assert not quota or decision.eu_wide
    assert check_small_lots([lot.number for lot in quota], lots, total, eu_wide=decision.eu_wide) == []


@settings(max_examples=200, deadline=None)
@given(lot_values, st.lists(st.integers(0, 10_000_000).map(lambda c: Decimal(c).scaleb(-2)), min_size=8, max_size=8),
       st.sampled_from(["maximum", "estimate"]))
def test_the_chosen_basis_alone_decides_the_threshold_and_the_quota(values, extras, basis):
    lots = [LotValue(str(i), v, v + extra) for i, (v, extra) in enumerate(zip(values, extras, strict=False), start=1)]
    decision = decide_procedure(lots, date(2026, 6, 1), thresholds=DEFAULT_THRESHOLDS, value_basis=basis)
    decisive = sum((lot.value(basis) for lot in lots), Decimal(0))
    assert decision.decisive_total == decisive
    assert decision.maximum_total == sum((lot.maximum for lot in lots), Decimal(0)) >= decision.estimated_total
    assert decision.eu_wide == (decisive >= Decimal("216000.00"))
    quota = [lot.number for lot in decision.lots if lot.small_lot_quota]
    assert check_small_lots(quota, lots, decisive, eu_wide=decision.eu_wide, value_basis=basis) == []


@given(quantity=st.integers(min_value=0, max_value=10**12), price=st.integers(min_value=0, max_value=10**9),
       months=st.integers(min_value=0, max_value=240), buffer=st.integers(min_value=0, max_value=100_000))
def test_quantities_and_values_equal_the_exact_fraction_formulas(quantity, price, months, buffer):
    import math
    from fractions import Fraction

    from einkauf.lots.rules import estimated_quantity, maximum_quantity, position_estimated_value

    annual, reference, pct = Decimal(quantity).scaleb(-3), Decimal(price).scaleb(-2), Decimal(buffer).scaleb(-2)
    exact_estimate = Fraction(annual) * months / 12
    estimated = estimated_quantity(annual, months)
    assert estimated == Decimal(math.floor(exact_estimate * 1000 + Fraction(1, 2))) / 1000
    assert maximum_quantity(estimated, pct) == math.ceil(Fraction(estimated) * (100 + Fraction(pct)) / 100)
    value = Fraction(annual) * Fraction(reference) * months / 12
    assert (
        position_estimated_value(annual, reference, months) == Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100
    )
