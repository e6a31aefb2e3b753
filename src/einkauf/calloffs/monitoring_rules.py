"""The rules of watching call-offs against a framework's quantities (issue 15 part 3, R21).
Pure: no Flask, no SQLAlchemy.

Per framework position — for each member and for all members together:
- called off: the Σ of the reported quantities; a credit note (a negative quantity marked as
  such) takes its quantity back, so a member can fall below a threshold again;
- expected to date: the estimated quantity over the planned term (contract term and every
  option, as the lot plan computed it) × elapsed days ÷ days of that term, half-up to
  thousandths; on the first day of the term one day has elapsed, from the last day on all;
- the level, checked from the highest down with exact decimals: "Höchstmenge erreicht" when the
  called-off quantity is at least the maximum (C‑23/20: the framework has no effect beyond it),
  "Höchstmenge zu 80 % ausgeschöpft" from 80 % of the maximum, "über Schätzmenge" above the expected
  quantity to date, otherwise "im Plan". The position's maximum over all members binds (R21);
  a member's own maximum (its share, einkauf.contracts.values) is shown beside it.
Overcharges: a reported row (not a credit note) whose net amount exceeds its quantity × the
awarded unit price (half-up to cents once, R1) is overcharged by the difference; the Σ over the
rows is the overcharge in €. A credit note never offsets an overcharge (it refunds goods, not
prices).
"""
from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from einkauf.money import round_half_up, scaled_int
from einkauf.texts import N_

NEAR_MAXIMUM_PERCENT = 80


class Level(str, enum.Enum):
    ON_TRACK = "on_track"
    ABOVE_ESTIMATE = "above_estimate"
    NEAR_MAXIMUM = "near_maximum"
    MAXIMUM_REACHED = "maximum_reached"


LEVEL_LABELS = {
    Level.ON_TRACK: N_("im Plan"),
    Level.ABOVE_ESTIMATE: N_("über Schätzmenge"),
    Level.NEAR_MAXIMUM: N_("Höchstmenge zu 80 % ausgeschöpft"),
    Level.MAXIMUM_REACHED: N_("Höchstmenge erreicht"),
}
# Most urgent first.
LEVEL_RANK = {Level.MAXIMUM_REACHED: 0, Level.NEAR_MAXIMUM: 1, Level.ABOVE_ESTIMATE: 2, Level.ON_TRACK: 3}


def pro_rata_thousandths(estimated: int, elapsed_days: int, total_days: int) -> int:
    """The estimated quantity (in thousandths, not negative) pro rata for the elapsed part of the
    planned term, half-up to a thousandth."""
    if total_days <= 0:
        raise ValueError("a term has at least one day")
    return (2 * estimated * elapsed_days + total_days) // (2 * total_days)


def expected_to_date(estimated: Decimal, elapsed_days: int, total_days: int) -> Decimal:
    """The estimated quantity pro rata for the elapsed part of the planned term."""
    thousandths = scaled_int(Decimal(estimated), 3)
    if thousandths is not None and elapsed_days >= 0:
        return Decimal(pro_rata_thousandths(thousandths, elapsed_days, total_days)).scaleb(-3)
    if total_days <= 0:
        raise ValueError("a term has at least one day")
    return round_half_up(Fraction(Decimal(estimated)) * Fraction(elapsed_days, total_days), 3)


def level_in_thousandths(called: int, expected: int, maximum: int) -> Level:
    """The level of a called-off quantity against the expected quantity to date and the maximum,
    all in thousandths (exact whole numbers: the monitoring's hot path)."""
    if maximum <= 0:
        return Level.ON_TRACK if called <= 0 else Level.MAXIMUM_REACHED
    if called >= maximum:
        return Level.MAXIMUM_REACHED
    if called * 100 >= maximum * NEAR_MAXIMUM_PERCENT:
        return Level.NEAR_MAXIMUM
    if called > expected:
        return Level.ABOVE_ESTIMATE
    return Level.ON_TRACK


def level_of(called: Decimal, expected: Decimal, maximum: Decimal) -> Level:
    """level_in_thousandths for Decimals with at most three places."""
    return level_in_thousandths(*(int(Decimal(value).scaleb(3)) for value in (called, expected, maximum)))


def share_of_maximum(called: Decimal, maximum: Decimal) -> Decimal | None:
    """called ÷ maximum in %, two places half-up (None without a maximum)."""
    if maximum <= 0:
        return None
    return (called * 100 / maximum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
