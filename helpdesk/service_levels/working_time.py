"""Working time over a business calendar: pure date maths, no database, no Flask.

The rules, which the SLA clock and its tests rely on:

* **Open means the wall clock says so.** Opening hours are wall-clock times in the calendar's
  time zone. The calendar is open at an instant when the local clock at that instant shows a
  time inside one of the opening intervals of the local date's weekday, and that date is neither
  a public holiday nor an extra closed date. Intervals are half-open: open from the opening
  time, closed from the closing time on. A closing time of 00:00 (``"24:00"`` in the dict form)
  is midnight at the end of the day.
* **Daylight saving follows from that.** On the day the clocks jump forward, wall times in the
  gap never occur: an interval spanning the jump is that much shorter in real time, and one
  opening inside the gap (02:30) opens when the clocks show 03:00. On the day the clocks go
  back, the repeated hour is open both times the clock passes through it (an interval spanning
  it is an hour longer; one closing at 02:30 closes at the first 02:30, opens again when the
  clock shows 02:00 the second time, and closes at the second 02:30).
* **Pauses** are stretches during which the clock does not run (a ticket waiting on the
  customer): given as ``(start, end)`` pairs of aware datetimes, ``end`` None for a pause that
  is still open. They may overlap and may cover closed hours.
* **Due times.** ``add_working_time`` returns the earliest instant by which the given working
  time has elapsed. With a duration above zero that instant is always inside open, unpaused
  time or at its end (the closing time of an interval, or the start of a pause): never in the
  middle of closed hours, and never at an opening time. A zero duration returns the start
  unchanged, open or not. When a pause still open stops the clock before the duration has
  elapsed, there is no due time and the answer is None.
* **Time zones in and out.** Every datetime given must be timezone-aware (a naive one raises
  ValueError); every datetime returned is in UTC.

The work is done day by day, never minute by minute: each local day's open stretches are
worked out once (in UTC, with the daylight-saving transitions found by bisection) and cached,
and so are each year's public holidays.
"""
from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_library

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SETTINGS = ("hours", "timezone", "country", "subdivision", "closed_dates")
MIDNIGHT = time(0)

Interval = tuple[time, time]
Pause = tuple[datetime, datetime | None]

_OFFICE_HOURS: tuple[Interval, ...] = ((time(8), time(18)),)
DEFAULT_HOURS: tuple[tuple[Interval, ...], ...] = (_OFFICE_HOURS,) * 5 + ((),) * 2
DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_COUNTRY = "DE"

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
# Every UTC offset in use is far inside +-26 h, so the instants whose local date is D all lie
# between D 00:00 - 26 h and D 24:00 + 26 h read as UTC.
_MARGIN = timedelta(hours=26)
# Offsets are sampled this often when looking for daylight-saving transitions; two transitions
# closer together than this (which no zone has) would be missed.
_SAMPLE = timedelta(hours=3)
# A calendar with no open time for this many days in a row (only possible when extra closed
# dates cover years) is an error rather than an endless search.
_SEARCH_DAYS = 3660
_FOREVER = datetime.max

_TIME_TEXT = re.compile(r"(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?")
_DATE_TEXT = re.compile(r"\d{4}-\d\d-\d\d")


