"""Pure rules of freezing a tender: the Vergabenummer, award criteria and the announced scoring
formula, the submission deadline of § 15 VgV (counted by einkauf.tenders.periods), the question
deadline, the justification of a short deadline, the lot rules in words. No Flask, no SQLAlchemy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from einkauf.errors import ValidationFailed
from einkauf.lots.procedure import EU_OPEN_PROCEDURE
from einkauf.lots.rules import LotRules, format_date_de, format_day_de, format_money_de, format_number_de
from einkauf.rounds.timing import format_berlin
from einkauf.tenders.periods import count_period, end_of_day, next_working_day, previous_working_day
from einkauf.rounds.rules import code_stem
from einkauf.texts import N_

BERLIN = ZoneInfo("Europe/Berlin")

# § 15 Abs. 2 VgV: in the open procedure at least 35 days for the receipt of tenders, counted
# from the day after the contract notice was sent; Abs. 4: 5 days less when tenders may be
# submitted electronically (§ 53 Abs. 1 VgV).
OPEN_PROCEDURE_MIN_DAYS = 35
ELECTRONIC_REDUCTION_DAYS = 5

# Proposed when the coordinator names no deadline: noon of the first working day after the full
# 35 days of § 15 Abs. 2 VgV have run out (enough with or without electronic submission), so the
# default never ends on a Saturday, Sunday or public holiday and never inside the minimum period.
DEFAULT_PERIOD_DAYS = OPEN_PROCEDURE_MIN_DAYS
DEFAULT_DEADLINE_TIME = time(12, 0)

# The default Frist für Bieterfragen: 10 days before the submission deadline's day (moved back to
# a working day), at noon. § 20 Abs. 3 Satz 1 Nr. 1 VgV makes the authority answer questions asked
# in time at the latest 6 days before the submission deadline; 10 days leave it 4 days to answer.
QUESTION_DAYS_BEFORE_DEADLINE = 10
QUESTION_DEADLINE_TIME = time(12, 0)

# The justification the coordinator gives for a deadline shorter than § 15 VgV asks for.
JUSTIFICATION_MIN, JUSTIFICATION_MAX = 20, 2000

DEFAULT_AWARD_CRITERIA: tuple[tuple[str, Decimal], ...] = (("Preis", Decimal("100")),)
MAX_CRITERIA = 10
WEIGHT_RE = re.compile(r"\d{1,3}(\.\d{1,2})?", re.ASCII)


class InvalidAwardCriteria(ValidationFailed):
    pass


class InvalidQuestionDeadline(ValidationFailed):
    """The Frist für Bieterfragen is not between the publication day and the submission deadline."""


def default_deadline(publication_date: date, day: date | None = None, at: time | None = None) -> datetime:
    """The submission deadline in Berlin time: `day` at `at` (default: 12:00).

    Without `day`: the first working day (NRW) after the 35-day period of § 15 Abs. 2 VgV
    counted from the publication date has ended — never a Saturday, Sunday or public holiday."""
    if day is None:
        day = next_working_day(count_period(publication_date, DEFAULT_PERIOD_DAYS).last_day + timedelta(days=1))
    return datetime.combine(day, at or DEFAULT_DEADLINE_TIME, BERLIN)


def default_question_deadline(publication_date: date, submission_deadline: datetime) -> datetime:
    """The proposed Frist für Bieterfragen: noon of the working day 10 days before the submission
    deadline's day (or the working day before it). When the period is too short for that, the
    middle between the end of the publication day and the submission deadline, on the full hour."""
    deadline_day = submission_deadline.astimezone(BERLIN).date()
    day = previous_working_day(deadline_day - timedelta(days=QUESTION_DAYS_BEFORE_DEADLINE))
    if day > publication_date:
        return datetime.combine(day, QUESTION_DEADLINE_TIME, BERLIN)
    start = end_of_day(publication_date)
    middle = start + (submission_deadline - start) / 2
    return middle.astimezone(BERLIN).replace(minute=0, second=0, microsecond=0)


def check_question_deadline(publication_date: date, question_deadline: datetime, submission_deadline: datetime) -> None:
    """InvalidQuestionDeadline unless the Frist für Bieterfragen lies after the publication day and
    before the submission deadline."""
    if question_deadline.tzinfo is None:
        raise ValueError("the question deadline must be timezone-aware")
    if question_deadline < end_of_day(publication_date):
        raise InvalidQuestionDeadline(f"Die Frist für Bieterfragen ({format_berlin(question_deadline)}) muss nach dem "
                               f"Veröffentlichungstag ({format_date_de(publication_date)}) liegen.")
    if question_deadline >= submission_deadline:
        raise InvalidQuestionDeadline(f"Die Frist für Bieterfragen ({format_berlin(question_deadline)}) muss vor der "
                               f"Angebotsfrist ({format_berlin(submission_deadline)}) liegen.")


def clean_justification(text: str | None) -> str:
    """The justification of a short deadline: line breaks kept, other whitespace collapsed;
    ValidationFailed unless it has 20 to 2000 characters."""
    lines = [" ".join(line.split()) for line in (text or "").replace("\r", "").split("\n")]
    cleaned = "\n".join(lines).strip()
    if not JUSTIFICATION_MIN <= len(cleaned) <= JUSTIFICATION_MAX:
        raise ValidationFailed(f"Bitte begründen Sie die verkürzte Angebotsfrist mit {JUSTIFICATION_MIN} bis "
                               f"{format_number_de(JUSTIFICATION_MAX, 0)} Zeichen (§ 15 Abs. 3 VgV, "
                               f"Dokumentation nach § 8 VgV); angegeben: {len(cleaned)} Zeichen.")
    return cleaned


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
    """What § 15 VgV says about a submission deadline.

    days: calendar days from the publication day to the deadline's day; minimum_days: the
    minimum period (None when § 15 VgV's open-procedure minimum does not apply);
    minimum_end: the instant the minimum period ends (24:00 of its last day, moved past
    weekends and NRW public holidays); warnings: German, empty when the deadline suffices."""

    days: int
    minimum_days: int | None
    warnings: tuple[str, ...]
    minimum_end: datetime | None = None
    minimum_last_day: date | None = None


def check_submission_deadline(publication_date: date, deadline: datetime, *, eu_wide: bool, procedure: str,
                              electronic_submission: bool) -> DeadlineCheck:
    """The period for tenders in days (deadline day − publication day) and what § 15 VgV says.

    The minimum period is counted by the calendar (einkauf.tenders.periods): from the day after
    the publication day, ending at 24:00 of its last day, or of the next working day when that
    is a Saturday, Sunday or NRW public holiday. A deadline before that end is short — also one
    at 12:00 on the last day. Raises ValidationFailed when the deadline is not after the
    publication day; returns warnings (not errors) when an EU open procedure gets less than 35
    days, or 30 with electronic submission: the coordinator decides and justifies, the tender
    records the warning."""
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
    period = count_period(publication_date, minimum)
    warnings: tuple[str, ...] = ()
    if deadline < period.end:
        basis = ("§ 15 Abs. 2 und 4 VgV verlangen im offenen Verfahren bei elektronischer Angebotsabgabe "
                 f"mindestens {minimum} Tage" if electronic_submission else
                 f"§ 15 Abs. 2 VgV verlangt im offenen Verfahren mindestens {minimum} Tage")
        moved = (f" ({format_date_de(period.nominal_last_day)} ist {period.moved_because}, daher verlängert bis "
                 "zum Ende des nächsten Werktags)" if period.moved_because else "")
        warnings = (f"Die Angebotsfrist ist zu kurz: Sie endet am {format_berlin(deadline)}, {days} Tage nach der "
                    f"Veröffentlichung am {format_date_de(publication_date)}. {basis}, gerechnet ab dem Tag nach der "
                    f"Veröffentlichung; die Mindestfrist endet erst am {format_day_de(period.last_day)}, "
                    f"24:00 Uhr{moved}. Frühestens "
                    f"zulässig ist eine Angebotsfrist ab {format_day_de(period.last_day + timedelta(days=1))}, "
                    "0:00 Uhr. Eine kürzere Frist ist nur in begründeten Ausnahmefällen (§ 15 Abs. 3 VgV, "
                    "hinreichend begründete Dringlichkeit) zulässig.",)
    return DeadlineCheck(days, minimum, warnings, period.end, period.last_day)


# The announced scoring (§ 127 Abs. 5 GWB, § 58 VgV): printed in the Vergabeunterlagen and the
# Vergabevermerk, stored with the tender at the freeze. Price criterion = the one named "Preis…".
def is_price_criterion(name: str) -> bool:
    return name.strip().casefold().startswith("preis")


# The price methods a tender can announce for price points (issue 13): the stored key (Tender.
# price_method), a German name for forms and a German explanation for the bidder documents.
# einkauf.bids.evaluation computes them; existing tenders keep the linear ratio.
PRICE_METHOD_RATIO = "ratio"
PRICE_METHOD_INTERPOLATION = "interpolation"
DEFAULT_PRICE_METHOD = PRICE_METHOD_RATIO
PRICE_METHODS: dict[str, str] = {
    PRICE_METHOD_RATIO: N_("Verhältnismethode (niedrigste Losgesamtsumme ÷ Losgesamtsumme des Angebots × "
                           "Höchstpunktzahl)"),
    PRICE_METHOD_INTERPOLATION: N_("Interpolationsmethode (volle Punktzahl für die niedrigste Losgesamtsumme, 0 Punkte "
                                   "ab der doppelten niedrigsten Losgesamtsumme, dazwischen linear)"),
}


def check_price_method(method: str) -> str:
    """The price method key, or ValidationFailed (German) for an unknown one."""
    if method not in PRICE_METHODS:
        raise ValidationFailed(f"Unbekannte Preisumrechnungsmethode „{str(method)[:40]}“; möglich sind: "
                               f"{', '.join(PRICE_METHODS)}.")
    return method


def _price_points_sentences(name: str, weight: Decimal, method: str) -> list[str]:
    points = _points(weight)
    if method == PRICE_METHOD_INTERPOLATION:
        return [f"Preispunkte ({name}, höchstens {points} Punkte) nach der Interpolationsmethode = {points} × (2 − "
                "Losgesamtsumme des Angebots ÷ niedrigste Losgesamtsumme aller wertbaren Angebote), mindestens 0, "
                "auf zwei Nachkommastellen kaufmännisch gerundet.",
                f"Das heißt: Das Angebot mit der niedrigsten Losgesamtsumme erhält {points} Punkte, ein Angebot mit "
                "der doppelten (oder einer höheren) Losgesamtsumme 0 Punkte; dazwischen sinken die Punkte linear "
                f"(z. B. 10 % teurer als das niedrigste Angebot: 90 % von {points} Punkten)."]
    return [f"Preispunkte ({name}, höchstens {points} Punkte) = niedrigste Losgesamtsumme aller wertbaren "
            f"Angebote ÷ Losgesamtsumme des Angebots × {points}, auf zwei Nachkommastellen kaufmännisch gerundet.",
            f"Das heißt (Verhältnismethode): Das Angebot mit der niedrigsten Losgesamtsumme erhält {points} Punkte, "
            f"jedes andere Punkte im Verhältnis der Preise (z. B. ein doppelt so teures Angebot die Hälfte, ein "
            "um 25 % teureres Angebot 80 %)."]


def scoring_formula(criteria: Iterable[tuple[str, Decimal]], price_method: str = DEFAULT_PRICE_METHOD) -> str:
    """The German scoring formula announced for the award criteria (one sentence per line).

    Price only: the lowest lot total wins (the price method does not matter then). Price and
    quality: price points by the announced price method (PRICE_METHODS: the linear ratio
    lowest lot total ÷ the bid's lot total × price weight, or the interpolation with 0 points
    at twice the lowest lot total), explained in words; quality points per criterion up to its
    weight; the highest sum wins; ties go to the lower lot total, then to the lot drawn."""
    check_price_method(price_method)
    criteria = list(criteria)
    price = [(name, weight) for name, weight in criteria if is_price_criterion(name)]
    others = [(name, weight) for name, weight in criteria if not is_price_criterion(name)]
    total = ("Die Losgesamtsumme eines Angebots ist die Summe über alle Positionen des Loses aus geschätzter "
             "Menge über die Laufzeit × angebotenem Einheitspreis netto, je Position kaufmännisch auf Cent gerundet.")
    if not others:
        return "\n".join([
            "Einziges Zuschlagskriterium ist der Preis (100 %): Den Zuschlag je Los erhält das wertbare Angebot "
            "mit der niedrigsten Losgesamtsumme netto.",
            total,
            "Bei gleicher Losgesamtsumme entscheidet das Los.",
        ])
    lines = []
    for name, weight in price:
        lines.extend(_price_points_sentences(name, weight, price_method))
    for name, weight in others:
        lines.append(f"{name}: 0 bis {_points(weight)} Punkte nach dem Erfüllungsgrad des Kriteriums "
                     f"(Bewertung in Prozent × {_points(weight)}, auf zwei Nachkommastellen kaufmännisch gerundet).")
    lines.append("Den Zuschlag je Los erhält das wertbare Angebot mit der höchsten Punktsumme (höchstens 100 Punkte).")
    if price:
        lines.append(total)
        lines.append("Bei gleicher Punktsumme erhält das Angebot mit der niedrigeren Losgesamtsumme den Zuschlag; "
                     "ist auch diese gleich, entscheidet das Los.")
    else:
        lines.append("Bei gleicher Punktsumme entscheidet das Los.")
    return "\n".join(lines)


def _points(weight: Decimal) -> str:
    return format_number_de(weight, 2).removesuffix(",00")


# --- the lot rules in words (Vergabevermerk, § 8 VgV) -----------------------------------------

def describe_lot_rules(rules: LotRules, category_names: Mapping[int, str], product_labels: Mapping[int, str], *,
                       national_procedure: str = "", excluded_line_count: int = 0) -> list[str]:
    """The lot rules a plan was built with (einkauf.lots.rules.LotRules), in German sentences.

    category_names: category id → name; product_labels: product id → "number short text"
    (unknown ids are named by their id)."""
    def category(cid: int) -> str:
        return category_names.get(cid) or f"Warengruppe Nr. {cid}"

    def names(ids) -> str:
        return ", ".join(sorted((category(cid) for cid in ids), key=str.casefold))

    sentences: list[str] = []
    if rules.merge_groups:
        for group in rules.merge_groups:
            sentences.append(f"Zusammengelegte Warengruppen (ein gemeinsames Fachlos): {names(group)}.")
    else:
        sentences.append("Keine Warengruppen zusammengelegt: je Warengruppe ein Fachlos (§ 97 Abs. 4 GWB).")
    if rules.region_split:
        sentences.append("In Gebietslose nach der Region der Mitglieder geteilt: "
                         f"{names(rules.region_split)}.")
    else:
        sentences.append("Keine Gebietslose.")
    if rules.excluded_products:
        labels = sorted((product_labels.get(pid) or f"Artikel Nr. {pid}" for pid in rules.excluded_products),
                        key=str.casefold)
        lines = (f"; {format_number_de(excluded_line_count, 0)} Bedarfspositionen dazu sind keinem Los zugeordnet"
                 if excluded_line_count else "")
        sentences.append(f"Aus allen Losen herausgenommene Artikel: {', '.join(labels)}{lines}.")
    else:
        sentences.append("Keine Artikel herausgenommen.")
    if rules.split_value is not None:
        sentences.append(f"Lose mit einem geschätzten Wert über {format_money_de(rules.split_value)} werden in "
                         "Teillose geteilt.")
    else:
        sentences.append("Keine Teilung in Teillose nach Wert.")
    if national_procedure:
        sentences.append(f"Nationales Verfahren unterhalb des EU-Schwellenwerts und für Lose der Kleinlosregelung: "
                         f"{national_procedure}.")
    return sentences
