"""Lot rules stored with the round and applied by every build; the rebuild preview (what changed);
net values per allocation that add up to the lot totals (R1, R2), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.errors import StaleVersion, ValidationFailed
from einkauf.lots.diff import ADDED, CHANGED, REMOVED
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.lots.planner import InvalidLotRules, LotRules
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, get_plan, get_rule_set, preview_lots, save_lot_rules


def _allocated_by_product_member(db, plan_id):
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product_id, member_id, quantity in db.execute(
            select(LotPosition.product_id, Allocation.member_id, Allocation.quantity)
            .join(LotPosition, LotPosition.id == Allocation.position_id).where(LotPosition.plan_id == plan_id)):
        totals[(product_id, member_id)] += quantity
    return dict(totals)


def _submitted_by_product_member(db, rnd):
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product_id, member_id, quantity in db.execute(
            select(DemandLine.product_id, Submission.member_id, DemandLine.quantity)
            .join(Submission, Submission.id == DemandLine.submission_id)
            .where(Submission.round_id == rnd.id, Submission.status == SubmissionStatus.SUBMITTED)):
        totals[(product_id, member_id)] += quantity
    return dict(totals)


def _save(db, rnd, rules: LotRules, national: str | None = None):
    current = get_rule_set(db, rnd)
    return save_lot_rules(db, "test", rnd.id, rules, national or NATIONAL_PROCEDURES[0],
                          expected_version=current.version)


def test_merged_categories_form_one_lot_titled_by_both_in_category_order(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    paper = make_category(name="Druckpapier", sort_order=2)
    office = make_category(name="Bürobedarf", sort_order=1)
    toner = make_category(name="Toner", sort_order=3)
    a4, pen, black = make_product(paper, number="P-1"), make_product(office, number="B-1"), make_product(toner)
    add_submission(rnd, make_member(), [(a4, "10"), (pen, "5"), (black, "1")])
    _save(db, rnd, LotRules(merge_groups=[[paper.id, office.id]]))

    result = build_lots(db, "test", rnd.id)

    assert [(lot.number, lot.title, lot.position_count) for lot in result.lots] == [
        ("1", "Bürobedarf, Druckpapier", 2), ("2", "Toner", 1)]
    assert result.lots[0].cpv_code == office.cpv_code


def test_gebietslose_split_a_category_by_member_region_and_keep_each_members_demand_in_its_region(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    cleaning = make_category(name="Reinigungsmittel")
    soap, cloth = make_product(cleaning, number="R-1", price="2.50"), make_product(cleaning, number="R-2")
    essen, bochum = make_member(region="Ruhrgebiet"), make_member(region="Ruhrgebiet")
    koeln, nowhere = make_member(region="Rheinland"), make_member(region="")
    add_submission(rnd, essen, [(soap, "10"), (cloth, "1")])
    add_submission(rnd, bochum, [(soap, "2.5")])
    add_submission(rnd, koeln, [(soap, "7")])
    add_submission(rnd, nowhere, [(cloth, "3")])
    _save(db, rnd, LotRules(region_split=[cleaning.id]))

    result = build_lots(db, "test", rnd.id)

    assert [(lot.number, lot.title, lot.kind, lot.member_count) for lot in result.lots] == [
        ("1.1", "Reinigungsmittel – Gebietslos Rheinland", "Gebietslos", 1),
        ("1.2", "Reinigungsmittel – Gebietslos Ruhrgebiet", "Gebietslos", 2),
        ("1.3", "Reinigungsmittel – Gebietslos ohne Region", "Gebietslos", 1)]
    regions = dict(db.execute(select(Lot.number, Lot.region).where(Lot.plan_id == result.plan_id)).all())
    assert regions == {"1.1": "Rheinland", "1.2": "Ruhrgebiet", "1.3": ""}
    members_per_lot = defaultdict(set)
    for number, member_id in db.execute(
            select(Lot.number, Allocation.member_id).join(LotPosition, LotPosition.id == Allocation.position_id)
            .join(Lot, Lot.id == LotPosition.lot_id).where(Lot.plan_id == result.plan_id)):
        members_per_lot[number].add(member_id)
    assert members_per_lot == {"1.1": {koeln.id}, "1.2": {essen.id, bochum.id}, "1.3": {nowhere.id}}
    assert _allocated_by_product_member(db, result.plan_id) == _submitted_by_product_member(db, rnd)
    assert result.demand_line_count == 5


def test_a_left_out_product_gets_no_position_and_its_lines_are_counted_as_left_out(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    category = make_category()
    kept, dropped = make_product(category, number="K-1"), make_product(category, number="K-2")
    add_submission(rnd, make_member(), [(kept, "1"), (dropped, "2")])
    add_submission(rnd, make_member(), [(dropped, "4")])
    _save(db, rnd, LotRules(excluded_products=[dropped.id]))

    result = build_lots(db, "test", rnd.id)

    products = set(db.scalars(select(LotPosition.product_id).where(LotPosition.plan_id == result.plan_id)))
    assert products == {kept.id}
    assert (result.demand_line_count, result.excluded_line_count, result.member_count) == (1, 2, 1)


def test_teillose_cut_a_lot_above_the_split_value_into_consecutive_parts(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)  # 24 + 24 months: value = annual × price × 4
    category = make_category(name="Büromöbel")
    chairs = [make_product(category, number=f"M-{i}", price="100.00") for i in range(1, 5)]
    add_submission(rnd, make_member(), [(chair, "10") for chair in chairs])  # 4,000.00 € each
    _save(db, rnd, LotRules(split_value=Decimal("8000.00")))

    result = build_lots(db, "test", rnd.id)

    assert [(lot.number, lot.title, lot.position_count, lot.estimated_value) for lot in result.lots] == [
        ("1.1", "Büromöbel – Teillos 1", 2, Decimal("8000.00")),
        ("1.2", "Büromöbel – Teillos 2", 2, Decimal("8000.00"))]
    assert result.estimated_total == Decimal("16000.00")


def test_rules_are_stored_with_the_round_and_every_rebuild_reproduces_them(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    a, b = make_category(sort_order=1), make_category(sort_order=2)
    add_submission(rnd, make_member(), [(make_product(a), "1"), (make_product(b), "1")])
    saved = _save(db, rnd, LotRules(merge_groups=[[a.id, b.id]]), NATIONAL_PROCEDURES[2])

    first = build_lots(db, "test", rnd.id)
    second = build_lots(db, "test", rnd.id)

    assert get_rule_set(db, rnd) == saved
    assert saved.national_procedure == NATIONAL_PROCEDURES[2]
    assert len(first.lots) == len(second.lots) == 1
    assert second.fingerprint == first.fingerprint
    assert db.scalar(select(AuditEvent.after).where(AuditEvent.action == "lot_rules.update"))["rules"][
        "merge_groups"] == [sorted([a.id, b.id])]


def test_contradictory_or_stale_rules_are_refused_and_nothing_is_stored(db, make_round, make_category):
    rnd = make_round(closed=True)
    a, b, c = make_category(), make_category(), make_category()
    with pytest.raises(InvalidLotRules, match="mehr als einer Zusammenlegung"):
        _save(db, rnd, LotRules(merge_groups=[[a.id, b.id], [b.id, c.id]]))
    with pytest.raises(InvalidLotRules, match=re.escape("Artikel Nr. 987654")):
        _save(db, rnd, LotRules(excluded_products=[987654]))
    with pytest.raises(ValidationFailed, match="nationales Verfahren"):
        save_lot_rules(db, "test", rnd.id, LotRules(), "Freihändig nach Gefühl", expected_version=0)
    assert get_rule_set(db, rnd).version == 0
    _save(db, rnd, LotRules(region_split=[a.id]))
    with pytest.raises(StaleVersion):
        save_lot_rules(db, "test", rnd.id, LotRules(), NATIONAL_PROCEDURES[0], expected_version=0)
    assert get_rule_set(db, rnd).rules == LotRules(region_split=[a.id])


def test_net_values_are_rounded_per_line_and_add_up_to_the_lot_and_plan_totals_to_the_cent(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    third, half = make_product(make_category(), price="0.33"), make_product(make_category(), price="0.05")
    for quantity in ("0.333", "1.001", "2.5", "0.01"):
        city = make_member()
        add_submission(rnd, city, [(third, quantity), (half, quantity)])

    result = build_lots(db, "test", rnd.id)

    values = db.execute(select(Allocation.quantity, LotPosition.reference_price, Allocation.net_value, Lot.number)
                        .join(LotPosition, LotPosition.id == Allocation.position_id)
                        .join(Lot, Lot.id == LotPosition.lot_id).where(Lot.plan_id == result.plan_id)).all()
    per_lot = defaultdict(Decimal)
    for quantity, price, net, number in values:
        # 0.333 × 0.33 = 0.10989 → 0.11; 2.5 × 0.05 = 0.125 → 0.13 (half-up), 0.01 × 0.05 → 0.00
        assert net == (quantity * price).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        per_lot[number] += net
    assert {lot.number: lot.annual_value for lot in result.lots} == dict(per_lot)
    plan = db.get(LotPlan, result.plan_id)
    assert plan.annual_total == sum(per_lot.values()) == result.annual_total
    position_sums = dict(
        db.execute(
            select(LotPosition.id, func.sum(Allocation.net_value))
            .join(Allocation, Allocation.position_id == LotPosition.id)
            .where(LotPosition.plan_id == result.plan_id)
            .group_by(LotPosition.id)
        ).all()
    )
    stored = dict(db.execute(select(LotPosition.id, LotPosition.annual_value)
                             .where(LotPosition.plan_id == result.plan_id)).all())
    assert position_sums == stored


def test_positions_keep_the_product_texts_of_build_time(db, make_round, make_member, make_category, make_product,
                                                        add_submission):
    rnd = make_round(closed=True)
    product = make_product(make_category(), number="A-1", short_text="Kopierpapier A4")
    add_submission(rnd, make_member(), [(product, "1")])
    result = build_lots(db, "test", rnd.id)

    product.short_text = "Umbenannt"
    db.flush()

    position = db.scalar(select(LotPosition).where(LotPosition.plan_id == result.plan_id))
    assert (position.product_number, position.short_text, position.unit_code) == ("A-1", "Kopierpapier A4", "H87")


def test_the_preview_shows_what_a_rebuild_after_a_reopened_submission_changes(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    category = make_category(name="Papier")
    a4, a3, a5 = (make_product(category, number=n, price="1.00") for n in ("P-1", "P-2", "P-3"))
    city = make_member()
    submission = add_submission(rnd, city, [(a4, "10"), (a3, "5")])
    build_lots(db, "test", rnd.id)
    assert preview_lots(db, rnd.id).unchanged

    # The member's submission is reopened and changed: A4 more, A3 gone, A5 new.
    lines = {line.product_id: line for line in submission.lines}
    lines[a4.id].quantity = Decimal("12")
    db.delete(lines[a3.id])
    db.add(DemandLine(submission_id=submission.id, product_id=a5.id, delivery_site_id=city.delivery_sites[0].id,
                      quantity=Decimal("1"), cost_centre="", budget_account=""))
    submission.version += 1
    db.flush()

    preview = preview_lots(db, rnd.id)

    assert preview.stale and not preview.unchanged
    (lot,) = preview.changes
    assert (lot.kind, lot.number, lot.old_value, lot.new_value) == (CHANGED, "1", Decimal("60.00"), Decimal("52.00"))
    assert [(p.kind, p.product_number, p.old_quantity, p.new_quantity) for p in lot.positions] == [
        (CHANGED, "P-1", Decimal("10.000"), Decimal("12.000")),
        (REMOVED, "P-2", Decimal("5.000"), None),
        (ADDED, "P-3", None, Decimal("1.000"))]
    # Nothing was written by the preview.
    assert get_plan(db, rnd.id).estimated_total == Decimal("60.00")

    # Accepting with the previewed stamp rebuilds; a stamp from before the change is refused.
    with pytest.raises(StaleVersion):
        build_lots(db, "test", rnd.id, expected_stamp="0" * 64)
    rebuilt = build_lots(db, "test", rnd.id, expected_stamp=preview.stamp)
    assert rebuilt.estimated_total == Decimal("52.00")
    assert preview_lots(db, rnd.id).unchanged


def test_the_preview_of_a_first_build_lists_every_lot_as_added(db, make_round, make_member, make_category,
                                                               make_product, add_submission):
    rnd = make_round(closed=True)
    add_submission(rnd, make_member(), [(make_product(make_category(name="Tinte")), "2")])

    preview = preview_lots(db, rnd.id)

    assert not preview.has_plan
    assert [(c.kind, c.number, c.title) for c in preview.changes] == [(ADDED, "1", "Tinte")]


def test_a_plan_with_gebietslose_and_fachlose_allocates_every_line_once(
        db, make_round, make_member, make_category, make_product, add_submission):
    rnd = make_round(closed=True)
    split, whole = make_category(name="Reinigung", sort_order=1), make_category(name="Papier", sort_order=2)
    soap, a4 = make_product(split, number="R-1"), make_product(whole, number="P-1")
    north, south = make_member(region="Nord"), make_member(region="Süd")
    add_submission(rnd, north, [(soap, "1.5"), (a4, "2")])
    add_submission(rnd, south, [(soap, "4"), (a4, "0.25")])
    save_lot_rules(db, "test", rnd.id, LotRules(region_split=[split.id]), NATIONAL_PROCEDURES[0], expected_version=0)

    result = build_lots(db, "test", rnd.id)

    assert [(lot.number, lot.kind) for lot in result.lots] == [("1.1", "Gebietslos"), ("1.2", "Gebietslos"),
                                                               ("2", "Fachlos")]
    assert result.demand_line_count == 4
    assert _allocated_by_product_member(db, result.plan_id) == _submitted_by_product_member(db, rnd)
