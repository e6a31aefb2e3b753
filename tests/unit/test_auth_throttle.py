"""The per-account sign-in delay (einkauf.auth.throttle): grows, is capped, and is told in words."""
from datetime import UTC, datetime, timedelta

import pytest

from einkauf.auth.throttle import delay_seconds, retry_at, wait_text

LATEST = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("failures", "seconds"), [(0, 0), (4, 0), (5, 1), (6, 2), (9, 16), (14, 512), (15, 900),
                                                   (1000, 900)])
def test_the_delay_doubles_from_the_fifth_failure_up_to_the_cap(failures, seconds):
    assert delay_seconds(failures, free=5, cap=900) == seconds


def test_no_failures_or_too_few_mean_no_wait():
    assert retry_at(0, None, free=5, cap=900) is None
    assert retry_at(4, LATEST, free=5, cap=900) is None


def test_the_wait_counts_from_the_latest_failure():
    assert retry_at(7, LATEST, free=5, cap=900) == LATEST + timedelta(seconds=4)


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "1 Sekunde"), (1, "1 Sekunde"), (1.1, "2 Sekunden"),
                                               (59, "59 Sekunden"), (60, "1 Minute"), (61, "2 Minuten"),
                                               (900, "15 Minuten")])
def test_the_wait_is_told_rounded_up(seconds, text):
    assert wait_text(seconds) == text
