"""What changed between two lot plans (the preview of a rebuild). Pure: no Flask, no SQLAlchemy."""
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
    kind: str  # ADDED, REMOVED or CHANGED (title, value or positions)
    number: str
    old_title: str | None
    new_title: str | None
    old_value: Decimal | None
    new_value: Decimal | None
    positions: tuple[PositionChange, ...]

    @property
    def title(self) -> str:
        return self.new_title if self.new_title is not None else (self.old_title or "")


def diff_plans(old: Sequence[LotSnapshot], new: Sequence[LotSnapshot]) -> list[LotChange]:
    """What a rebuild changes, per lot (matched by lot number), in lot-number order.

    A lot only in `new` is added, only in `old` removed; a lot in both is changed when its
    title, value or any position differs. Positions are matched by product: added, removed,
    or changed in annual quantity or estimated value. Unchanged lots are left out, so an
    empty list means the rebuild gives the same lots and positions.
    """
    old_by_number = {lot.number: lot for lot in old}
    new_by_number = {lot.number: lot for lot in new}
    changes: list[LotChange] = []
    for number in sorted(set(old_by_number) | set(new_by_number), key=lot_number_key):
        before, after = old_by_number.get(number), new_by_number.get(number)
        if before is None:
            assert after is not None  # the number comes from one of the two plans
            changes.append(LotChange(ADDED, number, None, after.title, None, after.estimated_value,
                                     tuple(_position_change(ADDED, None, p) for p in after.positions)))
            continue
        if after is None:
            changes.append(LotChange(REMOVED, number, before.title, None, before.estimated_value, None,
                                     tuple(_position_change(REMOVED, p, None) for p in before.positions)))
            continue
        old_positions = {p.product_id: p for p in before.positions}
        new_positions = {p.product_id: p for p in after.positions}
        position_changes = []
        products = {**old_positions, **new_positions}
        for product_id in sorted(products, key=lambda pid: position_key(products[pid])):
            was, now = old_positions.get(product_id), new_positions.get(product_id)
            if was is None:
                position_changes.append(_position_change(ADDED, None, now))
            elif now is None:
                position_changes.append(_position_change(REMOVED, was, None))
            elif (was.annual_quantity, was.estimated_value) != (now.annual_quantity, now.estimated_value):
                position_changes.append(_position_change(CHANGED, was, now))
        if position_changes or before.title != after.title or before.estimated_value != after.estimated_value:
            changes.append(LotChange(CHANGED, number, before.title, after.title, before.estimated_value,
                                     after.estimated_value, tuple(position_changes)))
    return changes


def _position_change(kind: str, before: PositionSnapshot | None, after: PositionSnapshot | None) -> PositionChange:
    shown = after or before
    assert shown is not None, "a position change has a position before or after"
    return PositionChange(kind, shown.product_number, shown.short_text,
                          before.annual_quantity if before else None, after.annual_quantity if after else None,
                          before.estimated_value if before else None, after.estimated_value if after else None)
