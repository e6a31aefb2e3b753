"""What changed between two lot plans (the preview of a rebuild). Pure: no Flask, no SQLAlchemy.

Lots are matched by what they contain, not by their number (issue 16 part 5): first a lot of
the new plan with a lot of the old plan of the same categories and region (a Teillos of a split
category with the one sharing most products), then the rest with a lot of the same region whose
categories overlap and that shares products (a merge or an unmerge shows as a change of the lot
that kept most of its products). A lot that keeps its content under another number shows as
renumbered ("Los 12 → Los 11"); what matches nothing is added or removed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from einkauf.lots.planner import lot_number_key, position_key


@dataclass(frozen=True)
class PositionSnapshot:
    """A position as the diff compares it: product, annual quantity and estimated value."""

    product_id: int
    product_number: str
    short_text: str
    annual_quantity: Decimal
    estimated_value: Decimal


@dataclass(frozen=True)
class LotSnapshot:
    number: str
    title: str
    estimated_value: Decimal
    positions: tuple[PositionSnapshot, ...]
    # What the lot is made of: its categories and its region (Gebietslos; None: every region).
    category_ids: frozenset[int] = frozenset()
    region: str | None = None

    @property
    def products(self) -> frozenset[int]:
        return frozenset(p.product_id for p in self.positions)


ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class PositionChange:
    kind: str  # ADDED, REMOVED or CHANGED
    product_number: str
    short_text: str
    old_quantity: Decimal | None
    new_quantity: Decimal | None
    old_value: Decimal | None
    new_value: Decimal | None


@dataclass(frozen=True)
class LotChange:
    kind: str  # ADDED, REMOVED or CHANGED (number, title, value or positions)
    number: str  # the new number (the old one of a removed lot)
    old_title: str | None
    new_title: str | None
    old_value: Decimal | None
    new_value: Decimal | None
    positions: tuple[PositionChange, ...]
    old_number: str | None = None  # of a changed lot: its number in the current plan

    @property
    def title(self) -> str:
        return self.new_title if self.new_title is not None else (self.old_title or "")

    @property
    def renumbered(self) -> bool:
        return self.kind == CHANGED and self.old_number is not None and self.old_number != self.number

    @property
    def only_renumbered(self) -> bool:
        """Same content, title and value, another number."""
        return (self.renumbered and not self.positions and self.old_title == self.new_title
                and self.old_value == self.new_value)


@dataclass(frozen=True)
class DiffSummary:
    added: int
    removed: int
    changed: int  # content, title or value
    renumbered: int  # only the number

    @classmethod
    def of(cls, changes: Sequence[LotChange]) -> DiffSummary:
        return cls(sum(c.kind == ADDED for c in changes), sum(c.kind == REMOVED for c in changes),
                   sum(c.kind == CHANGED and not c.only_renumbered for c in changes),
                   sum(c.only_renumbered for c in changes))


def match_lots(old: Sequence[LotSnapshot], new: Sequence[LotSnapshot]) -> list[tuple[int, int]]:
    """Pairs (index in old, index in new) of the lots that are the same lot (see the module)."""
    pairs: list[tuple[int, int]] = []
    free_old, free_new = set(range(len(old))), set(range(len(new)))

    def pair_greedily(candidates: list[tuple[int, int]], *, need_overlap: bool) -> None:
        scored = sorted(((len(old[o].products & new[n].products), o, n) for o, n in candidates),
                        key=lambda item: (-item[0], item[1], item[2]))
        for overlap, o, n in scored:
            if o in free_old and n in free_new and (overlap > 0 or not need_overlap):
                pairs.append((o, n))
                free_old.discard(o)
                free_new.discard(n)

    same_content = [(o, n) for o in range(len(old)) for n in range(len(new))
                    if (old[o].category_ids, old[o].region) == (new[n].category_ids, new[n].region)]
    pair_greedily(same_content, need_overlap=False)
    related = [(o, n) for o in sorted(free_old) for n in sorted(free_new)
               if old[o].region == new[n].region and old[o].category_ids & new[n].category_ids]
    pair_greedily(related, need_overlap=True)
    return pairs


def diff_plans(old: Sequence[LotSnapshot], new: Sequence[LotSnapshot]) -> list[LotChange]:
    """What a rebuild changes, per lot (matched by content, see the module), in the new plan's
    lot order, removed lots last in the old order.

    A lot only in `new` is added, only in `old` removed; a matched lot is changed when its
    number, title, value or any position differs. Positions are matched by product: added,
    removed, or changed in annual quantity or estimated value. Unchanged lots are left out, so
    an empty list means the rebuild gives the same lots and positions.
    """
    matched = {n: o for o, n in match_lots(old, new)}
    kept = set(matched.values())
    changes: list[LotChange] = []
    for n in sorted(range(len(new)), key=lambda i: lot_number_key(new[i].number)):
        after = new[n]
        if n not in matched:
            changes.append(LotChange(ADDED, after.number, None, after.title, None, after.estimated_value,
                                     tuple(_position_change(ADDED, None, p) for p in after.positions)))
            continue
        before = old[matched[n]]
        position_changes = _position_changes(before, after)
        if (position_changes or before.title != after.title or before.estimated_value != after.estimated_value
                or before.number != after.number):
            changes.append(LotChange(CHANGED, after.number, before.title, after.title, before.estimated_value,
                                     after.estimated_value, tuple(position_changes), old_number=before.number))
    for o in sorted(set(range(len(old))) - kept, key=lambda i: lot_number_key(old[i].number)):
        before = old[o]
        changes.append(LotChange(REMOVED, before.number, before.title, None, before.estimated_value, None,
                                 tuple(_position_change(REMOVED, p, None) for p in before.positions)))
    return changes


def _position_changes(before: LotSnapshot, after: LotSnapshot) -> list[PositionChange]:
    old_positions = {p.product_id: p for p in before.positions}
    new_positions = {p.product_id: p for p in after.positions}
    changes = []
    products = {**old_positions, **new_positions}
    for product_id in sorted(products, key=lambda pid: position_key(products[pid])):
        was, now = old_positions.get(product_id), new_positions.get(product_id)
        if was is None:
            changes.append(_position_change(ADDED, None, now))
        elif now is None:
            changes.append(_position_change(REMOVED, was, None))
        elif (was.annual_quantity, was.estimated_value) != (now.annual_quantity, now.estimated_value):
            changes.append(_position_change(CHANGED, was, now))
    return changes


def _position_change(kind: str, before: PositionSnapshot | None, after: PositionSnapshot | None) -> PositionChange:
    shown = after or before
    assert shown is not None, "a position change has a position before or after"
    return PositionChange(kind, shown.product_number, shown.short_text,
                          before.annual_quantity if before else None, after.annual_quantity if after else None,
                          before.estimated_value if before else None, after.estimated_value if after else None)
