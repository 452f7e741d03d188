"""Working time over business calendars: weekends, holidays, closed days, overnight, split
hours, daylight saving both ways, pauses, and the calendar's plain-data form."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.service_levels import working_time
from helpdesk.service_levels.working_time import (
    BusinessCalendar,
    CalendarError,
    add_working_time,
    is_open,
    next_opening,
    working_time_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT = BusinessCalendar()
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def berlin(*args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def every_day(*intervals, **kwargs) -> BusinessCalendar:
    """A calendar open on all seven days with the same hours, no holidays unless given."""
    kwargs.setdefault("country", None)
    return BusinessCalendar(hours=[list(intervals)] * 7, **kwargs)


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


# --- the default calendar, weekends -----------------------------------------------------------

def test_default_is_weekdays_eight_to_six_in_berlin_with_german_holidays():
    assert DEFAULT.timezone == "Europe/Berlin" and DEFAULT.country == "DE"
    assert DEFAULT.subdivision is None and DEFAULT.closed_dates == frozenset()
    monday = (2026, 3, 2)
    assert is_open(DEFAULT, berlin(*monday, 8, 0))
    assert is_open(DEFAULT, berlin(*monday, 17, 59, 59))
    assert not is_open(DEFAULT, berlin(*monday, 7, 59, 59))
    assert not is_open(DEFAULT, berlin(*monday, 18, 0))       # closed from the closing time
    assert is_open(DEFAULT, berlin(2026, 3, 6, 12))             # Friday
    assert not is_open(DEFAULT, berlin(2026, 3, 7, 12))         # Saturday
    assert not is_open(DEFAULT, berlin(2026, 3, 8, 12))         # Sunday


def test_results_are_utc_and_the_weekend_does_not_count():
    due = add_working_time(DEFAULT, berlin(2026, 3, 6, 17), 2 * H)    # Friday 17:00
    assert due.tzinfo is UTC
    assert due == berlin(2026, 3, 9, 9)                                # Monday 09:00
    assert due == utc(2026, 3, 9, 8)
    assert working_time_between(DEFAULT, berlin(2026, 3, 6, 17), berlin(2026, 3, 9, 9)) == 2 * H
    assert working_time_between(DEFAULT, berlin(2026, 3, 7, 0), berlin(2026, 3, 9, 0)) == 0 * H


def test_input_in_any_zone_means_the_same_instant():
    in_new_york = datetime(2026, 3, 6, 11, tzinfo=ZoneInfo("America/New_York"))   # 17:00 Berlin
    assert add_working_time(DEFAULT, in_new_york, 2 * H) == berlin(2026, 3, 9, 9)


# --- holidays and closed days -----------------------------------------------------------------

@pytest.mark.parametrize(("day", "closed"), [
    (date(2026, 12, 24), False),    # Christmas Eve is a working day nationally
    (date(2026, 12, 25), True),
    (date(2026, 12, 26), True),
    (date(2026, 12, 31), False),
    (date(2027, 1, 1), True),
    (date(2026, 4, 3), True),       # Good Friday
    (date(2026, 4, 6), True),       # Easter Monday
    (date(2026, 10, 3), True),      # German Unity Day
    (date(2026, 1, 6), False),      # Epiphany: only some states
])
def test_german_national_public_holidays(day, closed):
    assert DEFAULT.is_closed_date(day) is closed


def test_christmas_eve_counts_christmas_does_not():
    assert add_working_time(DEFAULT, berlin(2026, 12, 23, 17), 2 * H) == berlin(2026, 12, 24, 9)
    # Thursday 24th 17:00 + 2 h: Friday 25th, the weekend 26th/27th closed -> Monday 28th.
    assert add_working_time(DEFAULT, berlin(2026, 12, 24, 17), 2 * H) == berlin(2026, 12, 28, 9)


def test_easter_and_german_unity_day_are_skipped():
    # Thursday before Easter 17:00: Good Friday, the weekend and Easter Monday are closed.
    assert add_working_time(DEFAULT, berlin(2026, 4, 2, 17), 2 * H) == berlin(2026, 4, 7, 9)
    # 3 October 2025 is a Friday.
    assert add_working_time(DEFAULT, berlin(2025, 10, 2, 17), 2 * H) == berlin(2025, 10, 6, 9)
    assert working_time_between(DEFAULT, berlin(2025, 10, 3), berlin(2025, 10, 4)) == 0 * H


def test_ten_working_days_across_christmas_and_new_year():
    start = berlin(2026, 12, 18, 17)                                   # Friday
    due = add_working_time(DEFAULT, start, 100 * H)
    # 1 h on the 18th, 21st-24th and 28th-31st (80 h), Jan 1st closed, 4th (10 h), 5th 9 h.
    assert due == berlin(2027, 1, 5, 17)
    assert working_time_between(DEFAULT, start, due) == 100 * H


def test_long_spans_are_worked_out_day_by_day_not_minute_by_minute():
    working_time._day_intervals.cache_clear()
    start = berlin(2026, 12, 18, 17)
    assert add_working_time(DEFAULT, start, 100 * H) == berlin(2027, 1, 5, 17)
    # 18 calendar days, each worked out once (plus a day of look-behind and look-ahead).
    assert working_time._day_intervals.cache_info().misses <= 21
    working_time._day_intervals.cache_clear()
    a_year = working_time_between(DEFAULT, berlin(2026, 1, 1), berlin(2027, 1, 1))
    assert a_year == (261 - 7) * 10 * H       # 261 weekdays in 2026, 7 holidays on weekdays
    assert working_time._day_intervals.cache_info().misses <= 365 + 7


def test_a_subdivision_adds_its_own_holidays():
    bavaria = BusinessCalendar(subdivision="BY")
    assert bavaria.is_closed_date(date(2026, 1, 6))                  # Epiphany in Bavaria
    assert add_working_time(bavaria, berlin(2026, 1, 5, 17), 2 * H) == berlin(2026, 1, 7, 9)
    assert add_working_time(DEFAULT, berlin(2026, 1, 5, 17), 2 * H) == berlin(2026, 1, 6, 9)


def test_no_country_means_no_public_holidays():
    calendar = BusinessCalendar(country=None)
    assert is_open(calendar, berlin(2026, 12, 25, 10))


def test_extra_closed_days():
    calendar = BusinessCalendar(closed_dates={date(2026, 12, 24), date(2026, 12, 31)})
    assert add_working_time(calendar, berlin(2026, 12, 23, 17), 2 * H) == berlin(2026, 12, 28, 9)
    assert working_time_between(calendar, berlin(2026, 12, 28), berlin(2027, 1, 5)) == 40 * H
    assert not is_open(calendar, berlin(2026, 12, 31, 12))
    assert next_opening(calendar, berlin(2026, 12, 30, 18)) == berlin(2027, 1, 4, 8)


# --- overnight, closed hours, split days ------------------------------------------------------

def test_a_start_after_closing_counts_from_the_next_opening():
    assert add_working_time(DEFAULT, berlin(2026, 3, 2, 20), H) == berlin(2026, 3, 3, 9)
    assert working_time_between(DEFAULT, berlin(2026, 3, 2, 17), berlin(2026, 3, 3, 9)) == 2 * H
    assert next_opening(DEFAULT, berlin(2026, 3, 2, 18)) == berlin(2026, 3, 3, 8)


def test_a_start_inside_closed_hours_counts_from_the_opening():
    assert add_working_time(DEFAULT, berlin(2026, 3, 2, 6), 30 * MIN) == berlin(2026, 3, 2, 8, 30)
    assert working_time_between(DEFAULT, berlin(2026, 3, 2, 6), berlin(2026, 3, 2, 8, 30)) \
        == 30 * MIN
    assert next_opening(DEFAULT, berlin(2026, 3, 2, 6)) == berlin(2026, 3, 2, 8)
    assert next_opening(DEFAULT, berlin(2026, 3, 2, 10)) == berlin(2026, 3, 2, 10)   # open now
    assert next_opening(DEFAULT, berlin(2026, 3, 2, 10)).tzinfo is UTC


def test_a_due_time_at_closing_is_the_closing_time_not_the_next_opening():
    assert add_working_time(DEFAULT, berlin(2026, 3, 2, 17), H) == berlin(2026, 3, 2, 18)
    assert add_working_time(DEFAULT, berlin(2026, 3, 2, 8), 10 * H) == berlin(2026, 3, 2, 18)


def test_zero_duration_is_the_start_itself_even_when_closed():
    saturday = berlin(2026, 3, 7, 12)
    assert add_working_time(DEFAULT, saturday, timedelta(0)) == saturday
    assert add_working_time(DEFAULT, saturday, timedelta(0)).tzinfo is UTC


def test_split_opening_hours():
    lunch_break = BusinessCalendar(
        hours=[[(time(8), time(12)), (time(13), time(17))]] * 5 + [[], []])
    monday = (2026, 3, 2)
    assert not is_open(lunch_break, berlin(*monday, 12, 30))
    assert is_open(lunch_break, berlin(*monday, 13))
    assert add_working_time(lunch_break, berlin(*monday, 11, 30), H) == berlin(*monday, 13, 30)
    assert add_working_time(lunch_break, berlin(*monday, 11), H) == berlin(*monday, 12)
    assert working_time_between(lunch_break, berlin(*monday, 11), berlin(*monday, 14)) == 2 * H
    assert working_time_between(lunch_break, berlin(*monday), berlin(2026, 3, 3)) == 8 * H


def test_empty_days_and_hours_up_to_midnight():
    late_shift = BusinessCalendar(
        hours=[[(time(20), time(0))], [(time(0), time(2))], [], [], [], [], []], country=None)
    assert not is_open(late_shift, berlin(2026, 3, 3, 12))            # Tuesday after 02:00
    assert add_working_time(late_shift, berlin(2026, 3, 2, 23), 2 * H) == berlin(2026, 3, 3, 1)
    assert working_time_between(late_shift, berlin(2026, 3, 1), berlin(2026, 3, 8)) == 6 * H
    assert next_opening(late_shift, berlin(2026, 3, 3, 2)) == berlin(2026, 3, 9, 20)


# --- daylight saving --------------------------------------------------------------------------
# 2026-03-29 (Sunday): 02:00 CET -> 03:00 CEST. 2026-10-25 (Sunday): 03:00 CEST -> 02:00 CET.

def test_a_spring_forward_day_is_an_hour_shorter_where_the_hours_span_the_jump():
    sunday_open = BusinessCalendar(hours=[[(time(8), time(18))]] * 7, country=None)
    assert working_time_between(sunday_open, berlin(2026, 3, 29), berlin(2026, 3, 30)) \
        == 10 * H
    night = every_day((time(1), time(5)))
    assert working_time_between(night, berlin(2026, 3, 28), berlin(2026, 3, 29)) == 4 * H
    assert working_time_between(night, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 3 * H
    due = add_working_time(night, berlin(2026, 3, 29, 1, 30), H)
    assert due == berlin(2026, 3, 29, 3, 30) == utc(2026, 3, 29, 1, 30)
    assert local(due).utcoffset() == 2 * H


def test_an_opening_time_in_the_skipped_hour_opens_when_the_clock_shows_three():
    calendar = every_day((time(2, 30), time(5)))
    assert next_opening(calendar, berlin(2026, 3, 29, 0)) == berlin(2026, 3, 29, 3)
    assert working_time_between(calendar, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 2 * H
    # A day that lies wholly in the gap has no working time at all.
    gap_only = every_day((time(2, 15), time(2, 45)))
    assert working_time_between(gap_only, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 0 * H
    assert next_opening(gap_only, berlin(2026, 3, 29)) == berlin(2026, 3, 30, 2, 15)


def test_a_fall_back_day_is_an_hour_longer_where_the_hours_span_the_repeated_hour():
    night = every_day((time(1), time(5)))
    assert working_time_between(night, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 5 * H
    start = berlin(2026, 10, 25, 1, 30)
    first_half_past_two = add_working_time(night, start, H)
    second_half_past_two = add_working_time(night, start, 2 * H)
    assert first_half_past_two == utc(2026, 10, 25, 0, 30)
    assert second_half_past_two == utc(2026, 10, 25, 1, 30)
    # Both read 02:30 on the wall; fold tells them apart.
    assert local(first_half_past_two).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 30)
    assert local(second_half_past_two).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 30)
    assert local(first_half_past_two).fold == 0 and local(second_half_past_two).fold == 1
    # (An aware datetime with fold=1 never equals one in another zone: compare in UTC.)
    assert second_half_past_two == berlin(2026, 10, 25, 2, 30, fold=1).astimezone(UTC)


def test_a_closing_time_in_the_repeated_hour_is_passed_twice():
    calendar = every_day((time(1), time(2, 30)))
    # Open 01:00-02:30 summer time, then again 02:00-02:30 winter time: 2 h in all.
    assert working_time_between(calendar, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 2 * H
    assert is_open(calendar, berlin(2026, 10, 25, 2, 15, fold=0))
    assert not is_open(calendar, berlin(2026, 10, 25, 2, 45, fold=0))
    assert is_open(calendar, berlin(2026, 10, 25, 2, 15, fold=1))
    assert not is_open(calendar, berlin(2026, 10, 25, 2, 45, fold=1))
    assert next_opening(calendar, berlin(2026, 10, 25, 2, 45, fold=0)) \
        == berlin(2026, 10, 25, 2, 0, fold=1).astimezone(UTC)
    # Split at 02:30, the two halves add up to the whole night.
    after = every_day((time(2, 30), time(5)))
    assert working_time_between(after, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 3 * H


def test_daylight_saving_elsewhere_follows_that_zone():
    new_york = every_day((time(1), time(5)), timezone="America/New_York")
    ny = ZoneInfo("America/New_York")
    # 2026-03-08: 02:00 EST -> 03:00 EDT; 2026-11-01: 02:00 EDT -> 01:00 EST.
    assert working_time_between(new_york, datetime(2026, 3, 8, tzinfo=ny),
                                datetime(2026, 3, 9, tzinfo=ny)) == 3 * H
    assert working_time_between(new_york, datetime(2026, 11, 1, tzinfo=ny),
                                datetime(2026, 11, 2, tzinfo=ny)) == 5 * H
    # Berlin's changes are not New York's.
    for day in (29, 30):
        assert working_time_between(new_york, datetime(2026, 3, day, tzinfo=ny),
                                    datetime(2026, 3, day + 1, tzinfo=ny)) == 4 * H
    assert add_working_time(new_york, datetime(2026, 3, 8, 1, 30, tzinfo=ny), H) \
        == datetime(2026, 3, 8, 3, 30, tzinfo=ny)


# --- pauses -----------------------------------------------------------------------------------

MONDAY = (2026, 3, 2)


def test_a_pause_in_open_hours_moves_the_due_time():
    pause = (berlin(*MONDAY, 10), berlin(*MONDAY, 10, 30))
    assert add_working_time(DEFAULT, berlin(*MONDAY, 9), 2 * H, pauses=[pause]) \
        == berlin(*MONDAY, 11, 30)
    assert working_time_between(DEFAULT, berlin(*MONDAY, 9), berlin(*MONDAY, 12),
                                pauses=[pause]) == 2.5 * H


def test_overlapping_pauses_count_once():
    pauses = [(berlin(*MONDAY, 10, 15), berlin(*MONDAY, 11)),
              (berlin(*MONDAY, 10), berlin(*MONDAY, 10, 30)),
              (berlin(*MONDAY, 10, 20), berlin(*MONDAY, 10, 40))]
    assert add_working_time(DEFAULT, berlin(*MONDAY, 9), 2 * H, pauses=pauses) \
        == berlin(*MONDAY, 12)
    assert working_time_between(DEFAULT, berlin(*MONDAY, 8), berlin(*MONDAY, 18),
                                pauses=pauses) == 9 * H


def test_a_pause_over_closed_hours_only_costs_its_open_part():
    overnight = (berlin(*MONDAY, 17), berlin(2026, 3, 3, 9))          # Mon 17:00 - Tue 09:00
    assert add_working_time(DEFAULT, berlin(*MONDAY, 16), 3 * H) == berlin(2026, 3, 3, 9)
    assert add_working_time(DEFAULT, berlin(*MONDAY, 16), 3 * H, pauses=[overnight]) \
        == berlin(2026, 3, 3, 11)
    assert working_time_between(DEFAULT, berlin(*MONDAY, 16), berlin(2026, 3, 3, 12),
                                pauses=[overnight]) == 4 * H
    weekend = (berlin(2026, 3, 7), berlin(2026, 3, 9))
    assert add_working_time(DEFAULT, berlin(2026, 3, 6, 17), 2 * H, pauses=[weekend]) \
        == berlin(2026, 3, 9, 9)


def test_a_pause_begun_before_the_start_holds_the_clock_until_it_ends():
    pause = (berlin(*MONDAY, 7), berlin(*MONDAY, 9, 30))
    assert add_working_time(DEFAULT, berlin(*MONDAY, 9), H, pauses=[pause]) \
        == berlin(*MONDAY, 10, 30)


def test_a_pause_still_open_stops_the_clock():
    waiting = [(berlin(*MONDAY, 10), None)]
    assert add_working_time(DEFAULT, berlin(*MONDAY, 9), 2 * H, pauses=waiting) is None
    assert add_working_time(DEFAULT, berlin(*MONDAY, 9), 30 * MIN, pauses=waiting) \
        == berlin(*MONDAY, 9, 30)
    assert working_time_between(DEFAULT, berlin(*MONDAY, 9), berlin(2026, 3, 20),
                                pauses=waiting) == H
    # An open pause swallows the closed ones after it.
    both = [*waiting, (berlin(*MONDAY, 11), berlin(*MONDAY, 12))]
    assert working_time_between(DEFAULT, berlin(*MONDAY, 9), berlin(2026, 3, 20),
                                pauses=both) == H


def test_a_pause_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        working_time_between(DEFAULT, berlin(*MONDAY, 9), berlin(*MONDAY, 12),
                             pauses=[(berlin(*MONDAY, 11), berlin(*MONDAY, 10))])


# --- what is refused --------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 2, 9)


@pytest.mark.parametrize("call", [
    lambda: add_working_time(DEFAULT, NAIVE, H),
    lambda: working_time_between(DEFAULT, NAIVE, berlin(*MONDAY, 12)),
    lambda: working_time_between(DEFAULT, berlin(*MONDAY, 9), NAIVE),
    lambda: is_open(DEFAULT, NAIVE),
    lambda: next_opening(DEFAULT, NAIVE),
    lambda: add_working_time(DEFAULT, berlin(*MONDAY, 9), H, pauses=[(NAIVE, None)]),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_a_negative_duration_is_refused_and_end_before_start_is_zero():
    with pytest.raises(ValueError, match="negative"):
        add_working_time(DEFAULT, berlin(*MONDAY, 9), -H)
    assert working_time_between(DEFAULT, berlin(*MONDAY, 12), berlin(*MONDAY, 9)) == 0 * H


# --- the calendar as plain data ---------------------------------------------------------------

def test_a_calendar_from_plain_data_and_back():
    data = {
        "timezone": "Europe/Vienna",
        "hours": {"mon": [["08:00", "12:00"], ["13:00", "17:30"]], "sat": [["10:00", "24:00"]]},
        "country": "AT",
        "subdivision": "9",
        "closed_dates": ["2026-12-24", "2026-12-31"],
    }
    calendar = BusinessCalendar.from_dict(data)
    assert calendar.hours[0] == ((time(8), time(12)), (time(13), time(17, 30)))
    assert calendar.hours[1] == () and calendar.hours[5] == ((time(10), time(0)),)
    assert calendar.timezone == "Europe/Vienna" and calendar.country == "AT"
    assert calendar.subdivision == "9"
    assert calendar.closed_dates == {date(2026, 12, 24), date(2026, 12, 31)}
    stored = calendar.to_dict()
    assert stored["hours"]["sat"] == [["10:00", "24:00"]] and stored["hours"]["sun"] == []
    assert BusinessCalendar.from_dict(stored) == calendar


def test_missing_settings_take_the_defaults():
    assert BusinessCalendar.from_dict({}) == DEFAULT
    assert BusinessCalendar.from_dict(DEFAULT.to_dict()) == DEFAULT
    assert BusinessCalendar.from_dict({"country": ""}).country is None


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"opening": {}}, "opening", "unknown setting"),
    ({"hours": [["08:00", "18:00"]]}, "hours", "weekdays"),
    ({"hours": {"monday": [["08:00", "18:00"]]}}, "hours.monday", "unknown weekday"),
    ({"hours": {"mon": [["8 Uhr", "18:00"]]}}, "hours.mon[0]", "not a time"),
    ({"hours": {"mon": [["08:00"]]}}, "hours.mon[0]", "pair"),
    ({"hours": {"mon": [["18:00", "08:00"]]}}, "hours.mon[0]", "closing time must be later"),
    ({"hours": {"mon": [["08:00", "08:00"]]}}, "hours.mon[0]", "closing time must be later"),
    ({"hours": {"mon": [["24:00", "24:00"]]}}, "hours.mon[0]", "not a time"),
    ({"hours": {"mon": [["25:00", "26:00"]]}}, "hours.mon[0]", "not a time"),
    ({"hours": {"mon": [["08:00", "13:00"], ["12:00", "18:00"]]}}, "hours.mon[1]",
     "must not overlap"),
    ({"hours": {"mon": [["13:00", "18:00"], ["08:00", "12:00"]]}}, "hours.mon[1]",
     "in order"),
    ({"hours": {"mon": [], "sun": []}}, "hours", "at least one weekday"),
    ({"timezone": "Europe/Nowhere"}, "timezone", "unknown time zone"),
    ({"timezone": "../etc/passwd"}, "timezone", "unknown time zone"),
    ({"country": "XX"}, "country", "no public holidays known"),
    ({"subdivision": "XX"}, "subdivision", "has no subdivision"),
    ({"country": None, "subdivision": "BY"}, "subdivision", "needs a country"),
    ({"closed_dates": ["2026-02-30"]}, "closed_dates[0]", "not a date"),
    ({"closed_dates": ["2026-12-24", "24.12.2026"]}, "closed_dates[1]", "not a date"),
    ({"closed_dates": "2026-12-24"}, "closed_dates", "list of dates"),
])
def test_plain_data_errors_say_which_setting_and_what_is_wrong(data, field, words):
    with pytest.raises(CalendarError, match=words) as caught:
        BusinessCalendar.from_dict(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_the_constructor_checks_too():
    with pytest.raises(CalendarError, match="7 weekdays"):
        BusinessCalendar(hours=[[(time(8), time(18))]] * 5)
    with pytest.raises(CalendarError, match="wall-clock times"):
        BusinessCalendar(hours=[[(time(8, tzinfo=UTC), time(18))]] * 7)
    with pytest.raises(CalendarError, match="not a date"):
        BusinessCalendar(closed_dates=[datetime(2026, 12, 24)])
    # Lists are accepted and stored as tuples, so calendars are hashable and comparable.
    calendar = BusinessCalendar(hours=[[[time(8), time(18)]]] * 5 + [[], []])
    assert calendar == DEFAULT and hash(calendar) == hash(DEFAULT)


def test_a_calendar_closed_for_years_is_an_error_not_an_endless_search():
    first = date(2026, 1, 1)
    closed = BusinessCalendar(closed_dates={first + timedelta(days=n) for n in range(3700)})
    with pytest.raises(ValueError, match="no open time"):
        next_opening(closed, berlin(2026, 1, 1))
    assert next_opening(closed, berlin(2036, 3, 1)) == berlin(2036, 3, 3, 8)
