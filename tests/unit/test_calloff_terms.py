"""The framework term in calendar days (einkauf.calloffs.terms)."""
from datetime import date

import pytest

from einkauf.calloffs.terms import add_months, elapsed_share, option_lengths, term_end


def test_a_term_from_the_first_of_a_month_ends_on_the_last_day_before_it():
    assert term_end(date(2025, 1, 1), 24) == date(2026, 12, 31)
    assert term_end(date(2025, 7, 1), 6) == date(2025, 12, 31)


def test_a_term_from_the_middle_of_a_month_ends_the_day_before():
    assert term_end(date(2025, 3, 15), 12) == date(2026, 3, 14)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    with pytest.raises(ValueError):
        term_end(date(2025, 1, 1), 0)


def test_extension_months_become_options_of_a_year_each():
    assert option_lengths(0) == []
    assert option_lengths(24) == [12, 12]
    assert option_lengths(30) == [12, 12, 6]


def test_elapsed_days_on_the_first_and_the_last_day():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert elapsed_share(start, end, date(2024, 12, 31)) == (0, 365)
    assert elapsed_share(start, end, start) == (1, 365)
    assert elapsed_share(start, end, end) == (365, 365)
    assert elapsed_share(start, end, date(2026, 6, 1)) == (365, 365)
