"""Pure rules of the procedure decision (R4): EU thresholds as data, the threshold test and
the small-lots quota of § 3 Abs. 9 VgV, with reasons in German words and numbers.

No Flask, no SQLAlchemy: lot values and the threshold rows (read from the database by the
services) in, a ProcedureDecision out.

Value basis: a framework agreement is valued at the maximum estimated value of all contracts
envisaged for its whole term (Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV), i.e. at the
maximum quantities (R5) × reference prices. That is the default basis of the threshold test
and of the small-lots quota; a round may choose the estimate (estimated quantities) instead,
and the reasons then say so. Both values are always stated.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from einkauf.errors import ValidationFailed
from einkauf.formatting import amount_json, format_date_de, format_money_de, format_number_de
from einkauf.lots.planner import lot_number_key
from einkauf.thresholds.rules import SUPPLIES_SERVICES_SUBCENTRAL, THRESHOLD_KINDS, Threshold

EU_OPEN_PROCEDURE = "Offenes Verfahren (VgV)"
NATIONAL_DEFAULT = "Öffentliche Ausschreibung (UVgO)"

# § 3 Abs. 9 VgV: for supplies and services, lots each below €80,000 whose sum is at most
# 20 % of the total value may be awarded without an EU-wide procedure.
SMALL_LOT_LIMIT = Decimal("80000.00")
SMALL_LOTS_SHARE_PCT = Decimal("20")


# Delegated Regulations (EU) 2023/2495 (2024–25) and of 2025 (2026–27), applied through
# § 106 GWB. Only the seed of the threshold table (einkauf.thresholds): the migration that
# creates the table inserts these rows; afterwards the rows are data an admin maintains
# (a new biennium is a new row, added on the page or with `einkauf thresholds add`).
DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(SUPPLIES_SERVICES_SUBCENTRAL, Decimal("221000.00"), date(2024, 1, 1), date(2025, 12, 31)),
    Threshold(SUPPLIES_SERVICES_SUBCENTRAL, Decimal("216000.00"), date(2026, 1, 1), date(2027, 12, 31)),
)


# Which value decides the threshold test and the small-lots quota (a setting of the round).
VALUE_BASIS_MAXIMUM = "maximum"
VALUE_BASIS_ESTIMATE = "estimate"
VALUE_BASES = {
    VALUE_BASIS_MAXIMUM: "Höchstwert (Höchstmengen × Schätzpreise)",
    VALUE_BASIS_ESTIMATE: "geschätzter Wert (geschätzte Mengen × Schätzpreise)",
}

# Where the missing-row message sends the user.
THRESHOLD_ADMIN_HINT = "Administration → Schwellenwerte (oder mit `einkauf thresholds add`)"


def suggested_period(day: date) -> tuple[date, date]:
    """The biennium of the EU thresholds that contains `day`: they are revised for two
    calendar years starting in an even year (2024–2025, 2026–2027, 2028–2029, …)."""
    start = day.year - (day.year % 2)
    return date(start, 1, 1), date(start + 1, 12, 31)


class ThresholdMissing(ValidationFailed):
    """No threshold row (or more than one) covers the planned publication date."""


class InvalidSmallLots(ValidationFailed):
    """A manual small-lots selection breaks § 3 Abs. 9 VgV; `.problems` lists the reasons."""

    def __init__(self, problems: Sequence[str]):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def threshold_for(day: date, kind: str = SUPPLIES_SERVICES_SUBCENTRAL, *,
                  table: Iterable[Threshold]) -> Threshold:
    """The threshold of `kind` in force on `day` (the planned publication date), from `table`
    (the rows of the threshold table).

    Raises ThresholdMissing (German message naming the date and what to add) when no row, or
    more than one, covers the day."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"a date is expected, not {day!r}")
    rows = [row for row in table if row.kind == kind and row.covers(day)]
    kind_label = THRESHOLD_KINDS.get(kind, kind)
    if not rows:
        start, end = suggested_period(day)
        raise ThresholdMissing(
            f"Für den geplanten Veröffentlichungstag {format_date_de(day)} ist kein EU-Schwellenwert "
            f"({kind_label}) hinterlegt. Bitte unter {THRESHOLD_ADMIN_HINT} einen Schwellenwert für "
            f"„{kind_label}“ ergänzen, der den {format_date_de(day)} einschließt (für den Zeitraum "
            f"{format_date_de(start)}–{format_date_de(end)} laut der geltenden Delegierten Verordnung der "
            "EU-Kommission), oder ein anderes Datum wählen.")
    if len(rows) > 1:
        raise ThresholdMissing(
            f"Für den {format_date_de(day)} sind mehrere EU-Schwellenwerte ({kind_label}) hinterlegt: "
            + ", ".join(row.label for row in rows) + ". Die Gültigkeitszeiträume dürfen sich nicht überschneiden.")
    return rows[0]


