"""The current time, in one place, with a hook for tests.

Services take an explicit `now` where it matters; when they do not get one they ask this module
(through einkauf.db.utcnow). Tests that depend on "today" — a publication "in 14 days", the
threshold in force then — fix the clock (see the `fixed_clock` fixture), so that the suite gives
the same result in any year. Production never sets it; the demo does, to replay the tender of
its previous round at that round's own dates (einkauf.demo.tender).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

_fixed: datetime | None = None


def now() -> datetime:
    """The current moment as an aware UTC datetime (the fixed moment while one is set)."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def today_berlin() -> date:
    """Today's calendar day in Germany (Europe/Berlin)."""
    from einkauf.berlin import BERLIN

    return now().astimezone(BERLIN).date()


@contextmanager
def fixed(moment: datetime) -> Iterator[datetime]:
    """Fix the clock at an aware `moment` for the duration of the block (tests)."""
    global _fixed
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is expected")
    previous, _fixed = _fixed, moment.astimezone(UTC)
    try:
        yield _fixed
    finally:
        _fixed = previous
