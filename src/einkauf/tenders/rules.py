"""Pure rules of freezing a tender: the Vergabenummer, award criteria, the submission deadline
of § 15 VgV. No Flask, no SQLAlchemy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from einkauf.errors import ValidationFailed
from einkauf.lots.procedure import EU_OPEN_PROCEDURE
from einkauf.lots.rules import format_date_de, format_number_de
from einkauf.rounds.rules import code_stem

BERLIN = ZoneInfo("Europe/Berlin")

# § 15 Abs. 2 VgV: in the open procedure at least 35 days for the receipt of tenders, counted
# from the day after the contract notice was sent; Abs. 4: 5 days less when tenders may be
# submitted electronically (§ 53 Abs. 1 VgV).
OPEN_PROCEDURE_MIN_DAYS = 35
ELECTRONIC_REDUCTION_DAYS = 5

# Proposed when the coordinator names no deadline: the full 35 days of § 15 Abs. 2 VgV (enough
# with or without electronic submission), ending at noon, German time.
DEFAULT_PERIOD_DAYS = OPEN_PROCEDURE_MIN_DAYS
DEFAULT_DEADLINE_TIME = time(12, 0)

DEFAULT_AWARD_CRITERIA: tuple[tuple[str, Decimal], ...] = (("Preis", Decimal("100")),)
MAX_CRITERIA = 10
WEIGHT_RE = re.compile(r"\d{1,3}(\.\d{1,2})?", re.ASCII)


class InvalidAwardCriteria(ValidationFailed):
    pass


def default_deadline(publication_date: date, day: date | None = None, at: time | None = None) -> datetime:
    """The submission deadline in Berlin time: `day` (default: publication + 35 days) at `at`
    (default: 12:00)."""
    day = day or publication_date + timedelta(days=DEFAULT_PERIOD_DAYS)
    return datetime.combine(day, at or DEFAULT_DEADLINE_TIME, BERLIN)


def format_reference(prefix: str, round_code: str, sequence: int) -> str:
    """The Vergabenummer: prefix, round code and a two-digit running number, e.g. "EK-2027-01".

    The running number counts every tender of the round, cancelled ones included, so that a
    number is never given twice."""
    return f"{prefix}-{code_stem(round_code)}-{sequence:02d}"


def parse_award_criteria(text: str) -> list[tuple[str, Decimal]]:
    """Award criteria from lines "Name: weight" (weight in percent, German comma allowed).

    Empty text → price only (100 %). Weights must be > 0 and add up to exactly 100."""
    lines = [line.strip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return list(DEFAULT_AWARD_CRITERIA)
    if len(lines) > MAX_CRITERIA:
        raise InvalidAwardCriteria(f"Höchstens {MAX_CRITERIA} Zuschlagskriterien sind möglich.")
    criteria: list[tuple[str, Decimal]] = []
    for number, line in enumerate(lines, start=1):
        name, sep, weight_text = line.rpartition(":")
        if not sep or not name.strip():
            raise InvalidAwardCriteria(f"Zeile {number} („{line[:60]}“): bitte als „Kriterium: Gewichtung“ "
                                       "angeben, z. B. „Preis: 70“.")
        weight_text = weight_text.strip().removesuffix("%").strip().replace(",", ".")
        weight = Decimal(weight_text) if WEIGHT_RE.fullmatch(weight_text) else None
        if weight is None or weight <= 0 or weight > 100:
            raise InvalidAwardCriteria(f"Zeile {number}: die Gewichtung „{weight_text[:20]}“ muss eine Zahl "
                                       "größer 0 und höchstens 100 mit bis zu zwei Nachkommastellen sein.")
        name = " ".join(name.split())[:100]
        if name.casefold() in {c.casefold() for c, _ in criteria}:
            raise InvalidAwardCriteria(f"Zeile {number}: das Kriterium „{name}“ steht zweimal da.")
        criteria.append((name, weight))
    total = sum((w for _, w in criteria), Decimal(0))
    if total != 100:
        raise InvalidAwardCriteria(f"Die Gewichtungen ergeben zusammen {format_number_de(total)} %; sie müssen "
                                   "genau 100 % ergeben.")
    return criteria


def format_award_criteria(criteria) -> str:
    """The inverse of parse_award_criteria: "Preis: 70\\nQualität: 30"."""
    return "\n".join(f"{name}: {format_number_de(weight, 2).removesuffix(',00')}" for name, weight in criteria)


@dataclass(frozen=True)
class DeadlineCheck:
    days: int
    minimum_days: int | None
    warnings: tuple[str, ...]


def check_submission_deadline(publication_date: date, deadline: datetime, *, eu_wide: bool, procedure: str,
                              electronic_submission: bool) -> DeadlineCheck:
    """The period for tenders in days (deadline day − publication day) and what § 15 VgV says.

    Raises ValidationFailed when the deadline is not after the publication day; returns
    warnings (not errors) when an EU open procedure gets less than 35 days, or 30 with
    electronic submission: the coordinator decides, the tender records the warning."""
    if deadline.tzinfo is None:
        raise ValueError("the deadline must be timezone-aware")
    deadline_day = deadline.astimezone(BERLIN).date()
    days = (deadline_day - publication_date).days
    if days <= 0:
        raise ValidationFailed(f"Die Angebotsfrist ({format_date_de(deadline_day)}) muss nach dem geplanten "
                               f"Veröffentlichungstag ({format_date_de(publication_date)}) enden.")
    if not (eu_wide and procedure == EU_OPEN_PROCEDURE):
        return DeadlineCheck(days, None, ())
    minimum = OPEN_PROCEDURE_MIN_DAYS - (ELECTRONIC_REDUCTION_DAYS if electronic_submission else 0)
    warnings: tuple[str, ...] = ()
    if days < minimum:
        basis = ("§ 15 Abs. 2 und 4 VgV verlangen im offenen Verfahren bei elektronischer Angebotsabgabe "
                 f"mindestens {minimum} Tage" if electronic_submission else
                 f"§ 15 Abs. 2 VgV verlangt im offenen Verfahren mindestens {minimum} Tage")
        warnings = (f"Die Angebotsfrist beträgt nur {days} Tage (Veröffentlichung {format_date_de(publication_date)}, "
                    f"Fristende {format_date_de(deadline_day)}); {basis}, gerechnet ab dem Tag nach der Absendung "
                    "der Auftragsbekanntmachung. Eine kürzere Frist ist nur in begründeten Ausnahmefällen "
                    "(§ 15 Abs. 3 VgV, hinreichend begründete Dringlichkeit) zulässig.",)
    return DeadlineCheck(days, minimum, warnings)
