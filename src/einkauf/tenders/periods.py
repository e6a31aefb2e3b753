"""Counting periods by the calendar as Regulation (EEC, Euratom) No 1182/71 does (applied to
public procurement through § 82 VgV). Pure: no Flask, no SQLAlchemy.

A period in days (Art. 3):
- starts at the beginning of the day after the event (the day of the event does not count,
  Art. 3 Abs. 1 Unterabs. 2), and
- ends at the end of its last day, i.e. 24:00 German time (Art. 3 Abs. 2 Buchst. b);
- when that last day is a Saturday, a Sunday or a public holiday, it ends at the end of the
  next working day instead (Art. 3 Abs. 4).

Public holidays come from the maintained `holidays` library (country DE, subdivision NW for
North Rhine-Westphalia by default), never from a hand-written list. The same counting serves
the minimum periods of § 15 VgV (counted from the day after the contract notice was sent)
and the waiting period of § 134 GWB (10 or 15 calendar days from the day after the
information was sent).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from einkauf.errors import ValidationFailed
from einkauf.lots.rules import WEEKDAYS_DE, format_date_de, format_day_de
from einkauf.rounds.timing import BERLIN

DEFAULT_REGION = "NW"  # Nordrhein-Westfalen
COUNTRY = "DE"


@lru_cache(maxsize=64)
def _holidays(region: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(COUNTRY, subdiv=region, years=year, language="de")


def holiday_name(day: date, region: str = DEFAULT_REGION) -> str | None:
    """The German name of the public holiday on `day` in `region` (None on other days)."""
    return _holidays(region, day.year).get(day)


def is_working_day(day: date, region: str = DEFAULT_REGION) -> bool:
    """A working day in the sense of Art. 2 Abs. 2: not a Saturday, Sunday or public holiday."""
    return day.weekday() < 5 and holiday_name(day, region) is None


def next_working_day(day: date, region: str = DEFAULT_REGION) -> date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date, region: str = DEFAULT_REGION) -> date:
    """`day` itself when it is a working day, otherwise the last working day before it."""
    while not is_working_day(day, region):
        day -= timedelta(days=1)
    return day


def why_not_working(day: date, region: str = DEFAULT_REGION) -> str:
    """Why `day` is no working day, in German ("Samstag", "Ostermontag"); "" for a working day."""
    name = holiday_name(day, region)
    if name:
        return f"{name}, gesetzlicher Feiertag"
    if day.weekday() >= 5:
        return WEEKDAYS_DE[day.weekday()]
    return ""


def end_of_day(day: date) -> datetime:
    """The end of `day` in German time (24:00), as the aware instant of the next day's 00:00."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), BERLIN)


@dataclass(frozen=True)
class Period:
    """A period of `days` days after the event on `event_day`.

    nominal_last_day: event_day + days; last_day: the same, or the next working day when the
    nominal last day is a Saturday, Sunday or public holiday; end: the end of last_day
    (24:00 German time, an aware datetime); moved_because: why the period was extended
    ("" when it was not)."""

    event_day: date
    days: int
    nominal_last_day: date
    last_day: date
    end: datetime
    moved_because: str

    def describe(self) -> str:
        """German, e.g. "Die Frist von 30 Tagen endet am Dienstag, 30.03.2027, 24:00 Uhr (der
        30. Tag, 29.03.2027, ist Ostermontag, gesetzlicher Feiertag)"."""
        text = (f"Die Frist von {self.days} Tagen endet am {format_day_de(self.last_day)}, 24:00 Uhr")
        if self.moved_because:
            text += (f" (der {self.days}. Tag, {format_date_de(self.nominal_last_day)}, ist "
                     f"{self.moved_because}; die Frist endet deshalb erst mit dem nächsten Werktag)")
        return text


def count_period(event_day: date, days: int, region: str = DEFAULT_REGION) -> Period:
    """The period of `days` days after the event on `event_day` (see the module docstring)."""
    if isinstance(event_day, datetime) or not isinstance(event_day, date):
        raise TypeError("event_day: a date is expected")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"a period needs at least one day, got {days!r}")
    nominal = event_day + timedelta(days=days)
    last = next_working_day(nominal, region)
    return Period(event_day, days, nominal, last, end_of_day(last),
                  "" if last == nominal else why_not_working(nominal, region))