@dataclass(frozen=True)
class LotValue:
    """A lot's number, estimated value and maximum value (each the sum of its rounded position
    values; the maximum at the maximum quantities). Without a maximum value (a lot without
    maximum quantities) the estimate is also the maximum."""

    number: str
    estimated_value: Decimal
    maximum_value: Decimal | None = None

    @property
    def maximum(self) -> Decimal:
        return self.estimated_value if self.maximum_value is None else self.maximum_value

    def value(self, basis: str) -> Decimal:
        """The value the threshold test and the small-lots quota use under `basis`."""
        return self.maximum if _basis(basis) == VALUE_BASIS_MAXIMUM else self.estimated_value


def _basis(basis: str) -> str:
    if basis not in VALUE_BASES:
        raise ValueError(f"unknown value basis {basis!r}; expected one of {sorted(VALUE_BASES)}")
    return basis


@dataclass(frozen=True)
class LotProcedure:
    """The procedure of one lot: EU-wide, or national under the small-lots quota."""

    number: str
    estimated_value: Decimal
    procedure: str
    small_lot_quota: bool
    maximum_value: Decimal | None = None

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "estimated_value": amount_json(self.estimated_value),
            "maximum_value": amount_json(self.estimated_value if self.maximum_value is None else self.maximum_value),
            "procedure": self.procedure,
            "small_lot_quota": self.small_lot_quota,
        }


@dataclass(frozen=True)
class ProcedureDecision:
    """The procedure of a tender with its reasons (German sentences with the numbers)."""

    procedure: str
    eu_wide: bool
    threshold: Threshold
    publication_date: date
    estimated_total: Decimal
    lots: tuple[LotProcedure, ...]
    reasons: tuple[str, ...]
    maximum_total: Decimal | None = None
    value_basis: str = VALUE_BASIS_MAXIMUM

    @property
    def decisive_total(self) -> Decimal:
        """The total the threshold was tested with (maximum or estimate, see value_basis)."""
        if self.value_basis == VALUE_BASIS_MAXIMUM and self.maximum_total is not None:
            return self.maximum_total
        return self.estimated_total

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    @property
    def small_lots(self) -> tuple[str, ...]:
        return tuple(lot.number for lot in self.lots if lot.small_lot_quota)

    def to_json(self) -> dict:
        """The decision part of `einkauf tender create --json` (the caller adds "reference")."""
        return {
            "procedure": self.procedure,
            "threshold": amount_json(self.threshold.amount),
            "value_basis": self.value_basis,
            "estimated_total": amount_json(self.estimated_total),
            "maximum_total": amount_json(self.estimated_total if self.maximum_total is None else self.maximum_total),
            "reason": self.reason,
            "lots": [lot.to_json() for lot in self.lots],
        }


def _lot_list(numbers: Iterable[str]) -> str:
    numbers = list(numbers)
    label = "Los" if len(numbers) == 1 else "Lose"
    return f"{label} " + ", ".join(numbers)


def _share_pct(part: Decimal, total: Decimal) -> str:
    """The share in percent with two places, rounded away from the 20 % limit, so that a
    share within the quota never reads above 20,00 % and one above never reads 20,00 %."""
    if total == 0:
        return "0,00 %"
    share = part * 100 / total
    rounding = ROUND_FLOOR if share <= SMALL_LOTS_SHARE_PCT else ROUND_CEILING
    return format_number_de(share.quantize(Decimal("0.01"), rounding=rounding)) + " %"


