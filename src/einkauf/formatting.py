"""German numbers, money, dates and days as text, and amounts for --json.

Pure: no Flask, no Babel, no SQLAlchemy — used in reasons, the command line, JSON and the
generated documents. Pages format through the Babel filters of einkauf.i18n; times of day in
Europe/Berlin through einkauf.berlin.format_berlin.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from einkauf.money import CENT, THOUSANDTH, exact_decimal


def format_number_de(value: Decimal | int, places: int = 2) -> str:
    """1234.5 → "1.234,50" (half-up to `places`; thousands separated by dots)."""
    quantum = Decimal(1).scaleb(-places)
    q = exact_decimal(value, "value").quantize(quantum, rounding=ROUND_HALF_UP)
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


def format_month_de(value: date) -> str:
    """A month as German tables write it: 03/2027."""
    return f"{value.month:02d}/{value.year}"


def format_day_de(value: date) -> str:
    """date(2027, 3, 30) → "Dienstag, 30.03.2027"."""
    return f"{WEEKDAYS_DE[value.weekday()]}, {format_date_de(value)}"


def amount_json(value: Decimal) -> str:
    """An amount for --json: a string with exactly two decimals, e.g. "1234.50" (half-up)."""
    q = exact_decimal(value, "value").quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{q:f}"


def quantity_json(value: Decimal) -> str:
    """A quantity for --json: a string with exactly three decimals, e.g. "12.500" (half-up)."""
    q = exact_decimal(value, "value").quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
    return f"{q:f}"


def format_decimal_de(value: Decimal | None, places: int) -> str:
    if value is None:
        return ""
    q = Decimal(value).quantize(Decimal(1).scaleb(-places)) if places else Decimal(value)
    sign = "-" if q < 0 else ""
    integer, _, frac = f"{abs(q):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return sign + grouped + ("," + frac if frac else "")


def format_quantity_de(value: Decimal) -> str:
    """A quantity in German notation: half-up to 3 places, trailing zeros dropped.

    Decimal("1234.500") → "1.234,5"; Decimal("12.000") → "12"; Decimal("0.125") → "0,125".
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"quantity: Decimal expected (never float), got {value!r}")
    q = exact_decimal(value, "quantity").quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
    places = 0
    for digits in (3, 2, 1):
        if q != q.quantize(Decimal(1).scaleb(-(digits - 1))):
            places = digits
            break
    return format_number_de(q, places)


def format_price_de(value: Decimal) -> str:
    """A unit price with 2 to 4 decimals as given: 2.35 → "2,35 €", 0.0045 → "0,0045 €"."""
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(2, -exponent if isinstance(exponent, int) else 2))
    return format_number_de(value, places) + " €"
