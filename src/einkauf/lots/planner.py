"""Pure rules of the lot plan: lot numbers, merge groups, Gebietslose and Teillose (R2, R6),
and where each demand goes. No Flask, no SQLAlchemy: plain dataclasses and Decimal, fed by SQL
aggregates in einkauf.lots.services; the values come from einkauf.lots.values, the procedure
(thresholds, small-lots quota; R4) from einkauf.lots.procedure.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from einkauf.errors import ValidationFailed
from einkauf.formatting import amount_json
from einkauf.lots.values import estimated_quantity, maximum_quantity, position_estimated_value, position_maximum_value
from einkauf.money import exact_decimal
from einkauf.texts import N_

# --- lot numbers ----------------------------------------------------------------------------

def lot_number_key(number: str) -> tuple:
    """Sort key for lot numbers: "2" < "3.1" < "3.2" < "10" (numeric per dotted part)."""
    return tuple((0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part)
                 for part in str(number).split("."))


# --- the lot plan ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryInput:
    """A category of the catalogue (Warengruppe). Order: sort_order, name, id."""

    id: int
    name: str
    cpv: str
    sort_order: int = 0


@dataclass(frozen=True)
class PositionInput:
    """Submitted demand of one product from the members of one region, aggregated in SQL:
    SUM(quantity) per (category, product, member region). `region` is the member's region
    ("" when not recorded); `members` the ids (or AGS) of the members that contributed."""

    category_id: int
    product_id: int
    product_number: str
    region: str
    annual_quantity: Decimal
    reference_price: Decimal
    members: frozenset = frozenset()
    # Σ of the lines' R1 values (quantity × price, each half-up to cents), summed in SQL.
    annual_value: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class LotRules:
    """The coordinator's lot rules, stored with the round so that a rebuild reproduces them.

    merge_groups: groups of category ids that together form one Fachlos.
    region_split: category ids split into Gebietslose by member region (a merge group is
        split only as a whole: either all or none of its categories).
    excluded_products: product ids left out of every lot.
    split_value: a lot whose estimated value exceeds it is split into Teillose (None: never).
    """

    merge_groups: tuple[tuple[int, ...], ...] = ()
    region_split: frozenset[int] = frozenset()
    excluded_products: frozenset[int] = frozenset()
    split_value: Decimal | None = None

    def __post_init__(self):
        # Accept lists and sets from callers and JSON; store hashable values in a canonical
        # order (the order inside and between groups means nothing), so equal rules compare equal.
        groups = tuple(sorted(tuple(sorted(set(group))) for group in self.merge_groups))
        object.__setattr__(self, "merge_groups", groups)
        object.__setattr__(self, "region_split", frozenset(self.region_split))
        object.__setattr__(self, "excluded_products", frozenset(self.excluded_products))
        if self.split_value is not None:
            object.__setattr__(self, "split_value", exact_decimal(self.split_value, "split_value"))

    def to_json(self) -> dict:
        """A JSON-safe dict (stable order), e.g. for storing the rules with the round."""
        return {
            "merge_groups": [list(group) for group in self.merge_groups],
            "region_split": sorted(self.region_split),
            "excluded_products": sorted(self.excluded_products),
            "split_value": None if self.split_value is None else amount_json(self.split_value),
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> LotRules:
        data = data or {}
        split_value = data.get("split_value")
        return cls(
            merge_groups=tuple(tuple(int(c) for c in group) for group in data.get("merge_groups", ())),
            region_split=frozenset(int(c) for c in data.get("region_split", ())),
            excluded_products=frozenset(int(p) for p in data.get("excluded_products", ())),
            split_value=None if split_value in (None, "") else Decimal(str(split_value)),
        )


@dataclass(frozen=True)
class PlannedPosition:
    """One product in a planned lot (LV-Position), with its quantities and value.

    `regions` lists the member regions whose demand this position takes: an allocation of a
    demand line (product, member region) goes to exactly one position (see position_for_demand).
    """

    product_id: int
    product_number: str
    category_id: int
    annual_quantity: Decimal
    estimated_quantity: Decimal
    maximum_quantity: Decimal
    reference_price: Decimal
    estimated_value: Decimal
    members: tuple
    regions: tuple[str, ...]
    annual_value: Decimal = Decimal("0.00")
    # maximum_quantity × reference_price, half-up to cents (position_maximum_value).
    maximum_value: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class PlannedLot:
    """A lot of the plan: number, kind (Fachlos / Gebietslos / Teillos), title, CPV of its first
    category, its categories, region (Gebietslos only), positions by product number, the named
    beneficiaries (R6) and the estimated value (sum of rounded position values). A lot merged
    from several categories keeps their other CPV codes as additional codes (`additional_cpvs`:
    distinct, in category order, without the main code)."""

    number: str
    kind: str
    title: str
    cpv: str
    category_ids: tuple[int, ...]
    region: str | None
    positions: tuple[PlannedPosition, ...]
    members: tuple
    estimated_value: Decimal
    annual_value: Decimal = Decimal("0.00")
    additional_cpvs: tuple[str, ...] = ()
    # Σ of the positions' maximum values (at the maximum quantities).
    maximum_value: Decimal = Decimal("0.00")

    def to_json(self) -> dict:
        """The lot for `einkauf lots build --json` (members as given: ids or AGS)."""
        return {
            "number": self.number,
            "title": self.title,
            "cpv": self.cpv,
            "additional_cpv_codes": list(self.additional_cpvs),
            "members": list(self.members),
            "positions": len(self.positions),
            "estimated_value": amount_json(self.estimated_value),
            "maximum_value": amount_json(self.maximum_value),
        }


FACHLOS = N_("Fachlos")
GEBIETSLOS = N_("Gebietslos")
TEILLOS = N_("Teillos")
NO_REGION_TITLE = "ohne Region"


class InvalidLotRules(ValidationFailed):
    """The lot rules contradict themselves or name unknown categories; `.problems` in German."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("Die Losregeln sind widersprüchlich: " + " ".join(problems))
        self.problems = list(problems)