def quota_limit(total: Decimal) -> Decimal:
    """The largest amount in whole cents within 20 % of `total` (rounded down to the cent)."""
    return (total * SMALL_LOTS_SHARE_PCT / 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def _within_quota(amount: Decimal, total: Decimal) -> bool:
    # amount ≤ 20 % of total, exactly: 100 · amount ≤ 20 · total (no division, no rounding).
    return amount * 100 <= total * SMALL_LOTS_SHARE_PCT


def is_small_lot(value: Decimal) -> bool:
    """§ 3 Abs. 9 VgV: strictly below €80,000 (a lot of exactly 80.000,00 € is not small)."""
    return value < SMALL_LOT_LIMIT


def _value_words(basis: str) -> tuple[str, str]:
    """(singular, dative plural) of the value a basis compares: "Höchstwert"/"Höchstwerten"."""
    return (("Höchstwert", "Höchstwerten") if _basis(basis) == VALUE_BASIS_MAXIMUM
            else ("geschätzten Wert", "geschätzten Werten"))


def propose_small_lots(lots: Iterable[LotValue], total: Decimal, *,
                       value_basis: str = VALUE_BASIS_MAXIMUM) -> list[str]:
    """A proposal for the small-lots quota: the lot numbers, in lot-number order.

    Rule: take the small lots (each below €80,000) by ascending value, ties by lot number, as
    long as their sum stays at most 20 % of `total`. Taking the cheapest first selects the
    largest possible NUMBER of lots (the k cheapest lots are the k-subset with the smallest
    sum), which serves the purpose of the quota — small lots open to regional and small
    suppliers — and is deterministic and easy to retrace. The coordinator may choose
    differently; check_small_lots checks any manual choice. Lot values and `total` are
    those of `value_basis` (the same basis as the threshold test).
    """
    candidates = sorted((lot for lot in lots if is_small_lot(lot.value(value_basis))),
                        key=lambda lot: (lot.value(value_basis), lot_number_key(lot.number)))
    chosen: list[str] = []
    running = Decimal(0)
    for lot in candidates:
        if not _within_quota(running + lot.value(value_basis), total):
            break  # every later candidate is at least as large
        chosen.append(lot.number)
        running += lot.value(value_basis)
    return sorted(chosen, key=lot_number_key)


def check_small_lots(selection: Iterable[str], lots: Iterable[LotValue], total: Decimal, *,
                     eu_wide: bool = True, value_basis: str = VALUE_BASIS_MAXIMUM) -> list[str]:
    """German problems of a manual small-lots choice (empty list: the choice is allowed).
    Lot values and `total` are those of `value_basis`."""
    selection = list(selection)
    values = {lot.number: lot.value(value_basis) for lot in lots}
    value_word, _ = _value_words(value_basis)
    problems: list[str] = []
    if selection and not eu_wide:
        problems.append("Die Kleinlosregelung (§ 3 Abs. 9 VgV) gilt nur in einem EU-weiten Verfahren; "
                        "unterhalb des EU-Schwellenwerts werden ohnehin alle Lose national vergeben.")
    counted: list[str] = []
    for number in selection:
        if number in counted:
            problems.append(f"Los {number} ist mehrfach ausgewählt.")
        elif number not in values:
            problems.append(f"Los {number} gibt es nicht.")
        else:
            counted.append(number)
            if not is_small_lot(values[number]):
                problems.append(f"Los {number} hat einen {value_word} von {format_money_de(values[number])} "
                                f"und liegt damit nicht unter {format_money_de(SMALL_LOT_LIMIT)}; es kann nicht "
                                "nach § 3 Abs. 9 VgV national vergeben werden.")
    chosen_sum = sum((values[number] for number in counted), Decimal("0.00"))
    if not _within_quota(chosen_sum, total):
        problems.append(f"Die ausgewählten Lose haben zusammen {format_money_de(chosen_sum)}, das sind "
                        f"{_share_pct(chosen_sum, total)} des Gesamtwerts von {format_money_de(total)}; "
                        f"zulässig sind höchstens {format_number_de(SMALL_LOTS_SHARE_PCT, 0)} %, also "
                        f"{format_money_de(quota_limit(total))} (§ 3 Abs. 9 VgV).")
    return problems


def decide_procedure(lots: Sequence[LotValue], publication_date: date, *,
                     thresholds: Iterable[Threshold],
                     value_basis: str = VALUE_BASIS_MAXIMUM,
                     national_procedure: str = NATIONAL_DEFAULT,
                     eu_procedure: str = EU_OPEN_PROCEDURE,
                     small_lots: Iterable[str] | None = None,
                     kind: str = SUPPLIES_SERVICES_SUBCENTRAL) -> ProcedureDecision:
    """The procedure of a tender per R4.

    Both totals are summed over the lots (§ 3 Abs. 7 VgV): the estimate and the maximum value
    (at the maximum quantities). `value_basis` picks the one that decides: "maximum" (default;
    Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV) or "estimate" (a round setting). The threshold
    of `thresholds` in force on the planned publication date applies; decisive total ≥
    threshold (exactly at it included) → EU-wide `eu_procedure`; otherwise every lot goes to
    the configured `national_procedure`. In an EU procedure the small-lots quota is applied
    with the values of the same basis: small_lots=None → propose_small_lots; a list → that
    manual choice (an empty list: no quota), checked; InvalidSmallLots if it breaks the rules.
    Lots come back in lot-number order.
    """
    basis = _basis(value_basis)
    lots = sorted(lots, key=lambda lot: lot_number_key(lot.number))
    small_lots = None if small_lots is None else list(small_lots)
    if not lots:
        raise ValidationFailed("Ohne Lose lässt sich kein Vergabeverfahren bestimmen.")
    numbers = [lot.number for lot in lots]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"lot numbers must be unique: {numbers}")
    threshold = threshold_for(publication_date, kind, table=thresholds)
    estimated_total = sum((lot.estimated_value for lot in lots), Decimal("0.00"))
    maximum_total = sum((lot.maximum for lot in lots), Decimal("0.00"))
    total = maximum_total if basis == VALUE_BASIS_MAXIMUM else estimated_total
    eu_wide = total >= threshold.amount
    count = len(lots)
    which = "des Loses" if count == 1 else f"aller {count} Lose"
    if basis == VALUE_BASIS_MAXIMUM:
        subject = (f"Der Höchstwert {which} beträgt {format_money_de(maximum_total)} (Höchstmengen × Schätzpreise "
                   f"über die gesamte Laufzeit); der geschätzte Auftragswert zu den geschätzten Mengen beträgt "
                   f"{format_money_de(estimated_total)}. Der Höchstwert")
        basis_reason = ("Maßgeblich ist der Höchstwert aller für die Laufzeit der Rahmenvereinbarung geplanten "
                        "Aufträge (Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV), also die Summe der Höchstwerte "
                        "aller Lose (§ 3 Abs. 7 VgV) bei Abruf der Höchstmengen; auch die Kleinlosregelung "
                        "(§ 3 Abs. 9 VgV) wird mit den Höchstwerten geprüft.")
    else:
        subject = (f"Der geschätzte Auftragswert {which} beträgt {format_money_de(estimated_total)} (geschätzte "
                   f"Mengen × Schätzpreise); der Höchstwert bei Abruf der Höchstmengen beträgt "
                   f"{format_money_de(maximum_total)}. Der geschätzte Auftragswert")
        basis_reason = ("Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich (Summe der "
                        "geschätzten Werte aller Lose, § 3 Abs. 7 VgV), nicht der Höchstwert bei Abruf der "
                        f"Höchstmengen ({format_money_de(maximum_total)}); auch die Kleinlosregelung "
                        "(§ 3 Abs. 9 VgV) wird mit den geschätzten Werten geprüft.")
    in_force = (f"EU-Schwellenwert von {format_money_de(threshold.amount)} (gültig "
                f"{format_date_de(threshold.valid_from)}–{format_date_de(threshold.valid_to)}, "
                f"§ 3 VgV i. V. m. § 106 GWB), der am geplanten Veröffentlichungstag "
                f"{format_date_de(publication_date)} gilt")
    reasons: list[str]

    def decided_lot(lot: LotValue, procedure: str, quota: bool) -> LotProcedure:
        return LotProcedure(lot.number, lot.estimated_value, procedure, quota, lot.maximum)

    def decision(procedure: str, eu: bool, decided: list[LotProcedure]) -> ProcedureDecision:
        return ProcedureDecision(procedure, eu, threshold, publication_date, estimated_total, tuple(decided),
                                 tuple(reasons), maximum_total, basis)

    if not eu_wide:
        if small_lots:
            raise InvalidSmallLots(check_small_lots(small_lots, lots, total, eu_wide=False, value_basis=basis))
        reasons = [
            f"{subject} liegt {format_money_de(threshold.amount - total)} unter dem {in_force}.",
            basis_reason,
            f"Unterhalb des EU-Schwellenwerts gilt das nationale Vergaberecht; eingestellt ist: {national_procedure}.",
        ]
        return decision(national_procedure, False, [decided_lot(lot, national_procedure, False) for lot in lots])

    if total == threshold.amount:
        comparison = (f"{subject} erreicht genau den {in_force}; schon das Erreichen des "
                      "Schwellenwerts verlangt ein EU-weites Verfahren.")
    else:
        comparison = (f"{subject} erreicht den {in_force}; er liegt "
                      f"{format_money_de(total - threshold.amount)} darüber.")
    reasons = [comparison, basis_reason, f"Das Vergabeverfahren wird EU-weit durchgeführt: {eu_procedure}."]

    if small_lots is None:
        chosen = propose_small_lots(lots, total, value_basis=basis)
        how = "Vorschlag des Systems"
    else:
        chosen = small_lots
        problems = check_small_lots(chosen, lots, total, value_basis=basis)
        if problems:
            raise InvalidSmallLots(problems)
        how = "Auswahl der Koordination"
    chosen_set = set(chosen)
    limit = quota_limit(total)
    _, values_word = _value_words(basis)
    if chosen:
        ordered = sorted(chosen_set, key=lot_number_key)
        chosen_sum = sum((lot.value(basis) for lot in lots if lot.number in chosen_set), Decimal("0.00"))
        one = len(ordered) == 1
        reasons.append(
            f"Kleinlosregelung (§ 3 Abs. 9 VgV, {how}, geprüft mit den {values_word}): {_lot_list(ordered)} "
            f"{'liegt' if one else 'liegen je'} unter {format_money_de(SMALL_LOT_LIMIT)} und "
            f"{'macht' if one else 'machen zusammen'} {format_money_de(chosen_sum)} aus "
            f"({_share_pct(chosen_sum, total)} des Gesamtwerts; zulässig sind höchstens 20 %, also "
            f"{format_money_de(limit)}); {'es wird' if one else 'sie werden'} national vergeben: "
            f"{national_procedure}.")
    elif not any(is_small_lot(lot.value(basis)) for lot in lots):
        reasons.append(f"Kein Los liegt mit seinem {_value_words(basis)[0]} unter {format_money_de(SMALL_LOT_LIMIT)}; "
                       "die Kleinlosregelung (§ 3 Abs. 9 VgV) kommt nicht in Betracht, alle Lose werden EU-weit "
                       "vergeben.")
    elif small_lots is None:
        reasons.append(f"Schon das kleinste Los unter {format_money_de(SMALL_LOT_LIMIT)} übersteigt 20 % des "
                       f"Gesamtwerts ({format_money_de(limit)}); die Kleinlosregelung (§ 3 Abs. 9 VgV) wird "
                       "nicht genutzt, alle Lose werden EU-weit vergeben.")
    else:
        reasons.append("Die Kleinlosregelung (§ 3 Abs. 9 VgV) wird nicht genutzt (Auswahl der Koordination); "
                       "alle Lose werden EU-weit vergeben.")
    return decision(eu_procedure, True, [
        decided_lot(lot, national_procedure if lot.number in chosen_set else eu_procedure, lot.number in chosen_set)
        for lot in lots])
