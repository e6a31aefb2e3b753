"""Pure rules of lot values: quantities and values over the term (R1, R3, R5) and the annual
values beside them with the members' shares (lot_money, R22).

No Flask, no SQLAlchemy: plain Decimal, fed by SQL aggregates in the services.
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

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from einkauf.formatting import format_number_de
from einkauf.money import ceiling, exact_decimal, round_half_up, scaled_int
from einkauf.texts import N_

MONTHS_PER_YEAR = 12


def whole_months(value: Any, what: str) -> int:
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
    months = whole_months(contract_term_months, "contract_term_months") + whole_months(
        extension_months, "extension_months"
    )
    years = Decimal(months) / MONTHS_PER_YEAR
    return years.quantize(Decimal(1)) if years == years.to_integral_value() else years.normalize()



# Integer fast paths (measured: 10,000 positions with Fractions took 0.8 s, with integers
# 0.05 s) compute the same numbers as the Fraction formulas and the SQL of the services.

def estimated_thousandths(annual_thousandths: int, months: int) -> int:
    """estimated_quantity in whole thousandths (not negative): annual × months / 12, half-up."""
    return (annual_thousandths * months + 6) // MONTHS_PER_YEAR


def maximum_thousandths(estimated_thousandths: int, buffer_hundredths: int) -> int:
    """maximum_quantity in whole thousandths (not negative): estimated × (1 + buffer / 100),
    rounded UP to a whole unit."""
    return -((-estimated_thousandths * (10_000 + buffer_hundredths)) // 10_000_000) * 1000


def estimated_quantity(annual_quantity: Decimal, term_months_total: int) -> Decimal:
    """Estimated quantity over the whole term = annual quantity × months / 12,
    rounded half-up to thousandths (3 places)."""
    annual_quantity = exact_decimal(annual_quantity, "annual_quantity")
    months = whole_months(term_months_total, "term_months_total")
    thousandths = scaled_int(annual_quantity, 3)
    if thousandths is not None:
        return Decimal(estimated_thousandths(thousandths, months)).scaleb(-3)
    return round_half_up(Fraction(annual_quantity) * months / MONTHS_PER_YEAR, 3)


def maximum_quantity(estimated_quantity: Decimal, buffer_pct: Decimal) -> Decimal:
    """Maximum quantity over the term (R5, EuGH C-23/20) = estimated × (1 + buffer / 100),
    rounded UP to whole units. Exact: 100 × 1.2 = 120 (not 121); 100.001 with 0 % → 101."""
    estimated_quantity = exact_decimal(estimated_quantity, "estimated_quantity")
    buffer_pct = exact_decimal(buffer_pct, "buffer_pct")
    if estimated_quantity < 0 or buffer_pct < 0:
        raise ValueError("estimated quantity and buffer must not be negative")
    thousandths, hundredths = scaled_int(estimated_quantity, 3), scaled_int(buffer_pct, 2)
    if thousandths is not None and hundredths is not None:
        return Decimal(maximum_thousandths(thousandths, hundredths) // 1000)
    return Decimal(ceiling(Fraction(estimated_quantity) * (100 + Fraction(buffer_pct)) / 100))


def position_estimated_value(annual_quantity: Decimal, reference_price: Decimal, term_months_total: int) -> Decimal:
    """Estimated value of a position (R3, § 3 VgV) = annual quantity × reference net price ×
    term in years (months / 12), computed exactly and rounded once, half-up to cents.

    24 + 24 months: 1.5 × 2.35 × 4 = 14.10. Lot and tender values are sums of these rounded
    position values.
    """
    annual_quantity = exact_decimal(annual_quantity, "annual_quantity")
    reference_price = exact_decimal(reference_price, "reference_price")
    months = whole_months(term_months_total, "term_months_total")
    thousandths, cents = scaled_int(annual_quantity, 3), scaled_int(reference_price, 2)
    if thousandths is not None and cents is not None:
        return Decimal((thousandths * cents * months + 6000) // 12000).scaleb(-2)
    return round_half_up(Fraction(annual_quantity) * Fraction(reference_price) * months / MONTHS_PER_YEAR, 2)


def position_maximum_value(maximum_quantity: Decimal, reference_price: Decimal) -> Decimal:
    """Value of a position at its maximum quantity over the term (R5) = maximum quantity ×
    reference net price, rounded half-up to cents (R1). 120 × 2.35 = 282.00."""
    maximum_quantity = exact_decimal(maximum_quantity, "maximum_quantity")
    reference_price = exact_decimal(reference_price, "reference_price")
    thousandths, cents = scaled_int(maximum_quantity, 3), scaled_int(reference_price, 2)
    if thousandths is not None and cents is not None:
        return Decimal((thousandths * cents + 500) // 1000).scaleb(-2)
    return round_half_up(Fraction(maximum_quantity) * Fraction(reference_price), 2)




def apportion(total: Decimal, weights: Mapping[Any, int], order: Mapping[Any, Any] | None = None) -> dict[Any, Decimal]:
    """Split an amount in cents across keys in proportion to integer weights, exactly.

    Largest remainder method: every key gets the floor of its exact share in cents, the cents
    left over go one each to the largest remainders (ties: by `order[key]`, else by key). The
    parts always add up to `total` to the cent — used by lot_money to split a lot's annual value
    × years into the members' term shares when a term of part years leaves fractions of a cent.
    """
    cents = int((exact_decimal(total, "total") * 100).to_integral_value())
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
    annual_value = exact_decimal(annual_value, "annual_value")
    months = whole_months(term_months_total, "term_months_total")
    cents = scaled_int(annual_value, 2)
    if cents is not None:
        return Decimal((cents * months + 6) // MONTHS_PER_YEAR).scaleb(-2)
    return round_half_up(Fraction(annual_value) * months / MONTHS_PER_YEAR, 2)


def term_years_text(term_months_total: int) -> str:
    """The term in years for a German text: "4", "2,5", "1,25"; "13/12" when not exact in
    two decimals (no rounded figure pretends to be the factor)."""
    months = whole_months(term_months_total, "term_months_total")
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
    annual_value = exact_decimal(annual_value, "annual_value")
    term_value = exact_decimal(term_value, "term_value")
    annual_term = term_value_from_annual(annual_value, term_months_total)
    members: tuple[MemberMoney, ...] = ()
    if member_annual is not None:
        shares = {key: exact_decimal(value, "member annual share") for key, value in member_annual.items()}
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
    years = Fraction(whole_months(term_months_total, "term_months_total"), MONTHS_PER_YEAR)
    return (positions + rows * years + 1) / 200