class CalendarError(ValueError):
    """A business-calendar setting that cannot be used.

    `field` names the setting (``"hours.mon[0]"``, ``"timezone"``, ``"closed_dates[2]"``, ...),
    `problem` says what is wrong with it.
    """

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class BusinessCalendar:
    """When the clock runs: opening hours per weekday in a time zone, minus closed days.

    `hours` holds seven tuples, Monday first, of ``(opening, closing)`` wall-clock times in
    order and not overlapping (a day may have several, as in a lunch break, or none); a closing
    time of 00:00 is midnight at the end of the day. Public holidays come from the `holidays`
    library for `country` (None for none) and its optional `subdivision` (for example ``"BY"``);
    `closed_dates` are further local dates on which the calendar is closed. The default is
    Monday to Friday 08:00-18:00, Europe/Berlin, German national public holidays.

    Arguments are checked and normalised (lists become tuples); a bad one raises
    `CalendarError`. Instances are immutable and hashable, so results can be cached per calendar.
    """

    hours: tuple[tuple[Interval, ...], ...] = DEFAULT_HOURS
    timezone: str = DEFAULT_TIMEZONE
    country: str | None = DEFAULT_COUNTRY
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hours", _checked_hours(self.hours))
        _check_timezone(self.timezone)
        _check_holidays(self.country, self.subdivision)
        object.__setattr__(self, "closed_dates", _checked_dates(self.closed_dates))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (zoneinfo keeps one instance per key)."""
        return ZoneInfo(self.timezone)

    def is_closed_date(self, day: date) -> bool:
        """Return True if the local date `day` is a public holiday or an extra closed date."""
        if day in self.closed_dates:
            return True
        return self.country is not None and day in _public_holidays(
            self.country, self.subdivision, day.year)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from plain data, as an admin form or the database holds it.

        Every key is optional (a missing one takes the default)::

            {"timezone": "Europe/Berlin",
             "hours": {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [], ...},
             "country": "DE", "subdivision": "BY",
             "closed_dates": ["2026-12-24", "2026-12-31"]}

        A weekday missing from ``"hours"`` is closed; ``"24:00"`` closes at midnight; a country
        of None or ``""`` means no public holidays. Anything else raises `CalendarError`
        naming the setting and the problem.
        """
        if not isinstance(data, Mapping):
            raise CalendarError("calendar", "must be a mapping of settings")
        for key in data:
            if key not in SETTINGS:
                raise CalendarError(str(key), "unknown setting; the settings are "
                                    + ", ".join(SETTINGS))
        kwargs: dict[str, Any] = {}
        if "hours" in data:
            kwargs["hours"] = _hours_from_data(data["hours"])
        if "timezone" in data:
            kwargs["timezone"] = data["timezone"]
        for key in ("country", "subdivision"):
            if key in data:
                kwargs[key] = data[key] if data[key] != "" else None
        if "closed_dates" in data:
            kwargs["closed_dates"] = _dates_from_data(data["closed_dates"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return the plain data `from_dict` reads back into an equal calendar."""
        return {
            "hours": {name: [[_time_text(opens), _time_text(closes, closing=True)]
                             for opens, closes in day]
                      for name, day in zip(WEEKDAYS, self.hours, strict=True)},
            "timezone": self.timezone,
            "country": self.country,
            "subdivision": self.subdivision,
            "closed_dates": sorted(day.isoformat() for day in self.closed_dates),
        }


# --- checking and reading settings ---------------------------------------------------------

def _since_midnight(moment: time, closing: bool = False) -> timedelta:
    if closing and moment == MIDNIGHT:
        return _DAY
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second,
                     microseconds=moment.microsecond)


def _checked_hours(hours: Any) -> tuple[tuple[Interval, ...], ...]:
    if isinstance(hours, str | bytes | Mapping) or not isinstance(hours, Sequence) \
            or len(hours) != len(WEEKDAYS):
        raise CalendarError("hours", "give the opening intervals of each of the 7 weekdays, "
                            "Monday first")
    days = []
    for name, intervals in zip(WEEKDAYS, hours, strict=True):
        where = f"hours.{name}"
        if isinstance(intervals, str | bytes) or not isinstance(intervals, Iterable):
            raise CalendarError(where, "must be a list of (opening, closing) pairs")
        day: list[Interval] = []
        previous_end = _ZERO
        for n, pair in enumerate(intervals):
            here = f"{where}[{n}]"
            try:
                opens, closes = pair
            except (TypeError, ValueError):
                raise CalendarError(here, "must be an (opening, closing) pair") from None
            for moment in (opens, closes):
                if not isinstance(moment, time) or moment.tzinfo is not None:
                    raise CalendarError(here, "opening and closing must be wall-clock times "
                                        "(datetime.time without a time zone)")
            start, end = _since_midnight(opens), _since_midnight(closes, closing=True)
            if start >= end:
                raise CalendarError(here, f"opens at {_time_text(opens)} but closes at "
                                    f"{_time_text(closes, closing=True)}: the closing time "
                                    "must be later (24:00 is midnight at the end of the day)")
            if start < previous_end:
                raise CalendarError(here, "intervals must be in order and must not overlap: "
                                    f"this one opens at {_time_text(opens)}, before the "
                                    "previous one closes")
            previous_end = end
            day.append((opens.replace(fold=0), closes.replace(fold=0)))
        days.append(tuple(day))
    if not any(days):
        raise CalendarError("hours", "at least one weekday needs opening hours")
    return tuple(days)


def _check_timezone(key: Any) -> None:
    if not isinstance(key, str) or not key:
        raise CalendarError("timezone", "must be an IANA time zone name such as Europe/Berlin")
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError("timezone", f"unknown time zone {key!r}; use an IANA name such "
                            "as Europe/Berlin") from None


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, list[str]]:
    return holiday_library.list_supported_countries()


def _check_holidays(country: Any, subdivision: Any) -> None:
    if country is None:
        if subdivision is not None:
            raise CalendarError("subdivision", "a subdivision needs a country")
        return
    supported = _supported_countries()
    if not isinstance(country, str) or country not in supported:
        raise CalendarError("country", f"no public holidays known for {country!r}; use an "
                            "ISO 3166 country code such as DE, or none")
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        raise CalendarError("subdivision", f"{country} has no subdivision {subdivision!r}; "
                            f"its subdivisions are: {known}")


def _checked_dates(dates: Any) -> frozenset[date]:
    if isinstance(dates, str | bytes) or not isinstance(dates, Iterable):
        raise CalendarError("closed_dates", "must be a collection of dates")
    checked = set()
    for n, day in enumerate(dates):
        if not isinstance(day, date) or isinstance(day, datetime):
            raise CalendarError(f"closed_dates[{n}]", f"{day!r} is not a date")
        checked.add(day)
    return frozenset(checked)


def _parse_time(text: Any, where: str, closing: bool) -> time:
    match = _TIME_TEXT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(where, f"{text!r} is not a time (HH:MM)")
    if closing and match[1] == "24" and not any(
            part and part.strip("0") for part in match.groups()[1:]):
        return MIDNIGHT
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CalendarError(where, f"{text!r} is not a time (HH:MM, 00:00 to 23:59, "
                            "or 24:00 to close at midnight)") from None


def _hours_from_data(data: Any) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(data, Mapping):
        raise CalendarError("hours", "must map weekdays (" + ", ".join(WEEKDAYS)
                            + ") to lists of [opening, closing] times")
    for key in data:
        if key not in WEEKDAYS:
            raise CalendarError(f"hours.{key}", "unknown weekday; the weekdays are "
                                + ", ".join(WEEKDAYS))
    days = []
    for name in WEEKDAYS:
        intervals = data.get(name) or []
        if isinstance(intervals, str | bytes) or not isinstance(intervals, Sequence):
            raise CalendarError(f"hours.{name}", "must be a list of [opening, closing] times")
        day = []
        for n, pair in enumerate(intervals):
            where = f"hours.{name}[{n}]"
            if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise CalendarError(where, "must be an [opening, closing] pair of times")
            day.append((_parse_time(pair[0], where, closing=False),
                        _parse_time(pair[1], where, closing=True)))
        days.append(tuple(day))
    return tuple(days)


def _dates_from_data(data: Any) -> frozenset[date]:
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise CalendarError("closed_dates", "must be a list of dates (YYYY-MM-DD)")
    days = set()
    for n, text in enumerate(data):
        try:
            if not isinstance(text, str) or not _DATE_TEXT.fullmatch(text):
                raise ValueError
            days.add(date.fromisoformat(text))
        except ValueError:
            raise CalendarError(f"closed_dates[{n}]",
                                f"{text!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(days)


def _time_text(moment: time, closing: bool = False) -> str:
    if closing and moment == MIDNIGHT:
        return "24:00"
    if moment.second or moment.microsecond:
        return moment.isoformat()
    return moment.isoformat(timespec="minutes")


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_library.country_holidays(country, subdiv=subdivision, years=year))


# --- open stretches in UTC -----------------------------------------------------------------
# Inside this module instants are naive datetimes in UTC; aware ones only at the edges.

def _utc(moment: Any, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {moment.isoformat()} has no zone")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition(zone: ZoneInfo, before: datetime, after: datetime, offset: timedelta) -> datetime:
    """Return the first whole second in (before, after] whose UTC offset is not `offset`.

    `before` has `offset` and `after` does not; zone transitions fall on whole seconds.
    """
    low, high = 0, (after - before) // _SECOND
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, before + middle * _SECOND) == offset:
            low = middle
        else:
            high = middle
    return before + high * _SECOND


@lru_cache(maxsize=4096)
def _offset_segments(timezone: str, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """Split the UTC stretch that holds every instant of local date `day` where the offset
    changes: ``(start, end, offset)`` triples, in order, covering it without gaps."""
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(day, MIDNIGHT)
    start, end = midnight - _MARGIN, midnight + _DAY + _MARGIN
    segments = []
    segment_start, offset = start, _offset(zone, start)
    moment = start
    while moment < end:
        sample = min(moment + _SAMPLE, end)
        if _offset(zone, sample) == offset:
            moment = sample
            continue
        change = _transition(zone, moment, sample, offset)
        segments.append((segment_start, change, offset))
        segment_start, offset, moment = change, _offset(zone, change), change
    segments.append((segment_start, end, offset))
    return tuple(segments)


@lru_cache(maxsize=8192)
def _day_intervals(calendar: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The UTC stretches during which the local clock shows an opening time of `day`."""
    wall_hours = calendar.hours[day.weekday()]
    if not wall_hours or calendar.is_closed_date(day):
        return ()
    midnight = datetime.combine(day, MIDNIGHT)
    pieces = []
    for opens, closes in wall_hours:
        wall_start = datetime.combine(day, opens)
        wall_end = midnight + _since_midnight(closes, closing=True)
        # Within a stretch of constant offset the wall clock is UTC + offset, so it shows a
        # time in [wall_start, wall_end) exactly from wall_start - offset to wall_end - offset.
        for segment_start, segment_end, offset in _offset_segments(calendar.timezone, day):
            low = max(segment_start, wall_start - offset)
            high = min(segment_end, wall_end - offset)
            if low < high:
                pieces.append((low, high))
    pieces.sort()
    merged: list[tuple[datetime, datetime]] = []
    for low, high in pieces:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


def _open_intervals(calendar: BusinessCalendar,
                    moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield the calendar's open stretches that end after `moment`, in order, the first one
    cut to start no earlier than `moment`. Endless unless the calendar is broken."""
    day = (moment + _offset(calendar.zone, moment)).date() - _DAY
    pending: list[tuple[datetime, datetime]] = []
    idle_days = 0
    while True:
        pieces = _day_intervals(calendar, day)
        for piece in pieces:
            if piece[1] > moment:
                heapq.heappush(pending, piece)
        idle_days = 0 if pieces else idle_days + 1
        if idle_days > _SEARCH_DAYS:
            raise ValueError(f"the calendar has no open time for {_SEARCH_DAYS} days after "
                             f"{day - idle_days * _DAY}")
        day += _DAY
        # No stretch of `day` or a later date starts before this, so everything pending that
        # starts by then comes next, in order (robust even where the clock goes back across
        # midnight and two local dates interleave).
        settled = datetime.combine(day, MIDNIGHT) - _MARGIN
        while pending and pending[0][0] <= settled:
            low, high = heapq.heappop(pending)
            yield max(low, moment), high


def _merged_pauses(pauses: Iterable[Pause] | None) -> list[tuple[datetime, datetime]]:
    spans = []
    for n, pause in enumerate(pauses or ()):
        try:
            start, end = pause
        except (TypeError, ValueError):
            raise ValueError(f"pauses[{n}] must be a (start, end) pair, end None while the "
                             "pause lasts") from None
        low = _utc(start, f"pauses[{n}] start")
        high = _FOREVER if end is None else _utc(end, f"pauses[{n}] end")
        if high < low:
            raise ValueError(f"pauses[{n}] ends before it starts")
        if high > low:
            spans.append((low, high))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def _running_intervals(calendar: BusinessCalendar, moment: datetime,
                       pauses: list[tuple[datetime, datetime]]
                       ) -> Iterator[tuple[datetime, datetime]]:
    """The open stretches from `moment` on with the (merged) pauses cut out; finite only when
    a pause is still open."""
    open_pause_from = pauses[-1][0] if pauses and pauses[-1][1] == _FOREVER else None
    first = 0
    for low, high in _open_intervals(calendar, moment):
        if open_pause_from is not None and low >= open_pause_from:
            return
        while first < len(pauses) and pauses[first][1] <= low:
            first += 1
        current = low
        for pause_start, pause_end in pauses[first:]:
            if pause_start >= high:
                break
            if pause_start > current:
                yield current, pause_start
            current = max(current, pause_end)
            if current >= high:
                break
        if current < high:
            yield current, high


# --- the public arithmetic -----------------------------------------------------------------

def add_working_time(calendar: BusinessCalendar, start: datetime, duration: timedelta,
                     pauses: Iterable[Pause] | None = ()) -> datetime | None:
    """Return the instant (UTC) at which `duration` of working time has elapsed after `start`.

    Closed hours and `pauses` do not count: a start in closed hours counts from the next
    opening. With a duration above zero the answer lies in open, unpaused time or at its end;
    a zero duration returns `start`. None when a pause that is still open stops the clock
    before the duration has elapsed.
    """
    moment = _utc(start, "start")
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, not {type(duration).__name__}")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    spans = _merged_pauses(pauses)
    if not duration:
        return _aware(moment)
    left = duration
    for low, high in _running_intervals(calendar, moment, spans):
        if high - low >= left:
            return _aware(low + left)
        left -= high - low
    return None


def working_time_between(calendar: BusinessCalendar, start: datetime, end: datetime,
                         pauses: Iterable[Pause] | None = ()) -> timedelta:
    """Return the working time from `start` to `end`, less `pauses`; zero if end <= start."""
    low_limit, high_limit = _utc(start, "start"), _utc(end, "end")
    spans = _merged_pauses(pauses)
    total = _ZERO
    if high_limit <= low_limit:
        return total
    for low, high in _running_intervals(calendar, low_limit, spans):
        if low >= high_limit:
            break
        total += min(high, high_limit) - low
    return total


def is_open(calendar: BusinessCalendar, moment: datetime) -> bool:
    """Return True if the calendar is open at `moment` (open at an opening time, closed at a
    closing time)."""
    instant = _utc(moment, "moment")
    low, _high = next(_open_intervals(calendar, instant))
    return low == instant


def next_opening(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """Return the earliest instant (UTC) at or after `moment` at which the calendar is open:
    `moment` itself while it is open."""
    instant = _utc(moment, "moment")
    low, _high = next(_open_intervals(calendar, instant))
    return _aware(low)