def period_end(event_day: date, days: int, region: str = DEFAULT_REGION) -> datetime:
    """The instant a period of `days` days after the event ends: 24:00 German time of its last
    day, moved to the end of the next working day when that day is a Saturday, Sunday or public
    holiday (in `region`, default NRW)."""
    return count_period(event_day, days, region).end


# --- § 134 GWB: the waiting period before the contract (R19) -------------------------------------

# § 134 Abs. 2 GWB: 15 calendar days after the information was sent; 10 when it was sent
# electronically or by fax. The period begins on the day after sending; the day the bidder
# receives it does not matter.
WAITING_DAYS = {"electronic": 10, "fax": 10, "post": 15}
WAITING_CHANNELS_DE = {"electronic": "elektronisch", "fax": "per Fax", "post": "per Post"}


@dataclass(frozen=True)
class WaitingPeriod:
    """The waiting period of § 134 GWB after the information of the unsuccessful bidders.

    period: the counted period (its end is 24:00 of its last day); earliest_contract_date: the
    first day on which the contract may be concluded, the day after the period's last day."""

    sent_on: date
    channel: str
    period: Period
    earliest_contract_date: date

    def describe(self) -> str:
        """German, for the information letter and the Vergabevermerk."""
        text = (f"Die Information wurde am {format_date_de(self.sent_on)} {WAITING_CHANNELS_DE[self.channel]} "
                f"versandt. Die Wartefrist von {self.period.days} Kalendertagen nach § 134 Abs. 2 GWB beginnt am "
                f"Tag nach der Absendung und endet am {format_day_de(self.period.last_day)}, 24:00 Uhr")
        if self.period.moved_because:
            text += (f" (der {self.period.days}. Tag, {format_date_de(self.period.nominal_last_day)}, ist "
                     f"{self.period.moved_because}; die Frist endet deshalb erst mit dem nächsten Werktag)")
        return text + (f". Der Vertrag darf frühestens am {format_day_de(self.earliest_contract_date)} "
                       "geschlossen werden.")


def waiting_period(sent_on: date, channel: str, region: str = DEFAULT_REGION) -> WaitingPeriod:
    """The waiting period of § 134 GWB for information sent on `sent_on` by `channel`
    ("electronic" or "fax": 10 calendar days, "post": 15).

    Counted like every period here (Reg. 1182/71, see the module docstring): from the day after
    sending; when the last day is a Saturday, Sunday or public holiday the period ends with the
    next working day (Art. 3 Abs. 4). Whether Art. 3 Abs. 4 applies to § 134 GWB is disputed
    (the law says "Kalendertage"); the prevailing view applies it (e.g. OLG Düsseldorf, OLG
    München), and it is also the safe reading: a contract concluded one day too early is void
    under § 135 Abs. 1 Nr. 1 GWB, one concluded a day or two later costs nothing. The contract
    may be concluded from the day after the period's end."""
    if channel not in WAITING_DAYS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {sorted(WAITING_DAYS)}")
    period = count_period(sent_on, WAITING_DAYS[channel], region)
    return WaitingPeriod(sent_on, channel, period, period.last_day + timedelta(days=1))


def earliest_contract_date(sent_on: date, channel: str, region: str = DEFAULT_REGION) -> date:
    """The first day on which the contract may be concluded (see waiting_period)."""
    return waiting_period(sent_on, channel, region).earliest_contract_date


def check_contract_date(contract_date: date, sent_on: date, channel: str, region: str = DEFAULT_REGION) -> None:
    """ValidationFailed (German) when the contract date lies inside the waiting period of § 134 GWB."""
    waiting = waiting_period(sent_on, channel, region)
    if contract_date < waiting.earliest_contract_date:
        raise ValidationFailed(f"Der Vertrag darf nicht am {format_date_de(contract_date)} geschlossen werden: "
                               f"{waiting.describe()}")