def _category_key(category: CategoryInput) -> tuple:
    return (category.sort_order, category.name, category.id)


def _region_key(region: str) -> tuple:
    """Region names in alphabetical order, umlauts as their base letter, "" (unknown) last."""
    folded = unicodedata.normalize("NFKD", region.casefold())
    base = "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("ß", "ss")
    return (region == "", base, region)


class _NumberedPosition(Protocol):
    """A position of a plan or of its snapshot: ordered by article number, then product id."""

    @property
    def product_number(self) -> str: ...

    @property
    def product_id(self) -> int: ...


def position_key(position: _NumberedPosition) -> tuple:
    return (position.product_number, position.product_id)


def check_lot_rules(rules: LotRules, categories: Iterable[CategoryInput]) -> list[str]:
    """German problems of a rule set against the catalogue's categories (empty list: fine).

    Pass all categories of the catalogue, not only those with demand."""
    names = {c.id: c.name for c in categories}
    problems: list[str] = []

    def label(category_id: int) -> str:
        return f"„{names[category_id]}“" if category_id in names else f"Nr. {category_id}"

    seen: dict[int, int] = {}
    for index, group in enumerate(rules.merge_groups, start=1):
        if len(set(group)) < 2:
            problems.append(f"Die Zusammenlegung {index} braucht mindestens zwei verschiedene Warengruppen.")
        for category_id in dict.fromkeys(group):
            if category_id in seen and seen[category_id] != index:
                problems.append(f"Die Warengruppe {label(category_id)} steht in mehr als einer Zusammenlegung.")
            seen.setdefault(category_id, index)
        split = [c for c in dict.fromkeys(group) if c in rules.region_split]
        if split and len(split) != len(set(group)):
            problems.append(f"Die Zusammenlegung {index} wird nur als Ganzes nach Regionen geteilt: "
                            "entweder alle oder keine ihrer Warengruppen in Gebietslose teilen.")
    unknown = sorted({c for group in rules.merge_groups for c in group} | set(rules.region_split))
    for category_id in unknown:
        if category_id not in names:
            problems.append(f"Die Warengruppe Nr. {category_id} gibt es nicht.")
    if rules.split_value is not None and rules.split_value <= 0:
        problems.append("Der Wert, ab dem ein Los in Teillose geteilt wird, muss größer als 0,00 € sein.")
    return list(dict.fromkeys(problems))


def _aggregate(positions: Sequence[PositionInput], term_months_total: int, buffer_pct: Decimal,
               category_id: int) -> PlannedPosition:
    """Merge the (region) rows of one product into one planned position."""
    first = positions[0]
    prices = {p.reference_price for p in positions}
    if len(prices) > 1:
        raise ValueError(f"product {first.product_id} has different reference prices: {sorted(prices)}")
    annual = sum((p.annual_quantity for p in positions), Decimal("0.000"))
    estimated = estimated_quantity(annual, term_months_total)
    maximum = maximum_quantity(estimated, buffer_pct)
    members = frozenset().union(*(p.members for p in positions))
    return PlannedPosition(
        product_id=first.product_id,
        product_number=first.product_number,
        category_id=category_id,
        annual_quantity=annual,
        estimated_quantity=estimated,
        maximum_quantity=maximum,
        reference_price=first.reference_price,
        estimated_value=position_estimated_value(annual, first.reference_price, term_months_total),
        members=tuple(sorted(members)),
        regions=tuple(sorted({p.region for p in positions}, key=_region_key)),
        annual_value=sum((p.annual_value for p in positions), Decimal("0.00")),
        maximum_value=position_maximum_value(maximum, first.reference_price),
    )


