"""The evaluation of the bids of a tender (issue 13; DESIGN R1, R16–R18, R22): the Preisspiegel
per lot, completeness, scoring, ranking, ties and abnormally low bids. Pure: no Flask, no
SQLAlchemy; money, quantities and points are Decimal, rounded half-up only where a rule says so.

Input (built by the bids services from the stored tender and bids):
- `LotInput` per lot: its positions (`PositionInput`: key, OZ, label, unit, estimated quantity
  over the term, estimated unit price), its estimated value, the bids for it (`LotBid`) and the
  draw the coordinator recorded for a tie (`drawn`: bid ids in the drawn order).
- `LotBid`: bid id, bidder, unit prices by position key (Decimal or None), whether the bid is
  excluded for the lot (with the reason), whether a gap in its prices was accepted as
  insignificant, and the quality points per criterion as a percentage of fulfilment.
- `Scoring`: the award criteria [(name, weight %)] and the price method frozen with the tender
  (einkauf.tenders.rules.PRICE_METHODS), the share for abnormally low bids and for outliers.

Output: `evaluate_tender(lots, scoring) -> TenderEvaluation` (or `evaluate_lot` for one lot):
per lot a `LotEvaluation` with the matrix rows (`PositionRow` with one `PriceCell` per bid), one
`BidResult` per bid (total, completeness, validity, deviations, points, rank, flags), the
ranking, unresolved ties and the first-ranked bid; a `SummaryRow` per lot for the summary.

Rules (each pinned by tests in tests/unit/test_bids_evaluation.py):
- Position total = estimated quantity over the term × unit price, rounded half-up to cents once
  per position; the lot total is the sum of the rounded position totals (R1, R16).
- A bid is *compared* unless it is excluded for the lot; it is *valid* (ranked) when it is
  compared and complete, or its gap was accepted. A missing price counts 0 in the lot total of
  a bid with an accepted gap; `gap_value` shows what the missing positions would cost at the
  highest price of the other compared bids, so that the coordinator can check that the gap
  does not change the ranking (§ 56 Abs. 3 VgV).
- The lowest price per position and the outliers are taken over the compared bids: an outlier
  is a unit price at least `outlier_share` (default 50 %) above the median of the compared
  bids' prices of that position (median > 0).
- Price only: the lowest valid lot total ranks first. Price and quality: price points by the
  announced method, quality points = percentage × weight ÷ 100, each rounded half-up to two
  decimals, the score is their sum; the highest score ranks first, equal scores go to the lower
  lot total (the announced tie rule, einkauf.tenders.rules.scoring_formula).
- What is still tied after that is decided by the lot drawn — an event the coordinator records
  (`LotInput.drawn`). Without a draw covering every tied bid the tie is *unresolved*: the tied
  bids share the rank, the lot lists the tie and has no first-ranked bid. Nothing is picked
  silently, and nothing depends on the order in which bids are passed in.
- Abnormally low (R18, § 60 VgV): see `abnormally_low`.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import NamedTuple

from einkauf.tenders.rules import (
    DEFAULT_PRICE_METHOD,
    PRICE_METHOD_INTERPOLATION,
    PRICE_METHOD_RATIO,
    PRICE_METHODS,
    is_price_criterion,
)

CENT = Decimal("0.01")
POINTS_PLACES = Decimal("0.01")
PERCENT_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_ABNORMAL_SHARE = Decimal("0.20")
DEFAULT_OUTLIER_SHARE = Decimal("0.50")

BidId = Hashable


# --- input -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PositionInput:
    """One LV position of a lot: `quantity` is the estimated quantity over the whole term (the
    quantity of the bidder documents), `estimated_price` the estimated net unit price (None when
    the tender has none)."""

    key: str
    oz: str
    label: str
    unit: str
    quantity: Decimal
    estimated_price: Decimal | None = None


@dataclass(frozen=True)
class LotBid:
    """One bid as far as one lot is concerned.

    prices: position key → net unit price (None or a missing key: no price; keys of other lots
    are ignored); excluded_reason:
    set when the bid is excluded for this lot (late, formal defect, …); gap_accepted: a gap in
    the prices was accepted as insignificant (with a reason recorded elsewhere); quality:
    criterion name → fulfilment in percent (0 to 100), for the criteria other than the price."""

    bid_id: BidId
    bidder: str
    prices: Mapping[str, Decimal | None]
    excluded_reason: str | None = None
    gap_accepted: bool = False
    quality: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class LotInput:
    """A lot with its positions and bids. estimated_value: the lot's estimated value over the
    term (None: the sum of the positions' estimated totals). drawn: the bid ids in the order the
    lot drawing decided (recorded by the coordinator; only needed for a tie)."""

    number: str
    title: str
    positions: tuple[PositionInput, ...]
    bids: tuple[LotBid, ...]
    estimated_value: Decimal | None = None
    drawn: tuple[BidId, ...] = ()


@dataclass(frozen=True)
class Scoring:
    """The award criteria [(name, weight in %)] and the price method frozen with the tender;
    abnormal_share and outlier_share as fractions (0.20 = 20 %)."""

    criteria: tuple[tuple[str, Decimal], ...] = (("Preis", HUNDRED),)
    price_method: str = DEFAULT_PRICE_METHOD
    abnormal_share: Decimal = DEFAULT_ABNORMAL_SHARE
    outlier_share: Decimal = DEFAULT_OUTLIER_SHARE

    def __post_init__(self) -> None:
        if self.price_method not in PRICE_METHODS:
            raise ValueError(f"unknown price method {self.price_method!r}")
        if not self.criteria:
            raise ValueError("at least one award criterion is needed")
        if sum((weight for _, weight in self.criteria), Decimal(0)) != HUNDRED:
            raise ValueError("the weights of the award criteria must add up to 100")
        if not Decimal(0) < self.abnormal_share < 1 or self.outlier_share <= 0:
            raise ValueError("abnormal_share must lie between 0 and 1, outlier_share above 0")

    @property
    def price_only(self) -> bool:
        return all(is_price_criterion(name) for name, _ in self.criteria)

    @property
    def price_weight(self) -> Decimal:
        return sum((weight for name, weight in self.criteria if is_price_criterion(name)), Decimal(0))

    @property
    def quality_criteria(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((name, weight) for name, weight in self.criteria if not is_price_criterion(name))


# --- output ------------------------------------------------------------------------------------

class PriceCell(NamedTuple):
    """One bid's price of one position: unit price and position total (None without a price);
    lowest: the lowest unit price of the compared bids for this position (all equal ones are
    marked); outlier: at least the outlier share above the median of the compared bids.
    (A named tuple: 160,000 of them for 20 lots × 500 positions × 8 bids, built 3× faster than a
    frozen dataclass.)"""

    unit_price: Decimal | None
    total: Decimal | None
    lowest: bool = False
    outlier: bool = False


@dataclass(frozen=True)
class PositionRow:
    """One row of the Preisspiegel: the position, its estimated total (quantity × estimated unit
    price, rounded once), one cell per bid in the order of LotEvaluation.bids, and the lowest
    price and median of the compared bids."""

    position: PositionInput
    estimated_total: Decimal | None
    cells: tuple[PriceCell, ...]
    lowest_price: Decimal | None
    median_price: Decimal | None


@dataclass(frozen=True)
class BidResult:
    """The evaluation of one bid for one lot.

    total: the sum of its rounded position totals; missing: the keys of positions without a
    price; compared: not excluded; valid: compared and (complete or gap accepted) — only valid
    bids are ranked; deviation_from_lowest / deviation_from_estimate: in percent (two decimals,
    None when there is no basis); price_points, quality_points (criterion → points) and score:
    None in a price-only tender and for bids that are not valid; rank: 1 = first, shared within
    an unresolved tie, None for bids that are not valid; abnormal_reasons: German sentences,
    empty when the bid is not abnormally low."""

    bid: LotBid
    total: Decimal
    missing: tuple[str, ...]
    compared: bool
    valid: bool
    gap_value: Decimal | None
    deviation_from_lowest: Decimal | None
    deviation_from_estimate: Decimal | None
    price_points: Decimal | None
    quality_points: tuple[tuple[str, Decimal], ...]
    score: Decimal | None
    rank: int | None
    tied: bool
    abnormal_reasons: tuple[str, ...]

    @property
    def bid_id(self) -> BidId:
        return self.bid.bid_id

    @property
    def bidder(self) -> str:
        return self.bid.bidder

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def abnormally_low(self) -> bool:
        return bool(self.abnormal_reasons)

    @property
    def status(self) -> str:
        """German: "wertbar", "ausgeschlossen: …", "unvollständig (… Positionen ohne Preis)"."""
        if self.bid.excluded_reason is not None:
            return f"ausgeschlossen: {self.bid.excluded_reason}" if self.bid.excluded_reason else "ausgeschlossen"
        count = f"{len(self.missing)} Position{'' if len(self.missing) == 1 else 'en'} ohne Preis"
        if self.missing and not self.bid.gap_accepted:
            return f"unvollständig ({count})"
        if self.missing:
            return f"wertbar (unwesentliche Lücke akzeptiert: {count})"
        return "wertbar"


@dataclass(frozen=True)
class LotEvaluation:
    """The evaluation of one lot: bids in a fixed column order (bidder name, then bid id — never
    the input order), the matrix rows, the valid bids by rank, the unresolved ties (groups of
    bid ids that share a rank) and problems that prevent scoring (German)."""

    lot: LotInput
    bids: tuple[BidResult, ...]
    rows: tuple[PositionRow, ...]
    estimated_value: Decimal | None
    lowest_total: Decimal | None
    ranking: tuple[BidResult, ...]
    unresolved_ties: tuple[tuple[BidId, ...], ...]
    problems: tuple[str, ...]

    @property
    def first(self) -> BidResult | None:
        """The first-ranked valid bid; None when there is none or the first place is tied."""
        if not self.ranking or self.ranking[0].rank != 1 or self.ranking[0].tied:
            return None
        return self.ranking[0]

    @property
    def first_place_tied(self) -> bool:
        return bool(self.ranking) and self.ranking[0].tied


@dataclass(frozen=True)
class SummaryRow:
    """One lot in the summary over all lots."""

    number: str
    title: str
    positions: int
    estimated_value: Decimal | None
    bids: int
    valid_bids: int
    lowest_total: Decimal | None
    first_bidder: str | None
    first_total: Decimal | None
    deviation_from_estimate: Decimal | None
    first_place_tied: bool
    abnormally_low: int


@dataclass(frozen=True)
class TenderEvaluation:
    """The evaluation of all lots; totals over the lots that have a first-ranked bid."""

    scoring: Scoring
    lots: tuple[LotEvaluation, ...]
    summary: tuple[SummaryRow, ...]
    estimated_total: Decimal
    first_total: Decimal


# --- arithmetic --------------------------------------------------------------------------------

def round_half_up(value: Fraction | Decimal | int, quantum: Decimal = CENT) -> Decimal:
    """An exact value rounded half-up (away from zero at .5) to the quantum, exactly: integer
    arithmetic on a Fraction, so that no intermediate rounding can move a value across .5."""
    exact = Fraction(value)
    scale = Fraction(1) / Fraction(quantum)
    scaled = exact * scale
    sign = -1 if scaled < 0 else 1
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return (Decimal(sign * whole) * quantum).quantize(quantum)


EXACT_DIGITS = 60  # enough for any quantity × price product exactly; evaluate_lot sets it once per lot


def position_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded half-up to cents once (R1, R16). Decimal multiplication of
    finite Decimals is exact when the context has enough digits; a local context makes sure."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_deviation(value: Decimal, basis: Decimal | None) -> Decimal | None:
    """(value − basis) ÷ basis × 100, rounded half-up to two decimals; None without a positive basis."""
    if basis is None or basis <= 0:
        return None
    return round_half_up(Fraction(value - basis) / Fraction(basis) * 100, PERCENT_PLACES)


def price_points(total: Decimal, lowest: Decimal, max_points: Decimal, method: str) -> Decimal:
    """The price points of a lot total (two decimals, half-up) by the announced method.

    ratio: lowest ÷ total × max points. interpolation: max points × (2 − total ÷ lowest), at
    least 0 (full points for the lowest, 0 from twice the lowest). A lowest total of 0 (every
    price 0) gives the full points to the bids with 0 and none to the others."""
    if total < lowest:
        raise ValueError("a total below the lowest total")
    if lowest == 0:
        return round_half_up(max_points if total == 0 else 0, POINTS_PLACES)
    if method == PRICE_METHOD_RATIO:
        exact = Fraction(lowest) / Fraction(total) * Fraction(max_points)
    elif method == PRICE_METHOD_INTERPOLATION:
        exact = max(Fraction(0), Fraction(max_points) * (2 - Fraction(total) / Fraction(lowest)))
    else:
        raise ValueError(f"unknown price method {method!r}")
    return round_half_up(exact, POINTS_PLACES)


def quality_points(percent: Decimal, weight: Decimal) -> Decimal:
    """percent (0 to 100) × weight ÷ 100, rounded half-up to two decimals."""
    if not Decimal(0) <= percent <= HUNDRED:
        raise ValueError(f"a quality rating must lie between 0 and 100 %, got {percent}")
    return round_half_up(Fraction(percent) * Fraction(weight) / 100, POINTS_PLACES)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median (mean of the two middle values for an even count, exact); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    with localcontext() as ctx:
        ctx.prec = 60
        return (ordered[middle - 1] + ordered[middle]) / 2


def abnormally_low(total: Decimal, next_total: Decimal | None, estimated_value: Decimal | None,
                   share: Decimal = DEFAULT_ABNORMAL_SHARE) -> tuple[str, ...]:
    """Why a valid lot total is abnormally low (R18, § 60 VgV) — German sentences, empty if it is not.

    Flagged when the total is at least `share` (default 20 %) below the next higher valid lot
    total, or at least `share` below the lot's estimated value: total ≤ basis × (1 − share).
    *Exactly* 20 % below is flagged. Reasoning: the 20 % gap is the Aufgreifschwelle of German
    case law (e.g. BGH, 31.01.2017 – X ZB 10/16; OLG Düsseldorf), a threshold from which the
    contracting authority must ask for an explanation, not a finding that the price is too
    low; the flag only asks the coordinator to record the clarification of § 60 Abs. 1 VgV.
    Flagging the boundary costs one clarification; missing it exposes the award to a review
    (§ 60 VgV protects the competitors too). The gap is measured against the higher amount
    (the next bid, the estimate), as the case law does."""
    reasons: list[str] = []
    factor = 1 - share
    if next_total is not None and next_total > 0 and total <= next_total * factor:
        gap = round_half_up(Fraction(next_total - total) / Fraction(next_total) * 100, PERCENT_PLACES)
        reasons.append(f"Losgesamtsumme {_percent_de(gap)} % unter dem nächsten Angebot "
                       f"(Aufgreifschwelle {_percent_de(share * 100)} %)")
    if estimated_value is not None and estimated_value > 0 and total <= estimated_value * factor:
        gap = round_half_up(Fraction(estimated_value - total) / Fraction(estimated_value) * 100, PERCENT_PLACES)
        reasons.append(f"Losgesamtsumme {_percent_de(gap)} % unter dem geschätzten Auftragswert "
                       f"(Aufgreifschwelle {_percent_de(share * 100)} %)")
    return tuple(reasons)


def _percent_de(value: Decimal) -> str:
    text = f"{round_half_up(value, PERCENT_PLACES):f}".replace(".", ",")
    return text.removesuffix(",00")


# --- evaluation --------------------------------------------------------------------------------

def _column_key(bid: LotBid) -> tuple:
    return (bid.bidder.casefold(), bid.bidder, str(bid.bid_id))


def evaluate_lot(lot: LotInput, scoring: Scoring) -> LotEvaluation:
    """The Preisspiegel, scoring and ranking of one lot (see the module docstring)."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS  # products and sums exact (position_total inline, see there)
        ctx.rounding = ROUND_HALF_UP
        return _evaluate_lot(lot, scoring)


def _evaluate_lot(lot: LotInput, scoring: Scoring) -> LotEvaluation:
    ids = [bid.bid_id for bid in lot.bids]
    if len(set(ids)) != len(ids):
        raise ValueError(f"lot {lot.number}: a bid id occurs twice")
    keys = [position.key for position in lot.positions]
    if len(set(keys)) != len(keys):
        raise ValueError(f"lot {lot.number}: a position key occurs twice")
    bids = sorted(lot.bids, key=_column_key)
    compared = [bid.excluded_reason is None for bid in bids]
    width = len(bids)

    # The matrix, row by row: every price once, every position total rounded once.
    totals = [Decimal("0.00")] * width
    missing: list[list[str]] = [[] for _ in bids]
    price_lists = [bid.prices for bid in bids]
    rows: list[PositionRow] = []
    estimate_sum = Decimal("0.00")
    has_estimate = True
    outlier_factor = 1 + scoring.outlier_share
    for position in lot.positions:
        key, quantity = position.key, position.quantity
        units: list[Decimal | None] = [prices.get(key) for prices in price_lists]
        line_totals: list[Decimal | None] = []
        shown: list[Decimal] = []
        for column, unit in enumerate(units):
            if unit is None:
                missing[column].append(key)
                line_totals.append(None)
                continue
            if unit < 0:
                raise ValueError(f"lot {lot.number}, position {position.oz}: a negative price")
            line = (quantity * unit).quantize(CENT, ROUND_HALF_UP)  # position_total, inline for speed
            totals[column] += line
            line_totals.append(line)
            if compared[column]:
                shown.append(unit)
        lowest = min(shown) if shown else None
        middle = median(shown)
        limit = middle * outlier_factor if middle is not None and middle > 0 else None
        cells = tuple(
            PriceCell(unit, line_totals[column], unit is not None and compared[column] and unit == lowest,
                      unit is not None and compared[column] and limit is not None and unit >= limit)
            for column, unit in enumerate(units))
        estimated = (position_total(quantity, position.estimated_price)
                     if position.estimated_price is not None else None)
        if estimated is None:
            has_estimate = False
        else:
            estimate_sum += estimated
        rows.append(PositionRow(position, estimated, cells, lowest, middle))
    estimated_value = lot.estimated_value if lot.estimated_value is not None else (
        estimate_sum if has_estimate and lot.positions else None)

    valid = [compared[c] and (not missing[c] or bids[c].gap_accepted) for c in range(width)]
    valid_totals = [totals[c] for c in range(width) if valid[c]]
    lowest_total = min(valid_totals) if valid_totals else None

    # What a gap would cost at the highest price of the other compared bids (§ 56 Abs. 3 VgV).
    gap_values: list[Decimal | None] = [None] * width
    if any(missing[c] and compared[c] for c in range(width)):
        by_key = {row.position.key: row for row in rows}
        for c in range(width):
            if not (missing[c] and compared[c]):
                continue
            value = Decimal("0.00")
            for key in missing[c]:
                row = by_key[key]
                others = [cell.unit_price for o, cell in enumerate(row.cells)
                          if o != c and compared[o] and cell.unit_price is not None]
                if others:
                    value += position_total(row.position.quantity, max(others))
            gap_values[c] = value

    # Scoring.
    problems: list[str] = []
    price_pts: list[Decimal | None] = [None] * width
    quality_pts: list[tuple[tuple[str, Decimal], ...]] = [()] * width
    scores: list[Decimal | None] = [None] * width
    scored = not scoring.price_only
    if scored:
        price_weight = scoring.price_weight
        for c in range(width):
            if not valid[c]:
                continue
            points: list[tuple[str, Decimal]] = []
            unrated: list[str] = []
            for name, weight in scoring.quality_criteria:
                percent = bids[c].quality.get(name)
                if percent is None:
                    unrated.append(f"„{name}“")
                    continue
                points.append((name, quality_points(percent, weight)))
            if unrated:
                problems.append(f"Qualitätswertung fehlt für das Angebot von {bids[c].bidder} "
                                f"(Nr. {bids[c].bid_id}): {', '.join(unrated)}.")
            quality_pts[c] = tuple(points)
            if price_weight and lowest_total is not None:
                price_pts[c] = price_points(totals[c], lowest_total, price_weight, scoring.price_method)
            scores[c] = (price_pts[c] or Decimal(0)) + sum((p for _, p in points), Decimal("0.00"))

    # Ranking: score (descending), then the lower total — the announced tie rule when the price
    # is a criterion (without one, equal points go straight to the draw); then the draw.
    ranked_columns = [c for c in range(width) if valid[c]] if not problems else []
    if scored and scoring.price_weight:
        def primary(c: int) -> tuple:
            return (-scores[c], totals[c])  # type: ignore[operator]
    elif scored:
        def primary(c: int) -> tuple:
            return (-scores[c],)  # type: ignore[operator]
    else:
        def primary(c: int) -> tuple:
            return (totals[c],)
    ranked_columns.sort(key=lambda c: (primary(c), c))
    ranks: list[int | None] = [None] * width
    tied = [False] * width
    unresolved: list[tuple[BidId, ...]] = []
    draw_index = {bid_id: i for i, bid_id in enumerate(lot.drawn)}
    ordered: list[int] = []
    position_rank = 1
    i = 0
    while i < len(ranked_columns):
        group = [ranked_columns[i]]
        while i + len(group) < len(ranked_columns) and primary(ranked_columns[i + len(group)]) == primary(group[0]):
            group.append(ranked_columns[i + len(group)])
        if len(group) > 1 and all(bids[c].bid_id in draw_index for c in group):
            group.sort(key=lambda c: draw_index[bids[c].bid_id])
            for offset, c in enumerate(group):
                ranks[c] = position_rank + offset
        else:
            for c in group:
                ranks[c] = position_rank
                tied[c] = len(group) > 1
            if len(group) > 1:
                unresolved.append(tuple(bids[c].bid_id for c in group))
        ordered.extend(group)
        position_rank += len(group)
        i += len(group)

    # Abnormally low: each valid total against the next higher valid total and the estimate.
    by_total = sorted(valid_totals)
    results: list[BidResult] = []
    for c, bid in enumerate(bids):
        reasons: tuple[str, ...] = ()
        if valid[c]:
            higher = [t for t in by_total if t > totals[c]]
            # An equal total of another valid bid is the next bid (a gap of 0 %).
            equal_others = by_total.count(totals[c]) > 1
            next_total = totals[c] if equal_others else (higher[0] if higher else None)
            reasons = abnormally_low(totals[c], next_total, estimated_value, scoring.abnormal_share)
        results.append(BidResult(
            bid=bid, total=totals[c], missing=tuple(missing[c]), compared=compared[c], valid=valid[c],
            gap_value=gap_values[c],
            deviation_from_lowest=percent_deviation(totals[c], lowest_total) if not missing[c] or valid[c] else None,
            deviation_from_estimate=percent_deviation(totals[c], estimated_value) if not missing[c] or valid[c]
            else None,
            price_points=price_pts[c], quality_points=quality_pts[c], score=scores[c], rank=ranks[c], tied=tied[c],
            abnormal_reasons=reasons))
    return LotEvaluation(lot=lot, bids=tuple(results), rows=tuple(rows), estimated_value=estimated_value,
                         lowest_total=lowest_total, ranking=tuple(results[c] for c in ordered),
                         unresolved_ties=tuple(unresolved), problems=tuple(dict.fromkeys(problems)))


def summary_row(evaluation: LotEvaluation) -> SummaryRow:
    first = evaluation.first
    return SummaryRow(
        number=evaluation.lot.number, title=evaluation.lot.title, positions=len(evaluation.lot.positions),
        estimated_value=evaluation.estimated_value, bids=len(evaluation.bids),
        valid_bids=sum(1 for bid in evaluation.bids if bid.valid), lowest_total=evaluation.lowest_total,
        first_bidder=first.bidder if first else None, first_total=first.total if first else None,
        deviation_from_estimate=first.deviation_from_estimate if first else None,
        first_place_tied=evaluation.first_place_tied,
        abnormally_low=sum(1 for bid in evaluation.bids if bid.abnormally_low))


def evaluate_tender(lots: Iterable[LotInput], scoring: Scoring) -> TenderEvaluation:
    """Every lot evaluated (in the given lot order) plus the summary over all lots."""
    evaluations = tuple(evaluate_lot(lot, scoring) for lot in lots)
    numbers = [e.lot.number for e in evaluations]
    if len(set(numbers)) != len(numbers):
        raise ValueError("a lot number occurs twice")
    summary = tuple(summary_row(e) for e in evaluations)
    return TenderEvaluation(
        scoring=scoring, lots=evaluations, summary=summary,
        estimated_total=sum((row.estimated_value or Decimal(0) for row in summary), Decimal("0.00")),
        first_total=sum((row.first_total or Decimal(0) for row in summary), Decimal("0.00")))


def evaluation_json(evaluation: TenderEvaluation) -> dict:
    """The ranking per lot for `einkauf tender evaluate --json`: amounts, points and percentages
    as strings, bid ids as given (str() when not JSON-native)."""
    def amount(value: Decimal | None) -> str | None:
        return None if value is None else f"{value.quantize(CENT):f}"

    def ident(value: BidId):
        return value if isinstance(value, (int, str)) else str(value)

    return {
        "price_method": evaluation.scoring.price_method,
        "criteria": [{"name": name, "weight": f"{weight:f}"} for name, weight in evaluation.scoring.criteria],
        "estimated_total": amount(evaluation.estimated_total),
        "first_total": amount(evaluation.first_total),
        "lots": [{
            "number": lot.lot.number,
            "estimated_value": amount(lot.estimated_value),
            "lowest_total": amount(lot.lowest_total),
            "first_bid": ident(lot.first.bid_id) if lot.first else None,
            "unresolved_ties": [[ident(b) for b in tie] for tie in lot.unresolved_ties],
            "problems": list(lot.problems),
            "bids": [{
                "bid": ident(bid.bid_id), "bidder": bid.bidder, "total": amount(bid.total), "valid": bid.valid,
                "status": bid.status, "missing": list(bid.missing), "rank": bid.rank, "tied": bid.tied,
                "price_points": amount(bid.price_points), "score": amount(bid.score),
                "quality_points": {name: amount(points) for name, points in bid.quality_points},
                "deviation_from_lowest": amount(bid.deviation_from_lowest),
                "deviation_from_estimate": amount(bid.deviation_from_estimate),
                "abnormally_low": list(bid.abnormal_reasons),
            } for bid in (*lot.ranking, *(b for b in lot.bids if b.rank is None))],
        } for lot in evaluation.lots],
    }
