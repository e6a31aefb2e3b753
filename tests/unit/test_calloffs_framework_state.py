"""The state of a framework on a day (issue 15 part 1), as plain data: the current end with the
options exercised in order, the option to decide next, and the three-month boundary."""
from __future__ import annotations

from datetime import date

import pytest

from einkauf.calloffs.frameworks import FrameworkState, current_end, framework_state, next_option

START, BASE_END = date(2027, 1, 1), date(2028, 12, 31)


def test_exercised_options_extend_the_term_in_order_and_a_declined_one_stops_the_chain():
    assert current_end(BASE_END, []) == BASE_END
    assert current_end(BASE_END, [(12, True), (12, None)]) == date(2029, 12, 31)
    assert current_end(BASE_END, [(12, True), (6, True)]) == date(2030, 6, 30)
    assert current_end(BASE_END, [(12, False), (12, True)]) == BASE_END


def test_the_next_option_is_the_first_undecided_one_after_exercised_ones():
    assert next_option([(12, None), (12, None)]) == 0
    assert next_option([(12, True), (12, None)]) == 1
    assert next_option([(12, False), (12, None)]) is None
    assert next_option([(12, True), (12, True)]) is None
    assert next_option([]) is None


@pytest.mark.parametrize(("today", "state"), [
    (date(2026, 12, 31), FrameworkState.NOT_STARTED),
    (date(2027, 1, 1), FrameworkState.RUNNING),
    (date(2028, 9, 30), FrameworkState.RUNNING),  # 30.09. + 3 months = 30.12.: the end is further away
    (date(2028, 10, 1), FrameworkState.OPTION_DUE),  # the last three months (01.10.–31.12.) of the term
    (date(2028, 12, 31), FrameworkState.OPTION_DUE),  # the last day
    (date(2029, 1, 1), FrameworkState.ENDED),
])
def test_state_around_the_boundaries(today, state):
    assert framework_state(START, BASE_END, [(12, None)], today) == state


def test_without_options_nothing_is_ever_due():
    assert framework_state(START, BASE_END, [], date(2028, 12, 1)) == FrameworkState.RUNNING
