"""Properties of working time for any calendar, start, duration and pauses (hypothesis).

Calendars are drawn with opening and closing times on the half hour, in zones whose clocks
change in different ways (Santiago falls back across midnight, Lord Howe by half an hour,
Kolkata never), and instants are drawn often within days of a change. The reference for
"open" is the wall clock itself: the local time at an instant, read against the opening hours
of its local date.

The rule for due times (see helpdesk/service_levels/working_time.py): with a duration above
zero the due time lies in open, unpaused time or at its end, never in closed hours; a zero
duration is the start itself.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.service_levels.working_time import (
    BusinessCalendar,
    add_working_time,
    is_open,
    next_opening,
    working_time_between,
)

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

ZONES = ["Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
         "Asia/Kolkata", "UTC"]
# Days on which one of those zones changes its clocks in 2026.
CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 9, 6),
           date(2026, 10, 4), date(2026, 10, 25), date(2026, 11, 1)]
HALF_HOUR = timedelta(minutes=30)
TICK = timedelta(microseconds=1)


def _mark(n: int) -> time:
    """The n-th half hour of a day; 48 is midnight at its end (00:00 as a closing time)."""
    return time(n // 2 % 24, 30 * (n % 2))


@st.composite
def day_hours(draw) -> tuple[tuple[time, time], ...]:
    marks = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
    if len(marks) % 2:
        marks.pop()
    return tuple((_mark(a), _mark(b)) for a, b in zip(marks[::2], marks[1::2], strict=True))


def _at_least_one_open_day(days: list) -> list:
    return days if any(days) else [((time(8), time(18)),), *days[1:]]


calendars = st.builds(
    BusinessCalendar,
    hours=st.one_of(
        st.just(BusinessCalendar().hours),
        # Open through the nights, when clocks change, on every day of the week.
        st.just([((time(0), time(6)), (time(20), time(0)))] * 7),
        st.lists(day_hours(), min_size=7, max_size=7).map(_at_least_one_open_day)),
    timezone=st.sampled_from(ZONES),
    country=st.sampled_from([None, "DE"]),
    closed_dates=st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=12),
)

half_hours_near_a_change = st.builds(
    lambda day, n: datetime.combine(day, time(0), tzinfo=UTC) + n * HALF_HOUR,
    st.sampled_from(CHANGES), st.integers(-6 * 48, 6 * 48))
instants = st.one_of(
    half_hours_near_a_change,
    st.builds(lambda moment, extra: moment + extra, half_hours_near_a_change,
              st.timedeltas(timedelta(0), HALF_HOUR)),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC)),
)
durations = st.one_of(
    st.integers(0, 4 * 48).map(lambda n: n * HALF_HOUR),
    st.timedeltas(timedelta(0), timedelta(hours=60)),
)


@st.composite
def pauses_from(draw, start: datetime) -> list[tuple[datetime, datetime | None]]:
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        begins = start + timedelta(minutes=draw(st.integers(-24 * 60, 10 * 24 * 60)))
        length = draw(st.one_of(st.none(), st.integers(0, 3 * 24 * 60))
                      if draw(st.integers(0, 9)) == 0 else st.integers(0, 3 * 24 * 60))
        pauses.append((begins, None if length is None else begins + timedelta(minutes=length)))
    return pauses


@st.composite
def scenarios(draw):
    calendar, start = draw(calendars), draw(instants)
    return calendar, start, draw(pauses_from(start))


def wall_clock_open(calendar: BusinessCalendar, moment: datetime) -> bool:
    """The reference: does the local clock show an opening time of an open local date?"""
    local = moment.astimezone(ZoneInfo(calendar.timezone))
    if calendar.is_closed_date(local.date()):
        return False
    shown = local.time()
    return any(opens <= shown and (closes == time(0) or shown < closes)
               for opens, closes in calendar.hours[local.weekday()])


def paused(pauses, moment: datetime) -> bool:
    return any(start <= moment and (end is None or moment < end) for start, end in pauses)


@SETTINGS
@given(calendars, instants)
def test_open_exactly_when_the_wall_clock_shows_an_opening_time(calendar, moment):
    assert is_open(calendar, moment) is wall_clock_open(calendar, moment)
    opening = next_opening(calendar, moment)
    assert opening >= moment and wall_clock_open(calendar, opening)
    if opening > moment:
        assert not wall_clock_open(calendar, opening - TICK)
        assert working_time_between(calendar, moment, opening) == timedelta(0)


@SETTINGS
@given(calendars, half_hours_near_a_change, st.integers(0, 8 * 48))
def test_working_time_is_the_open_half_hours_counted_on_the_wall_clock(calendar, start, steps):
    # Hours, UTC offsets and clock changes of these zones all fall on UTC half hours, so
    # each half hour is open or closed as a whole.
    expected = sum(wall_clock_open(calendar, start + n * HALF_HOUR) for n in range(steps))
    assert working_time_between(calendar, start, start + steps * HALF_HOUR) \
        == expected * HALF_HOUR


@SETTINGS
@given(scenarios(), durations)
def test_a_due_time_never_falls_inside_closed_hours_or_a_pause(scenario, duration):
    calendar, start, pauses = scenario
    for given_pauses in ([], pauses):
        due = add_working_time(calendar, start, duration, given_pauses)
        if due is None:
            assert any(end is None for _start, end in given_pauses)
            continue
        assert due.tzinfo is UTC and due >= start
        if duration:
            # The last moment before the due time is working time: the due time is inside
            # open, unpaused time or at its end.
            assert wall_clock_open(calendar, due - TICK)
            assert not paused(given_pauses, due - TICK)
        else:
            assert due == start


@SETTINGS
@given(scenarios(), durations)
def test_adding_working_time_and_measuring_it_back_agree(scenario, duration):
    calendar, start, pauses = scenario
    for given_pauses in ([], pauses):
        due = add_working_time(calendar, start, duration, given_pauses)
        if due is not None:
            assert working_time_between(calendar, start, due, given_pauses) == duration


@SETTINGS
@given(scenarios(), st.timedeltas(timedelta(0), timedelta(days=12)))
def test_measuring_then_adding_back_reaches_the_end_or_the_last_working_moment_before(
        scenario, span):
    calendar, start, pauses = scenario
    end = start + span
    measured = working_time_between(calendar, start, end, pauses)
    reached = add_working_time(calendar, start, measured, pauses)
    assert reached is not None and start <= reached <= end
    assert working_time_between(calendar, start, reached, pauses) == measured
    assert working_time_between(calendar, reached, end, pauses) == timedelta(0)


@SETTINGS
@given(scenarios(), durations, durations)
def test_more_working_time_is_never_due_earlier(scenario, one, other):
    calendar, start, pauses = scenario
    shorter, longer = sorted((one, other))
    for given_pauses in ([], pauses):
        first = add_working_time(calendar, start, shorter, given_pauses)
        second = add_working_time(calendar, start, longer, given_pauses)
        if first is None:
            assert second is None
        elif second is not None:
            assert first <= second


@SETTINGS
@given(scenarios(), durations, st.timedeltas(timedelta(0), timedelta(days=10)))
def test_pausing_never_shortens_the_time_left(scenario, target, elapsed):
    calendar, start, pauses = scenario
    now = start + elapsed
    due_without = add_working_time(calendar, start, target)
    due_with = add_working_time(calendar, start, target, pauses)
    assert due_with is None or due_with >= due_without
    left_without = working_time_between(calendar, now, due_without)
    if due_with is not None:
        assert working_time_between(calendar, now, due_with) >= left_without
    # Measured over any stretch, a pause only ever takes working time away, and one more
    # pause takes away at least as much.
    assert working_time_between(calendar, start, now, pauses) \
        <= working_time_between(calendar, start, now)
    assert working_time_between(calendar, start, now, pauses) \
        <= working_time_between(calendar, start, now, pauses[1:])


@SETTINGS
@given(scenarios(), st.timedeltas(timedelta(0), timedelta(days=5)),
       st.timedeltas(timedelta(0), timedelta(days=5)))
def test_working_time_adds_up_over_consecutive_stretches(scenario, first, second):
    calendar, start, pauses = scenario
    middle, end = start + first, start + first + second
    assert working_time_between(calendar, start, middle, pauses) \
        + working_time_between(calendar, middle, end, pauses) \
        == working_time_between(calendar, start, end, pauses)