def _lot(number: str, kind: str, title: str, categories: Sequence[CategoryInput], region: str | None,
         positions: Sequence[PlannedPosition]) -> PlannedLot:
    ordered = tuple(sorted(positions, key=position_key))
    used = {p.category_id for p in ordered}
    lot_categories = [c for c in categories if c.id in used]
    main_cpv = lot_categories[0].cpv
    return PlannedLot(
        number=number,
        kind=kind,
        title=title,
        cpv=main_cpv,
        additional_cpvs=tuple(cpv for cpv in dict.fromkeys(c.cpv for c in lot_categories) if cpv != main_cpv),
        category_ids=tuple(c.id for c in lot_categories),
        region=region,
        positions=ordered,
        members=tuple(sorted(frozenset().union(*(p.members for p in ordered)))),
        estimated_value=sum((p.estimated_value for p in ordered), Decimal("0.00")),
        annual_value=sum((p.annual_value for p in ordered), Decimal("0.00")),
        maximum_value=sum((p.maximum_value for p in ordered), Decimal("0.00")),
    )


def split_into_parts(positions: Sequence[PlannedPosition], split_value: Decimal) -> list[list[PlannedPosition]]:
    """Teillose: positions in product-number order, cut into consecutive parts.

    A part takes the next position as long as its value stays ≤ split_value; otherwise a new
    part starts. A single position worth more than split_value forms a part of its own (a
    product is never divided between Teillose). Greedy cutting gives the fewest consecutive
    parts. Positions are returned in product-number order.
    """
    parts: list[list[PlannedPosition]] = []
    current: list[PlannedPosition] = []
    current_value = Decimal(0)
    for position in sorted(positions, key=position_key):
        if current and current_value + position.estimated_value > split_value:
            parts.append(current)
            current, current_value = [], Decimal(0)
        current.append(position)
        current_value += position.estimated_value
    if current:
        parts.append(current)
    return parts


def plan_lots(categories: Iterable[CategoryInput], positions: Iterable[PositionInput], rules: LotRules, *,
              term_months_total: int, buffer_pct: Decimal = Decimal("0")) -> list[PlannedLot]:
    """The lot plan of a round: pure and deterministic (the order of the inputs does not matter).

    1. Units: every category is a Fachlos of its own, except the categories of a merge group,
       which form one Fachlos together. Units are ordered by their first category in category
       order (sort_order, name, id). Positions of excluded products are left out; units
       without positions get no lot. The remaining units are numbered "1", "2", … .
    2. Gebietslose: a unit whose categories are region-split and whose demand comes from at
       least two regions becomes one lot per member region, numbered "n.1", "n.2", … in
       alphabetical order of the region name (umlauts as base letters; members without a
       region last, titled "ohne Region"). Otherwise the demand of all regions is summed per
       product into one position.
    3. Teillose: a lot whose estimated value exceeds rules.split_value is cut into
       consecutive parts (split_into_parts) numbered by appending ".1", ".2", … ("4.1",
       "3.2.1"); a cut that yields a single part leaves the lot whole.
    Titles: category names in category order joined by ", ", then " – Gebietslos <region>"
    and/or " – Teillos <k>". CPV: of the lot's first category (in category order) with
    demand; the other CPV codes of its categories with demand are additional codes.
    Positions: by product number (then product id). Members: sorted union.

    Raises InvalidLotRules for contradictory rules (see check_lot_rules) and ValueError for
    inconsistent input (unknown category, a product in two categories or with two prices,
    the same product and region twice). term_months_total: contract term plus all
    extension options; buffer_pct: the round's maximum-quantity buffer.
    """
    ordered_categories = sorted(categories, key=_category_key)
    problems = check_lot_rules(rules, ordered_categories)
    if problems:
        raise InvalidLotRules(problems)
    by_id = {c.id: c for c in ordered_categories}
    rank = {c.id: index for index, c in enumerate(ordered_categories)}

    # Unit of every category: a merge group or the category alone, keyed by its first member.
    unit_of: dict[int, int] = {c.id: c.id for c in ordered_categories}
    for group in rules.merge_groups:
        leader = min(group, key=rank.__getitem__)
        for category_id in group:
            unit_of[category_id] = leader

    rows_by_unit: dict[int, dict[int, list[PositionInput]]] = {}
    category_of_product: dict[int, int] = {}
    seen_keys: set[tuple[int, str]] = set()
    for row in positions:
        if row.category_id not in by_id:
            raise ValueError(f"position of product {row.product_id} names unknown category {row.category_id}")
        if category_of_product.setdefault(row.product_id, row.category_id) != row.category_id:
            raise ValueError(f"product {row.product_id} appears in two categories")
        key = (row.product_id, row.region)
        if key in seen_keys:
            raise ValueError(f"product {row.product_id} and region {row.region!r} appear twice")
        seen_keys.add(key)
        if row.product_id in rules.excluded_products:
            continue
        rows_by_unit.setdefault(unit_of[row.category_id], {}).setdefault(row.product_id, []).append(row)

    lots: list[PlannedLot] = []
    for number, leader in enumerate(sorted(rows_by_unit, key=rank.__getitem__), start=1):
        products = rows_by_unit[leader]
        unit_categories = [c for c in ordered_categories if unit_of[c.id] == leader]
        with_demand = {category_of_product[p] for p in products}
        title = ", ".join(c.name for c in unit_categories if c.id in with_demand)
        regions = sorted({row.region for rows in products.values() for row in rows}, key=_region_key)
        if leader in rules.region_split and len(regions) >= 2:
            region_lots = []
            for index, region in enumerate(regions, start=1):
                planned = [
                    _aggregate(region_rows, term_months_total, buffer_pct, category_of_product[product_id])
                    for product_id, rows in products.items()
                    if (region_rows := [row for row in rows if row.region == region])
                ]
                region_title = f"{title} – {GEBIETSLOS} {region or NO_REGION_TITLE}"
                region_lots.append(_lot(f"{number}.{index}", GEBIETSLOS, region_title, unit_categories,
                                        region, planned))
        else:
            planned = [_aggregate(rows, term_months_total, buffer_pct, category_of_product[product_id])
                       for product_id, rows in products.items()]
            region_lots = [_lot(str(number), FACHLOS, title, unit_categories, None, planned)]
        for lot in region_lots:
            lots.extend(_split_if_needed(lot, rules.split_value, unit_categories))
    return lots


