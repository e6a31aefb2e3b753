"""Pure rules of lot building: quantities and values over the term (R1, R3, R5), German number
formatting, JSON amounts, and the lot plan (numbering, merge, Gebietslose, Teillose; R2, R6).

No Flask, no SQLAlchemy: plain dataclasses and Decimal, fed by SQL aggregates in the services.
The procedure (thresholds, small-lots quota; R4) lives in einkauf.lots.procedure.

Rounding decisions (all half-up, i.e. x.xx5 → x.xx + 0.01, never banker's rounding):
- estimated quantity over the term = annual quantity × months / 12, half-up to thousandths
  (the Quantity column holds thousandths);
- maximum quantity = estimated quantity × (1 + buffer %), rounded UP to whole units (R5);
- estimated value of a position = annual quantity × reference price × months / 12, rounded
  ONCE, half-up to cents. One rounding of the exact product is the most faithful figure for
  § 3 VgV and is what the SQL of einkauf.lots.services computes:
  V = (A·p·T + 6000) div 12000 with A in thousandths and p in cents. For a one-year term it
  equals the R1 line value of the position (quantity × price, half-up to cents);
- maximum value of a position = maximum quantity over the term × reference price, half-up to
  cents (R1): the value of all call-offs the framework agreement allows, which decides the
  threshold test by default (Art. 5 Abs. 5 RL 2014/24/EU, see einkauf.lots.procedure);
- the value of a lot (and of a tender) is the sum of its rounded position values; likewise
  the maximum value;
- annual values, their value over the term and the members' shares beside it: lot_money (R22).
All intermediate arithmetic is exact (fractions), so no float and no context precision can
shift a half-cent.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from einkauf.errors import ValidationFailed
from einkauf.texts import N_

THOUSANDTH = Decimal("0.001")
CENT = Decimal("0.01")
MONTHS_PER_YEAR = 12


# --- exact arithmetic helpers ---------------------------------------------------------------

def _round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact fraction half-up (away from zero on a tie) to `places` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    units = int(scaled)  # floor for non-negative values
    if scaled - units >= Fraction(1, 2):
        units += 1
    result = Decimal(units).scaleb(-places)
    return -result if value < 0 else result


def _ceiling(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{what}: float is not accepted for exact amounts; use Decimal")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what}: not a finite number: {value!r}")
    return result


def _months(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: whole months expected, got {value!r}")
    if value < 0:
        raise ValueError(f"{what}: negative number of months: {value}")
    return value


# --- R1, R3, R5: quantities and values over the term ----------------------------------------

def term_years(contract_term_months: int, extension_months: int = 0) -> Decimal:
    """Term in years = (contract term + all extension options) / 12 (§ 3 Abs. 1 and 4 VgV).

    24 + 24 months → Decimal("4"). Exact whenever the months are a multiple of 3 (quarters);
    otherwise (e.g. 13 months) the quotient has 28 significant digits. Use it for display
    only: quantities and values multiply by months and divide by 12 once, exactly.
    """
    months = _months(contract_term_months, "contract_term_months") + _months(extension_months, "extension_months")
    years = Decimal(months) / MONTHS_PER_YEAR
    return years.quantize(Decimal(1)) if years == years.to_integral_value() else years.normalize()


def _scaled(value: Decimal, places: int) -> int | None:
    """value · 10**places as an int when that is exact and not negative (the common case:
    quantities in thousandths, prices in cents), else None (callers take the Fraction path)."""
    scaled = value.scaleb(places)
    if value < 0 or scaled != scaled.to_integral_value():
        return None
    return int(scaled)


# Integer fast paths (measured: 10,000 positions with Fractions took 0.8 s, with integers
# 0.05 s) compute the same numbers as the Fraction formulas and the SQL of the services.

def estimated_quantity(annual_quantity: Decimal, term_months_total: int) -> Decimal:
    """Estimated quantity over the whole term = annual quantity × months / 12,
    rounded half-up to thousandths (3 places)."""
    annual_quantity = _decimal(annual_quantity, "annual_quantity")
    months = _months(term_months_total, "term_months_total")
    thousandths = _scaled(annual_quantity, 3)
    if thousandths is not None:
        return Decimal((thousandths * months + 6) // MONTHS_PER_YEAR).scaleb(-3)
    return _round_half_up(Fraction(annual_quantity) * months / MONTHS_PER_YEAR, 3)


def maximum_quantity(estimated_quantity: Decimal, buffer_pct: Decimal) -> Decimal:
    """Maximum quantity over the term (R5, EuGH C-23/20) = estimated × (1 + buffer / 100),
    rounded UP to whole units. Exact: 100 × 1.2 = 120 (not 121); 100.001 with 0 % → 101."""
    estimated_quantity = _decimal(estimated_quantity, "estimated_quantity")
    buffer_pct = _decimal(buffer_pct, "buffer_pct")
    if estimated_quantity < 0 or buffer_pct < 0:
        raise ValueError("estimated quantity and buffer must not be negative")
    thousandths, hundredths = _scaled(estimated_quantity, 3), _scaled(buffer_pct, 2)
    if thousandths is not None and hundredths is not None:
        return Decimal(-((-thousandths * (10_000 + hundredths)) // 10_000_000))
    return Decimal(_ceiling(Fraction(estimated_quantity) * (100 + Fraction(buffer_pct)) / 100))


def position_estimated_value(annual_quantity: Decimal, reference_price: Decimal, term_months_total: int) -> Decimal:
    """Estimated value of a position (R3, § 3 VgV) = annual quantity × reference net price ×
    term in years (months / 12), computed exactly and rounded once, half-up to cents.

    24 + 24 months: 1.5 × 2.35 × 4 = 14.10. Lot and tender values are sums of these rounded
    position values.
    """
    annual_quantity = _decimal(annual_quantity, "annual_quantity")
    reference_price = _decimal(reference_price, "reference_price")
    months = _months(term_months_total, "term_months_total")
    thousandths, cents = _scaled(annual_quantity, 3), _scaled(reference_price, 2)
    if thousandths is not None and cents is not None:
        return Decimal((thousandths * cents * months + 6000) // 12000).scaleb(-2)
    return _round_half_up(Fraction(annual_quantity) * Fraction(reference_price) * months / MONTHS_PER_YEAR, 2)


def position_maximum_value(maximum_quantity: Decimal, reference_price: Decimal) -> Decimal:
    """Value of a position at its maximum quantity over the term (R5) = maximum quantity ×
    reference net price, rounded half-up to cents (R1). 120 × 2.35 = 282.00."""
    maximum_quantity = _decimal(maximum_quantity, "maximum_quantity")
    reference_price = _decimal(reference_price, "reference_price")
    thousandths, cents = _scaled(maximum_quantity, 3), _scaled(reference_price, 2)
    if thousandths is not None and cents is not None:
        return Decimal((thousandths * cents + 500) // 1000).scaleb(-2)
    return _round_half_up(Fraction(maximum_quantity) * Fraction(reference_price), 2)


# --- German formatting (no Flask, no Babel: used in reasons, CLI and JSON) ------------------

def format_number_de(value: Decimal | int, places: int = 2) -> str:
    """1234.5 → "1.234,50" (half-up to `places`; thousands separated by dots)."""
    quantum = Decimal(1).scaleb(-places)
    q = _decimal(value, "value").quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    integer, _, fraction = f"{abs(q):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def format_money_de(value: Decimal) -> str:
    """1234.5 → "1.234,50 €" (a plain space before the sign, so that texts stay greppable)."""
    return format_number_de(value, 2) + " €"


def format_date_de(value: date) -> str:
    """date(2027, 12, 31) → "31.12.2027"."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def format_day_de(value: date) -> str:
    """date(2027, 3, 30) → "Dienstag, 30.03.2027"."""
    return f"{WEEKDAYS_DE[value.weekday()]}, {format_date_de(value)}"


