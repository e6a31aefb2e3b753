"""The waiting period of § 134 GWB (R19): 10 calendar days after electronic or fax information,
15 after information by post, counted from the day after sending (einkauf.tenders.periods)."""
from __future__ import annotations

from datetime import date

import pytest

from einkauf.errors import ValidationFailed
from einkauf.tenders.periods import check_contract_date, earliest_contract_date, waiting_period


def test_ten_days_electronic_and_fifteen_by_post_counted_from_the_day_after_sending():
    # Sent Monday 04.01.2027: days 1–10 are 05.01.–14.01. (Thursday); contract from Friday 15.01.
    assert earliest_contract_date(date(2027, 1, 4), "electronic") == date(2027, 1, 15)
    assert earliest_contract_date(date(2027, 1, 4), "fax") == date(2027, 1, 15)
    # by post: 15 days end on Tuesday 19.01.; contract from Wednesday 20.01.
    assert earliest_contract_date(date(2027, 1, 4), "post") == date(2027, 1, 20)


def test_the_period_runs_across_a_weekend_and_a_month_end():
    # Sent Friday 22.01.2027: the 10th day is Monday 01.02.2027 (over two weekends and the month
    # end), a working day; contract from Tuesday 02.02.
    waiting = waiting_period(date(2027, 1, 22), "electronic")
    assert waiting.period.last_day == date(2027, 2, 1) and not waiting.period.moved_because
    assert waiting.earliest_contract_date == date(2027, 2, 2)
    # by post the 15th day is Saturday 06.02.: the end moves to Monday 08.02.; contract from 09.02.
    waiting = waiting_period(date(2027, 1, 22), "post")
    assert waiting.period.nominal_last_day == date(2027, 2, 6)
    assert waiting.period.last_day == date(2027, 2, 8)
    assert waiting.earliest_contract_date == date(2027, 2, 9)


def test_a_last_day_on_a_sunday_moves_the_end_to_the_monday():
    # Sent Thursday 25.02.2027: the 10th day is Sunday 07.03.2027 → the period ends Monday 08.03.,
    # 24:00 (Art. 3 Abs. 4 Reg. 1182/71); contract from Tuesday 09.03., not from Monday.
    waiting = waiting_period(date(2027, 2, 25), "electronic")
    assert waiting.period.nominal_last_day == date(2027, 3, 7)
    assert waiting.earliest_contract_date == date(2027, 3, 9)
    assert "Sonntag" in waiting.describe()


def test_a_last_day_on_a_public_holiday_moves_the_end_too():
    # Sent Sunday 14.03.2027 by post: the 15th day is Monday 29.03.2027, Ostermontag; the period
    # ends Tuesday 30.03., 24:00; contract from Wednesday 31.03.
    waiting = waiting_period(date(2027, 3, 14), "post")
    assert waiting.period.nominal_last_day == date(2027, 3, 29)
    assert waiting.period.last_day == date(2027, 3, 30)
    assert waiting.earliest_contract_date == date(2027, 3, 31)
    assert "Ostermontag" in waiting.describe()


def test_a_contract_date_inside_the_waiting_period_is_refused_in_german():
    with pytest.raises(ValidationFailed) as refused:
        check_contract_date(date(2027, 1, 14), date(2027, 1, 4), "electronic")
    assert refused.value.message.startswith("Der Vertrag darf nicht am 14.01.2027 geschlossen werden")
    assert "frühestens am Freitag, 15.01.2027" in refused.value.message
    check_contract_date(date(2027, 1, 15), date(2027, 1, 4), "electronic")  # the first allowed day


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValueError):
        waiting_period(date(2027, 1, 4), "pigeon")


def test_the_description_names_the_channel_the_days_and_the_first_contract_day():
    text = waiting_period(date(2027, 1, 4), "post").describe()
    assert text == ("Die Information wurde am 04.01.2027 per Post versandt. Die Wartefrist von 15 Kalendertagen "
                    "nach § 134 Abs. 2 GWB beginnt am Tag nach der Absendung und endet am Dienstag, 19.01.2027, "
                    "24:00 Uhr. Der Vertrag darf frühestens am Mittwoch, 20.01.2027 geschlossen werden.")
