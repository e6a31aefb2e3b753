"""Periods counted by the calendar (VO (EWG, Euratom) Nr. 1182/71 via § 82 VgV), NRW holidays,
the § 15 VgV check, the default deadlines and the announced scoring formula — real dates."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from einkauf.errors import ValidationFailed
from einkauf.lots.procedure import EU_OPEN_PROCEDURE, NATIONAL_DEFAULT
from einkauf.lots.rules import LotRules
from einkauf.rounds.timing import BERLIN
from einkauf.tenders.periods import (
    count_period,
    holiday_name,
    is_working_day,
    next_working_day,
    period_end,
    previous_working_day,
)
from einkauf.tenders.rules import (
    InvalidQuestionDeadline,
    check_question_deadline,
    check_submission_deadline,
    clean_justification,
    default_deadline,
    default_question_deadline,
    describe_lot_rules,
    scoring_formula,
)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BERLIN)


def _check(publication: date, deadline: datetime, electronic: bool = True):
    return check_submission_deadline(publication, deadline, eu_wide=True, procedure=EU_OPEN_PROCEDURE,
                                     electronic_submission=electronic)


# --- the calendar ------------------------------------------------------------------------------

def test_a_period_starts_the_day_after_the_event_and_ends_at_midnight_after_its_last_day():
    # Event Wednesday 03.02.2027; 30 days → last day Friday 05.03.2027, ends 24:00 = 06.03. 00:00.
    period = count_period(date(2027, 2, 3), 30)
    assert (period.nominal_last_day, period.last_day, period.moved_because) == (date(2027, 3, 5), date(2027, 3, 5), "")
    assert period.end == _midnight(date(2027, 3, 6))
    assert period_end(date(2027, 2, 3), 30) == period.end


def test_a_period_ending_on_a_saturday_ends_with_the_following_monday():
    period = count_period(date(2026, 12, 3), 30)  # 02.01.2027 is a Saturday
    assert period.nominal_last_day == date(2027, 1, 2)
    assert period.last_day == date(2027, 1, 4)
    assert period.end == _midnight(date(2027, 1, 5))
    assert period.moved_because == "Samstag"


def test_a_period_ending_on_easter_monday_ends_with_the_tuesday():
    period = count_period(date(2027, 2, 27), 30)  # 29.03.2027 Ostermontag
    assert period.last_day == date(2027, 3, 30)
    assert "Ostermontag" in period.moved_because
    assert "Dienstag, 30.03.2027" in period.describe() and "Ostermontag" in period.describe()


def test_a_period_ending_on_christmas_day_runs_over_both_holidays_and_the_weekend():
    # 25.12.2026 Friday, 26.12. Saturday (and holiday), 27.12. Sunday → Monday 28.12.2026.
    period = count_period(date(2026, 11, 25), 30)
    assert period.nominal_last_day == date(2026, 12, 25)
    assert period.last_day == date(2026, 12, 28)
    assert period.end == _midnight(date(2026, 12, 29))


def test_all_saints_day_is_a_holiday_in_nrw_but_not_in_berlin():
    period = count_period(date(2027, 10, 2), 30)  # 01.11.2027, a Monday: Allerheiligen
    assert period.last_day == date(2027, 11, 2)
    assert "Allerheiligen" in period.moved_because
    assert count_period(date(2027, 10, 2), 30, region="BE").last_day == date(2027, 11, 1)


def test_corpus_christi_moves_the_end_to_the_friday():
    period = count_period(date(2027, 4, 27), 30)  # Fronleichnam 27.05.2027, a Thursday
    assert holiday_name(date(2027, 5, 27)) == "Fronleichnam"
    assert period.last_day == date(2027, 5, 28)
    assert period.end == _midnight(date(2027, 5, 29))


def test_the_section_134_gwb_waiting_period_of_ten_days_uses_the_same_counting():
    # Information sent Wednesday 15.12.2027 by e-mail: 10 days → Saturday 25.12. (Christmas), so
    # the period ends with Monday 27.12.2027; the contract may be concluded from 28.12. 00:00.
    assert period_end(date(2027, 12, 15), 10) == _midnight(date(2027, 12, 28))
    # Sent Monday 04.01.2027: 10 days → Thursday 14.01.2027, no holiday.
    assert period_end(date(2027, 1, 4), 10) == _midnight(date(2027, 1, 15))
    assert period_end(date(2027, 1, 4), 15) == _midnight(date(2027, 1, 20))


def test_working_days():
    assert is_working_day(date(2027, 3, 30))
    assert not is_working_day(date(2027, 3, 26))  # Karfreitag
    assert not is_working_day(date(2027, 3, 27))  # Saturday
    assert next_working_day(date(2027, 3, 26)) == date(2027, 3, 30)
    assert previous_working_day(date(2027, 3, 29)) == date(2027, 3, 25)


@pytest.mark.parametrize("days", [0, -1, True])
def test_a_period_needs_at_least_one_day(days):
    with pytest.raises(ValueError):
        count_period(date(2027, 1, 4), days)


# --- § 15 VgV ---------------------------------------------------------------------------------

def test_a_deadline_at_noon_on_the_thirtieth_day_is_short_with_electronic_submission():
    publication = date(2027, 2, 1)
    check = _check(publication, datetime(2027, 3, 3, 12, 0, tzinfo=BERLIN))  # day 30
    assert check.days == 30 and check.minimum_days == 30
    assert check.minimum_end == _midnight(date(2027, 3, 4))
    warning = check.warnings[0]
    # The warning names the publication date, the minimum period's last day and the chosen deadline.
    assert "01.02.2027" in warning and "Mittwoch, 03.03.2027, 24:00 Uhr" in warning
    assert "03.03.2027, 12:00 Uhr" in warning and "mindestens 30 Tage" in warning


def test_the_first_instant_after_the_minimum_period_is_enough():
    assert _check(date(2027, 2, 1), _midnight(date(2027, 3, 4))).warnings == ()
    assert _check(date(2027, 2, 1), datetime(2027, 3, 4, 12, 0, tzinfo=BERLIN)).warnings == ()


def test_thirty_five_days_on_paper_end_at_midnight_after_the_thirty_fifth_day():
    publication = date(2027, 2, 1)  # day 35 = Monday 08.03.2027
    short = _check(publication, datetime(2027, 3, 8, 12, 0, tzinfo=BERLIN), electronic=False)
    assert short.minimum_days == 35 and "mindestens 35 Tage" in short.warnings[0]
    assert "Montag, 08.03.2027, 24:00 Uhr" in short.warnings[0]
    assert _check(publication, datetime(2027, 3, 9, 9, 0, tzinfo=BERLIN), electronic=False).warnings == ()


def test_a_minimum_period_ending_on_a_holiday_asks_for_one_more_working_day():
    # 30 days after 27.02.2027 is Easter Monday: a deadline that Monday evening is still short.
    check = _check(date(2027, 2, 27), datetime(2027, 3, 29, 23, 0, tzinfo=BERLIN))
    assert check.minimum_last_day == date(2027, 3, 30)
    assert "Ostermontag" in check.warnings[0]
    assert _check(date(2027, 2, 27), _midnight(date(2027, 3, 31))).warnings == ()


def test_national_procedures_have_no_section_15_minimum():
    check = check_submission_deadline(date(2027, 2, 1), datetime(2027, 2, 10, 12, tzinfo=BERLIN), eu_wide=False,
                                      procedure=NATIONAL_DEFAULT, electronic_submission=True)
    assert (check.minimum_days, check.minimum_end, check.warnings) == (None, None, ())


# --- default deadlines ------------------------------------------------------------------------

@pytest.mark.parametrize(("publication", "expected"), [
    (date(2027, 2, 1), date(2027, 3, 9)),    # day 35 Monday 08.03. → Tuesday 09.03.
    # day 35 Saturday 27.03., Sunday, Easter Monday: the period ends with Tuesday 30.03. → Wednesday 31.03.
    (date(2027, 2, 20), date(2027, 3, 31)),
    (date(2027, 4, 21), date(2027, 5, 28)),  # day 35 Wednesday 26.05., day 36 Fronleichnam → Friday 28.05.
    # day 35 Christmas Day (Friday): the period ends with Monday 28.12. → Tuesday 29.12.
    (date(2026, 11, 20), date(2026, 12, 29)),
])
def test_the_default_deadline_is_noon_of_a_working_day_after_the_full_35_days(publication, expected):
    deadline = default_deadline(publication)
    assert deadline == datetime.combine(expected, time(12, 0), BERLIN)
    assert is_working_day(deadline.date())
    assert _check(publication, deadline, electronic=False).warnings == ()


def test_a_chosen_day_is_kept_as_it_is():
    assert default_deadline(date(2027, 2, 1), date(2027, 3, 6), time(10, 0)) == datetime(2027, 3, 6, 10, 0,
                                                                                         tzinfo=BERLIN)


def test_the_default_question_deadline_is_ten_days_before_on_a_working_day():
    deadline = datetime(2027, 3, 9, 12, 0, tzinfo=BERLIN)
    assert default_question_deadline(date(2027, 2, 1), deadline) == datetime(2027, 2, 26, 12, 0, tzinfo=BERLIN)
    # 10 days before Tuesday 06.04.2027 is Saturday 27.03.; back to Thursday 25.03. (Karfreitag 26.03.).
    assert default_question_deadline(date(2027, 2, 27), datetime(2027, 4, 6, 12, tzinfo=BERLIN)) == datetime(
        2027, 3, 25, 12, 0, tzinfo=BERLIN)


def test_a_short_period_puts_the_question_deadline_in_its_middle():
    publication, deadline = date(2027, 2, 1), datetime(2027, 2, 8, 12, 0, tzinfo=BERLIN)
    questions = default_question_deadline(publication, deadline)
    assert questions == datetime(2027, 2, 5, 6, 0, tzinfo=BERLIN)
    check_question_deadline(publication, questions, deadline)


def test_the_question_deadline_lies_after_the_publication_day_and_before_the_submission_deadline():
    publication, deadline = date(2027, 2, 1), datetime(2027, 3, 9, 12, 0, tzinfo=BERLIN)
    with pytest.raises(InvalidQuestionDeadline, match="nach dem Veröffentlichungstag"):
        check_question_deadline(publication, datetime(2027, 2, 1, 18, 0, tzinfo=BERLIN), deadline)
    with pytest.raises(InvalidQuestionDeadline, match="vor der Angebotsfrist"):
        check_question_deadline(publication, deadline, deadline)
    check_question_deadline(publication, _midnight(date(2027, 2, 2)), deadline)


# --- justification and scoring ----------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "zu kurz", "x" * 19, "y" * 2001])
def test_a_justification_needs_20_to_2000_characters(text):
    with pytest.raises(ValidationFailed, match=re.escape("20 bis 2.000 Zeichen")):
        clean_justification(text)


def test_a_justification_keeps_its_lines_and_collapses_spaces():
    assert clean_justification("  Dringlichkeit:   Lieferengpass\r\nbei Papier  ") == (
        "Dringlichkeit: Lieferengpass\nbei Papier")


def test_price_only_is_scored_by_the_lowest_lot_total():
    formula = scoring_formula([("Preis", Decimal("100"))])
    assert "niedrigsten Losgesamtsumme" in formula and "Punkte" not in formula


def test_price_and_quality_announce_the_price_points_formula_and_the_tie_rule():
    formula = scoring_formula([("Preis", Decimal("70")), ("Qualität", Decimal("30"))])
    assert ("Preispunkte (Preis, höchstens 70 Punkte) = niedrigste Losgesamtsumme aller wertbaren Angebote ÷ "
            "Losgesamtsumme des Angebots × 70") in formula
    assert "Qualität: 0 bis 30 Punkte" in formula
    assert "niedrigeren Losgesamtsumme" in formula


def test_the_lot_rules_are_described_in_german_words():
    rules = LotRules(merge_groups=((1, 2),), region_split=frozenset({3}), excluded_products=frozenset({7}),
                     split_value=Decimal("250000"))
    text = " ".join(describe_lot_rules(rules, {1: "Druckpapier", 2: "Büromaterial", 3: "Reinigungsmittel"},
                                       {7: "P-7 Füller"}, national_procedure=NATIONAL_DEFAULT,
                                       excluded_line_count=4))
    assert "Zusammengelegte Warengruppen (ein gemeinsames Fachlos): Büromaterial, Druckpapier." in text
    assert "Gebietslose nach der Region der Mitglieder geteilt: Reinigungsmittel." in text
    assert "P-7 Füller; 4 Bedarfspositionen" in text
    assert "über 250.000,00 € werden in Teillose geteilt" in text
    assert NATIONAL_DEFAULT in text
    plain = " ".join(describe_lot_rules(LotRules(), {}, {}))
    assert "je Warengruppe ein Fachlos" in plain and "Keine Gebietslose" in plain
    assert "Keine Artikel herausgenommen" in plain and "Keine Teilung in Teillose" in plain


def test_the_ratio_method_is_explained_with_an_example():
    formula = scoring_formula([("Preis", Decimal("70")), ("Qualität", Decimal("30"))], "ratio")
    assert formula == scoring_formula([("Preis", Decimal("70")), ("Qualität", Decimal("30"))])  # the default
    assert ("Das heißt (Verhältnismethode): Das Angebot mit der niedrigsten Losgesamtsumme erhält 70 Punkte, jedes "
            "andere Punkte im Verhältnis der Preise (z. B. ein doppelt so teures Angebot die Hälfte, ein um 25 % "
            "teureres Angebot 80 %).") in formula.splitlines()


def test_the_interpolation_method_is_announced_with_zero_points_at_twice_the_lowest_total():
    lines = scoring_formula([("Preis", Decimal("60")), ("Service", Decimal("40"))], "interpolation").splitlines()
    assert lines[0] == ("Preispunkte (Preis, höchstens 60 Punkte) nach der Interpolationsmethode = 60 × (2 − "
                        "Losgesamtsumme des Angebots ÷ niedrigste Losgesamtsumme aller wertbaren Angebote), mindestens "
                        "0, auf zwei Nachkommastellen kaufmännisch gerundet.")
    assert lines[1].startswith(
        "Das heißt: Das Angebot mit der niedrigsten Losgesamtsumme erhält 60 Punkte, ein Angebot "
        "mit der doppelten (oder einer höheren) Losgesamtsumme 0 Punkte"
    )
    assert "Service: 0 bis 40 Punkte" in lines[2]
    assert "niedrigeren Losgesamtsumme" in lines[-1]


def test_price_only_needs_no_price_method_and_an_unknown_one_is_refused():
    assert scoring_formula([("Preis", Decimal("100"))], "interpolation") == scoring_formula([("Preis", Decimal("100"))])
    with pytest.raises(ValidationFailed, match="Preisumrechnungsmethode"):
        scoring_formula([("Preis", Decimal("100"))], "guess")
