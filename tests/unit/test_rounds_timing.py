"""Deadlines are typed in Berlin wall-clock time and stored as UTC instants (R9)."""
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from einkauf.rounds.timing import BERLIN, NonexistentLocalTime, berlin_to_utc, format_berlin, utc_to_berlin

UTC = UTC


def test_winter_deadline_is_one_hour_ahead_of_utc():
    assert berlin_to_utc(date(2027, 1, 31), time(12, 0)) == datetime(2027, 1, 31, 11, 0, tzinfo=UTC)


def test_summer_deadline_is_two_hours_ahead_of_utc():
    assert berlin_to_utc(date(2027, 7, 15), time(12, 0)) == datetime(2027, 7, 15, 10, 0, tzinfo=UTC)


def test_deadline_just_after_midnight_falls_on_the_previous_utc_day():
    assert berlin_to_utc(date(2027, 1, 1), time(0, 30)) == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


def test_the_result_is_an_aware_utc_datetime():
    result = berlin_to_utc(date(2027, 3, 1), time(9, 15))
    assert result.tzinfo is UTC


def test_last_minute_before_the_spring_gap_is_still_winter_time():
    # Clocks go from 02:00 to 03:00 on Sunday, 28 March 2027.
    assert berlin_to_utc(date(2027, 3, 28), time(1, 59)) == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)


def test_first_minute_after_the_spring_gap_is_summer_time():
    assert berlin_to_utc(date(2027, 3, 28), time(3, 0)) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_both_sides_of_the_spring_gap_are_one_real_minute_apart():
    before = berlin_to_utc(date(2027, 3, 28), time(1, 59))
    after = berlin_to_utc(date(2027, 3, 28), time(3, 0))
    assert after - before == timedelta(minutes=1)


@pytest.mark.parametrize("wall_clock", [time(2, 0), time(2, 30), time(2, 59)])
def test_a_time_inside_the_spring_gap_is_refused_in_german(wall_clock):
    message = "gibt es am 28.03.2027 wegen der Umstellung auf Sommerzeit nicht"
    with pytest.raises(NonexistentLocalTime, match=re.escape(message)):
        berlin_to_utc(date(2027, 3, 28), wall_clock)


def test_a_time_in_the_repeated_autumn_hour_means_its_first_occurrence():
    # On Sunday, 31 October 2027, 02:00–02:59 happens twice; the first time in summer time (UTC+2).
    assert berlin_to_utc(date(2027, 10, 31), time(2, 30)) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_after_the_repeated_autumn_hour_it_is_winter_time_again():
    assert berlin_to_utc(date(2027, 10, 31), time(3, 0)) == datetime(2027, 10, 31, 2, 0, tzinfo=UTC)


def test_an_aware_time_is_refused():
    with pytest.raises(ValueError):
        berlin_to_utc(date(2027, 1, 31), time(12, 0, tzinfo=UTC))


def test_utc_is_shown_back_in_berlin_winter_time():
    shown = utc_to_berlin(datetime(2027, 1, 31, 11, 0, tzinfo=UTC))
    assert (shown.date(), shown.time()) == (date(2027, 1, 31), time(12, 0))
    assert shown.utcoffset() == timedelta(hours=1)


def test_utc_is_shown_back_in_berlin_summer_time():
    shown = utc_to_berlin(datetime(2027, 7, 15, 10, 0, tzinfo=UTC))
    assert (shown.date(), shown.time()) == (date(2027, 7, 15), time(12, 0))
    assert shown.utcoffset() == timedelta(hours=2)


def test_both_instants_of_the_repeated_autumn_hour_show_the_same_wall_clock_time():
    first = utc_to_berlin(datetime(2027, 10, 31, 0, 30, tzinfo=UTC))
    second = utc_to_berlin(datetime(2027, 10, 31, 1, 30, tzinfo=UTC))
    assert first.time() == second.time() == time(2, 30)
    assert (first.utcoffset(), second.utcoffset()) == (timedelta(hours=2), timedelta(hours=1))


def test_a_naive_datetime_cannot_be_shown_in_berlin_time():
    with pytest.raises(ValueError):
        utc_to_berlin(datetime(2027, 1, 31, 11, 0))


def test_every_quarter_hour_of_a_year_survives_the_round_trip_except_the_spring_gap():
    moment = datetime(2027, 1, 1)
    gaps = 0
    while moment.year == 2027:
        try:
            instant = berlin_to_utc(moment.date(), moment.time())
        except NonexistentLocalTime:
            gaps += 1
        else:
            assert utc_to_berlin(instant).replace(tzinfo=None) == moment
        moment += timedelta(minutes=15)
    assert gaps == 4  # 02:00, 02:15, 02:30, 02:45 on 28 March 2027


def test_german_text_of_a_deadline_uses_berlin_time():
    assert format_berlin(datetime(2027, 7, 15, 10, 0, tzinfo=UTC)) == "15.07.2027, 12:00 Uhr"
    assert format_berlin(datetime(2027, 1, 31, 11, 0, tzinfo=UTC)) == "31.01.2027, 12:00 Uhr"


def test_berlin_zone_is_the_iana_zone():
    assert str(BERLIN) == "Europe/Berlin"
