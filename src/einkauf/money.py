"""Exact money and quantity arithmetic (R1): half-up rounding, scaled integers, no float.

Pure: no Flask, no SQLAlchemy. The column types that store these values live in einkauf.db.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

THOUSANDTH = Decimal("0.001")
CENT = Decimal("0.01")


class InexactValue(ValueError):
    """A value carries more decimal places than its column can store exactly."""


def round_money(value: Decimal) -> Decimal:
    """Round half-up to whole cents (R1)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_value(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Line value = quantity × unit price, rounded half-up to cents (R1)."""
    return round_money(Decimal(quantity) * Decimal(unit_price))


def cents_to_euro(cents: int | None) -> Decimal:
    """Convert an integer number of cents (e.g. an SQL sum) to a Decimal amount."""
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact fraction half-up (away from zero on a tie) to `places` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    units = int(scaled)  # floor for non-negative values
    if scaled - units >= Fraction(1, 2):
        units += 1
    result = Decimal(units).scaleb(-places)
    return -result if value < 0 else result


def ceiling(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def exact_decimal(value: Any, what: str) -> Decimal:
    """A finite Decimal of `value`; float is refused (it cannot hold amounts exactly)."""
    if isinstance(value, float):
        raise TypeError(f"{what}: float is not accepted for exact amounts; use Decimal")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what}: not a finite number: {value!r}")
    return result


def scaled_int(value: Decimal, places: int) -> int | None:
    """value · 10**places as an int when that is exact and not negative (the common case:
    quantities in thousandths, prices in cents), else None (callers take the Fraction path)."""
    scaled = value.scaleb(places)
    if value < 0 or scaled != scaled.to_integral_value():
        return None
    return int(scaled)
