"""Pure arithmetic of the savings report (issue 14 part 4; R1, R22). No Flask, no SQLAlchemy.

A figure compares two annual values of the same rows (allocations: member × site × cost centre ×
budget account × position) of an awarded lot: the estimated value — each row at the reference
price frozen with the lot plan (Allocation.net_value) — and the awarded value — each row at the
awarded unit price, rounded once per row by einkauf.contracts.queries.awarded_row_cents, the rule
of the contract pages and of the finance export at awarded prices. Positions without a price in
the awarded bid are left out of both. Saving = estimated − awarded; % = saving / estimated,
half-up to two places. Cancelled and undecided lots are listed apart and never counted.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")


def saving_pct(estimated: Decimal, awarded: Decimal) -> Decimal | None:
    """(estimated − awarded) / estimated in %, half-up to two places; None without an estimate."""
    if estimated == 0:
        return None
    return ((estimated - awarded) * 100 / estimated).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One line of the report: a label with its estimated and awarded annual value."""

    label: str
    estimated: Decimal
    awarded: Decimal
    detail: str = ""  # e.g. the tender reference of a lot

    @property
    def saving(self) -> Decimal:
        return self.estimated - self.awarded

    @property
    def pct(self) -> Decimal | None:
        return saving_pct(self.estimated, self.awarded)


def total(label: str, figures: Iterable[Figure]) -> Figure:
    items = list(figures)
    return Figure(label, sum((f.estimated for f in items), ZERO), sum((f.awarded for f in items), ZERO))


@dataclass(frozen=True)
class PriceChange:
    """An article's awarded unit price against the previous round's awarded unit price."""

    product_number: str
    short_text: str
    unit_label: str
    price: Decimal
    previous_price: Decimal | None
    previous_round: str

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_price is None else self.price - self.previous_price

    @property
    def pct(self) -> Decimal | None:
        if self.previous_price is None or self.previous_price == 0:
            return None
        return ((self.price - self.previous_price) * 100 / self.previous_price).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OpenLot:
    """A lot of the round not counted: cancelled (with its reason) or not decided yet."""

    tender_reference: str
    number: str
    title: str
    outcome: str  # "cancelled" or "open"
    reason: str
    estimated: Decimal


@dataclass(frozen=True)
class SavingsReport:
    round_code: str
    round_title: str
    total: Figure
    tenders: tuple[Figure, ...]
    lots: tuple[Figure, ...]
    categories: tuple[Figure, ...]
    members: tuple[Figure, ...]
    prices: tuple[PriceChange, ...]
    not_counted: tuple[OpenLot, ...]

    @property
    def has_awards(self) -> bool:
        return bool(self.lots)



@dataclass(frozen=True)
class CooperativeSaving:
    """The cooperative's saving: per round with awards (newest first: round id and its figure,
    labelled with the round's code) and over all of them."""

    rounds: tuple[tuple[int, Figure], ...]
    total: Figure
