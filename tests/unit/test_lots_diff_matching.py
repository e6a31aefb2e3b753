"""The rebuild preview matches lots by content, not by number (einkauf.lots.diff, issue 16 part 5)."""
from decimal import Decimal

from einkauf.lots.diff import ADDED, CHANGED, REMOVED, DiffSummary, LotSnapshot, PositionSnapshot, diff_plans


def lot(number: str, categories: tuple[int, ...], products: tuple[int, ...], *, region=None, title=None,
        quantity="1") -> LotSnapshot:
    positions = tuple(PositionSnapshot(p, f"A-{p}", f"Artikel {p}", Decimal(quantity), Decimal(quantity) * 10)
                      for p in products)
    return LotSnapshot(number, title or f"Warengruppe {categories}", sum((p.estimated_value for p in positions),
                                                                         Decimal(0)),
                       positions, category_ids=frozenset(categories), region=region)


def test_a_lot_that_only_moved_to_another_number_shows_as_renumbered():
    # Category 11 left the plan (no demand any more): lots 2 and 3 move up to 1 and 2.
    old = [lot("1", (11,), (1,)), lot("2", (12,), (2, 3)), lot("3", (13,), (4,))]
    new = [lot("1", (12,), (2, 3)), lot("2", (13,), (4,))]
    changes = diff_plans(old, new)
    assert [(c.kind, c.old_number, c.number, c.only_renumbered) for c in changes] == [
        (CHANGED, "2", "1", True), (CHANGED, "3", "2", True), (REMOVED, None, "1", False)]
    assert DiffSummary.of(changes) == DiffSummary(added=0, removed=1, changed=0, renumbered=2)


def test_a_renumbered_lot_with_a_changed_quantity_is_changed_and_renumbered():
    old = [lot("1", (11,), (1,)), lot("2", (12,), (2,))]
    new = [lot("1", (12,), (2,), quantity="5")]
    changed, removed = diff_plans(old, new)
    assert (changed.kind, changed.old_number, changed.number, changed.renumbered) == (CHANGED, "2", "1", True)
    assert not changed.only_renumbered and [p.kind for p in changed.positions] == [CHANGED]
    assert (removed.kind, removed.number) == (REMOVED, "1")
    assert DiffSummary.of([changed, removed]) == DiffSummary(added=0, removed=1, changed=1, renumbered=0)


def test_teillose_of_one_category_are_matched_by_their_shared_products():
    old = [lot("3.1", (13,), (1, 2, 3)), lot("3.2", (13,), (4, 5, 6))]
    # The split moved: product 3 went to the second part; the parts keep their numbers.
    new = [lot("3.1", (13,), (1, 2)), lot("3.2", (13,), (3, 4, 5, 6))]
    first, second = diff_plans(old, new)
    assert (first.old_number, first.number) == ("3.1", "3.1") and [p.kind for p in first.positions] == [REMOVED]
    assert (second.old_number, second.number) == ("3.2", "3.2") and [p.kind for p in second.positions] == [ADDED]


def test_a_merge_changes_the_lot_that_kept_most_products_and_removes_the_other():
    old = [lot("1", (11,), (1, 2, 3)), lot("2", (12,), (4,))]
    new = [lot("1", (11, 12), (1, 2, 3, 4), title="Papier, Tinte")]
    changed, removed = diff_plans(old, new)
    assert (changed.kind, changed.old_number, changed.number, changed.new_title) == (CHANGED, "1", "1", "Papier, Tinte")
    assert (removed.kind, removed.number) == (REMOVED, "2")


def test_gebietslose_replace_the_fachlos_as_new_lots():
    old = [lot("1", (11,), (1, 2))]
    new = [lot("1.1", (11,), (1, 2), region="Ruhrgebiet"), lot("1.2", (11,), (1,), region="Rheinland")]
    assert [(c.kind, c.number) for c in diff_plans(old, new)] == [(ADDED, "1.1"), (ADDED, "1.2"), (REMOVED, "1")]


def test_the_same_plan_has_no_changes():
    plan = [lot("1", (11,), (1,)), lot("2", (12,), (2,))]
    assert diff_plans(plan, list(plan)) == []
