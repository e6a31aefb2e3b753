"""The term of a framework in calendar days (pure: no Flask, no SQLAlchemy).

A term of N months starting on day S ends on the day before the same day N months later
(1 Jan + 24 months → 31 Dec of the next year; 31 Jan + 1 month → 28/29 Feb, the day before
1 Mar). The base term is the round's contract term; every exercised option adds its months to
the end. The estimated and maximum quantities of the lot plan were computed over the whole
planned term (contract term + all extension months, einkauf.lots.values), so a pro-rata share
of an estimate uses the planned term's days.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(starts_on: date, months: int) -> date:
    """The last day of a term of `months` months starting on `starts_on`."""
    if months <= 0:
        raise ValueError("a term has at least one month")
    return add_months(starts_on, months) - timedelta(days=1)


def option_lengths(extension_months: int, step: int = 12) -> list[int]:
    """The round's extension months as options of `step` months each, the last one shorter if the
    months do not divide evenly (30 → [12, 12, 6]); none for 0."""
    if extension_months < 0:
        raise ValueError("extension months are not negative")
    lengths = [step] * (extension_months // step)
    if extension_months % step:
        lengths.append(extension_months % step)
    return lengths


def elapsed_share(starts_on: date, planned_end: date, today: date) -> tuple[int, int]:
    """Days of the planned term elapsed by the end of `today` and the planned term's days:
    (0, n) before the start, (n, n) from the last day on. The first day counts as elapsed on it."""
    total = (planned_end - starts_on).days + 1
    if today < starts_on:
        return 0, total
    return min((today - starts_on).days + 1, total), total
