"""Europe/Berlin, the one time zone of the application: deadlines are entered and shown there
and stored as UTC (R9).

Pure functions (no Flask, no SQLAlchemy). Two DST pitfalls are decided here on purpose:
- a wall-clock time that does not exist (the spring-forward gap, e.g. 28.03.2027 02:30) is
  refused with a German message instead of being shifted silently;
- a wall-clock time that exists twice (the autumn fall-back hour, e.g. 31.10.2027 02:30)
  means its first occurrence (summer time), the earlier of the two instants, so a deadline
  never runs an hour longer than any reader of it could expect.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def parse_day(text: str, what: str) -> date:
    """A calendar day typed as 2027-01-31 or 31.01.2027 (command line options); ValueError with
    a German message naming `what` otherwise."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{what}: „{text[:40]}“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ).")


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls into the gap when clocks are put forward."""


def berlin_to_utc(day: date, at: time) -> datetime:
    """The aware UTC instant of a date and wall-clock time in Europe/Berlin."""
    if at.tzinfo is not None:
        raise ValueError("pass a naive wall-clock time")
    local = datetime.combine(day, at).replace(tzinfo=BERLIN, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(BERLIN).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"Die Uhrzeit {at:%H:%M} gibt es am {day:%d.%m.%Y} wegen der Umstellung auf Sommerzeit nicht. "
            "Bitte wählen Sie eine andere Uhrzeit."
        )
    return instant


def utc_to_berlin(moment: datetime) -> datetime:
    """The same instant as an aware datetime in Europe/Berlin (naive input is refused)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return moment.astimezone(BERLIN)


def format_berlin(moment: datetime) -> str:
    """German wall-clock text of an instant, e.g. '31.01.2027, 12:00 Uhr'."""
    return utc_to_berlin(moment).strftime("%d.%m.%Y, %H:%M Uhr")