def amount_json(value: Decimal) -> str:
    """An amount for --json: a string with exactly two decimals, e.g. "1234.50" (half-up)."""
    q = _decimal(value, "value").quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{q:f}"


def quantity_json(value: Decimal) -> str:
    """A quantity for --json: a string with exactly three decimals, e.g. "12.500" (half-up)."""
    q = _decimal(value, "value").quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
    return f"{q:f}"


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
            object.__setattr__(self, "split_value", _decimal(self.split_value, "split_value"))

    def to_json(self) -> dict:
        """A JSON-safe dict (stable order), e.g. for storing the rules with the round."""
        return {
            "merge_groups": [list(group) for group in self.merge_groups],
            "region_split": sorted(self.region_split),
            "excluded_products": sorted(self.excluded_products),
            "split_value": None if self.split_value is None else amount_json(self.split_value),
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> "LotRules":
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


def _position_key(position: PositionInput | PlannedPosition) -> tuple:
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
    ordered = tuple(sorted(positions, key=_position_key))
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
    for position in sorted(positions, key=_position_key):
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
        for product_id in sorted(products, key=lambda pid: _position_key(products[pid])):
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
    return PositionChange(kind, shown.product_number, shown.short_text,
                          before.annual_quantity if before else None, after.annual_quantity if after else None,
                          before.estimated_value if before else None, after.estimated_value if after else None)


def apportion(total: Decimal, weights: Mapping[Any, int], order: Mapping[Any, Any] | None = None) -> dict[Any, Decimal]:
    """Split an amount in cents across keys in proportion to integer weights, exactly.

    Largest remainder method: every key gets the floor of its exact share in cents, the cents
    left over go one each to the largest remainders (ties: by `order[key]`, else by key). The
    parts always add up to `total` to the cent — used by lot_money to split a lot's annual value
    × years into the members' term shares when a term of part years leaves fractions of a cent.
    """
    cents = int((_decimal(total, "total") * 100).to_integral_value())
    if Decimal(cents) != total * 100:
        raise ValueError(f"{total} is not a whole number of cents")
    positive = {key: int(w) for key, w in weights.items() if int(w) > 0}
    if any(int(w) < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    if not positive:
        return {key: Decimal("0.00") for key in weights}
    whole = sum(positive.values())
    parts = {key: cents * w // whole for key, w in positive.items()}
    remainders = sorted(positive, key=lambda key: (-(cents * positive[key] % whole),
                                                   order[key] if order else key))
    for key in remainders[:cents - sum(parts.values())]:
        parts[key] += 1
    result = {key: Decimal("0.00") for key in weights}
    result.update({key: Decimal(value).scaleb(-2) for key, value in parts.items()})
    return result


# --- R22: one money story – annual values and values over the term side by side ------------
#
# Two derivations of "the value over the term" meet in every document:
# - the estimated value of § 3 VgV (R3): per position annual quantity × reference price × years,
#   rounded ONCE per position; the lot's value is the sum of its positions (legal, it decides
#   the procedure, and never changes here);
# - the annual story of the finance rows (R1): every demand line's value (quantity × price) is
#   rounded to the cent; a member's annual share of a lot is the sum of its rows, the lot's
#   annual value the sum of all rows. Over the term: annual value × years, rounded once
#   (exact for whole years), and each member's term share is its annual share × years —
#   exact for whole years; otherwise the cents are distributed by largest remainder so that
#   the shares still add up to the lot's annual value × years.
# The two lot figures differ by a pure rounding difference, shown with its cause wherever
# both appear. lot_money is the one function pages, Vergabevermerk and finance exports use.

ROUNDING_CAUSE = N_("Rundungsdifferenz = geschätzter Wert nach § 3 VgV − Jahreswert × Laufzeit in Jahren. Der "
                    "Wert nach § 3 VgV wird je Position einmal gerundet (Jahresmenge × Schätzpreis × Laufzeit in "
                    "Jahren); der Jahreswert ist die Summe der je Bedarfsposition auf Cent gerundeten Zeilen "
                    "(Menge × Schätzpreis) und wird erst danach mit der Laufzeit multipliziert. Die Anteile der "
                    "Mitglieder und die Finanzexporte beruhen auf dem Jahreswert.")


def term_value_from_annual(annual_value: Decimal, term_months_total: int) -> Decimal:
    """An annual amount over the term: annual value × months / 12, exact, rounded half-up to
    the cent once. Whole years are exact: 453.73 over 48 months → 1814.92."""
    annual_value = _decimal(annual_value, "annual_value")
    months = _months(term_months_total, "term_months_total")
    cents = _scaled(annual_value, 2)
    if cents is not None:
        return Decimal((cents * months + 6) // MONTHS_PER_YEAR).scaleb(-2)
    return _round_half_up(Fraction(annual_value) * months / MONTHS_PER_YEAR, 2)


def term_years_text(term_months_total: int) -> str:
    """The term in years for a German text: "4", "2,5", "1,25"; "13/12" when not exact in
    two decimals (no rounded figure pretends to be the factor)."""
    months = _months(term_months_total, "term_months_total")
    if months * 100 % MONTHS_PER_YEAR:
        return f"{months}/{MONTHS_PER_YEAR}"
    years = Decimal(months * 100 // MONTHS_PER_YEAR).scaleb(-2)
    return format_number_de(years, 0 if months % MONTHS_PER_YEAR == 0 else (1 if months * 10 % 12 == 0 else 2))


@dataclass(frozen=True)
class MemberMoney:
    """A member's share of a lot: annual (Σ of its rounded rows) and over the term."""

    key: Any
    annual_value: Decimal
    term_value: Decimal


@dataclass(frozen=True)
class LotMoney:
    """One lot's money story (R22), see lot_money."""

    annual_value: Decimal        # Σ of the rounded annual rows (R1) = Lot.annual_value
    term_value: Decimal          # estimated value of § 3 VgV (R3) = Lot.estimated_value
    term_months_total: int
    annual_term_value: Decimal   # annual value × years, half-up once
    members: tuple[MemberMoney, ...] = ()

    @property
    def rounding_difference(self) -> Decimal:
        """term_value − annual_term_value: a pure rounding difference (ROUNDING_CAUSE)."""
        return self.term_value - self.annual_term_value

    @property
    def years_text(self) -> str:
        return term_years_text(self.term_months_total)

    def member(self, key: Any) -> MemberMoney:
        return next(m for m in self.members if m.key == key)


def lot_money(annual_value: Decimal, term_value: Decimal, term_months_total: int,
              member_annual: Mapping[Any, Decimal] | None = None) -> LotMoney:
    """The annual and term values of a lot side by side, and each member's shares.

    annual_value: the lot's annual value (Σ of its rounded rows); term_value: its estimated
    value of § 3 VgV; member_annual: each member's annual share (Σ of its rows in the lot),
    keyed by anything sortable. Every member's term share = annual share × years, exact when
    that is a whole number of cents (always for whole years), otherwise the cents of
    annual value × years are split by largest remainder — so the term shares always add up to
    annual_term_value. Raises ValueError when the member shares do not add up to the annual
    value (the rows and the plan would tell two stories).
    """
    annual_value = _decimal(annual_value, "annual_value")
    term_value = _decimal(term_value, "term_value")
    annual_term = term_value_from_annual(annual_value, term_months_total)
    members: tuple[MemberMoney, ...] = ()
    if member_annual is not None:
        shares = {key: _decimal(value, "member annual share") for key, value in member_annual.items()}
        total = sum(shares.values(), Decimal("0.00"))
        if total != annual_value:
            raise ValueError(f"the members' annual shares add up to {total}, the lot's annual value is {annual_value}")
        weights = {key: int(value.scaleb(2)) for key, value in shares.items()}
        if any(Decimal(w).scaleb(-2) != shares[key] for key, w in weights.items()):
            raise ValueError("member annual shares must be whole cents")
        term = apportion(annual_term, weights)
        members = tuple(MemberMoney(key, shares[key], term[key]) for key in sorted(shares))
    return LotMoney(annual_value=annual_value, term_value=term_value, term_months_total=term_months_total,
                    annual_term_value=annual_term, members=members)


def rounding_bound(positions: int, rows: int, term_months_total: int) -> Fraction:
    """The largest rounding difference |§ 3 VgV value − annual value × years| a lot can have:
    ½ cent per position (R3 rounds each once) + ½ cent per row × years (each row is rounded
    before the multiplication) + ½ cent (annual value × years is rounded once). In euros, exact."""
    years = Fraction(_months(term_months_total, "term_months_total"), MONTHS_PER_YEAR)
    return (positions + rows * years + 1) / 200