def _split_if_needed(lot: PlannedLot, split_value: Decimal | None,
                     categories: Sequence[CategoryInput]) -> list[PlannedLot]:
    if split_value is None or lot.estimated_value <= split_value:
        return [lot]
    parts = split_into_parts(lot.positions, split_value)
    if len(parts) < 2:
        return [lot]
    return [_lot(f"{lot.number}.{index}", TEILLOS, f"{lot.title} – {TEILLOS} {index}", categories,
                 lot.region, part)
            for index, part in enumerate(parts, start=1)]


def lots_build_json(round_code: str, members: int, demand_lines: int, lots: Sequence[PlannedLot]) -> dict:
    """The object printed by `einkauf lots build --json`: members and demand lines counted by the
    caller (submitted demand only), amounts as strings with two decimals."""
    return {
        "round": round_code,
        "members": members,
        "demand_lines": demand_lines,
        "estimated_total": amount_json(plan_total(lots)),
        "maximum_total": amount_json(plan_maximum_total(lots)),
        "lots": [lot.to_json() for lot in lots],
    }


def plan_total(lots: Iterable[PlannedLot]) -> Decimal:
    """The estimated value of the whole plan: the sum of the lot values (§ 3 Abs. 7 VgV)."""
    return sum((lot.estimated_value for lot in lots), Decimal("0.00"))


def plan_maximum_total(lots: Iterable[PlannedLot]) -> Decimal:
    """The maximum value of the whole plan: the sum of the lots' maximum values."""
    return sum((lot.maximum_value for lot in lots), Decimal("0.00"))


@dataclass(frozen=True)
class PositionTarget:
    """Where the demand of one product from one member region goes: lot number and product."""

    lot_number: str
    product_id: int


def position_for_demand(lots: Iterable[PlannedLot]) -> dict[tuple[int, str], PositionTarget]:
    """Map (product id, member region) → the planned position that takes that demand.

    The services insert Allocation rows set-based from this map (one row per key), so every
    submitted demand line of a non-excluded product lands in exactly one position (R2).
    """
    targets: dict[tuple[int, str], PositionTarget] = {}
    for lot in lots:
        for position in lot.positions:
            for region in position.regions:
                key = (position.product_id, region)
                if key in targets:  # pragma: no cover - plan_lots never produces this
                    raise ValueError(f"demand {key} is planned twice")
                targets[key] = PositionTarget(lot.number, position.product_id)
    return targets



# --- what changed between two plans ---------------------------------------------------------
