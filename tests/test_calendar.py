"""Working-day arithmetic: weekends, holidays, time zones and clock changes."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from skills_app.services.calendar import (
    CalendarError, WorkingCalendar, add_working_days, describe_left, working_days_between,
)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
MON_FRI = WorkingCalendar()  # Europe/London, Monday to Friday, no holidays


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# -- adding working days ---------------------------------------------------------------

def test_adding_days_within_a_week_keeps_the_time_of_day():
    # Monday 2 March 2026, 15:00 in London (GMT, so 15:00 UTC too).
    assert add_working_days(MON_FRI, london(2026, 3, 2, 15), 1) == datetime(2026, 3, 3, 15, tzinfo=UTC)
    assert add_working_days(MON_FRI, london(2026, 3, 2, 15), 4) == datetime(2026, 3, 6, 15, tzinfo=UTC)


def test_adding_days_skips_the_weekend():
    # Friday 6 March + 1 working day = Monday 9 March; + 10 = Friday 20 March.
    assert add_working_days(MON_FRI, london(2026, 3, 6, 9, 30), 1) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    assert add_working_days(MON_FRI, london(2026, 3, 6, 9, 30), 10) == datetime(2026, 3, 20, 9, 30, tzinfo=UTC)


def test_a_moment_on_a_weekend_counts_from_the_start_of_the_next_working_day():
    # Saturday 7 March 10:00 + 1 working day: all of Monday, so Tuesday 00:00.
    due = add_working_days(MON_FRI, london(2026, 3, 7, 10), 1)
    assert due == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert working_days_between(MON_FRI, london(2026, 3, 7, 10), due) == 1.0
    # Zero days from a weekend moment is the start of Monday.
    assert add_working_days(MON_FRI, london(2026, 3, 8, 23), 0) == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def test_holidays_are_skipped_like_weekends():
    # Good Friday 3 April and Easter Monday 6 April 2026 are holidays.
    easter = WorkingCalendar(holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    # Thursday 2 April 12:00 (BST, 11:00 UTC) + 1 working day = Tuesday 7 April 12:00 BST.
    assert add_working_days(easter, london(2026, 4, 2, 12), 1) == datetime(2026, 4, 7, 11, tzinfo=UTC)
    assert add_working_days(MON_FRI, london(2026, 4, 2, 12), 1) == datetime(2026, 4, 3, 11, tzinfo=UTC)
    # A submission on the holiday itself counts from Tuesday's start.
    assert add_working_days(easter, london(2026, 4, 6, 16), 2) == london(2026, 4, 9, 0)


def test_configurable_weekdays_sunday_to_thursday():
    sun_thu = WorkingCalendar(weekdays=frozenset({6, 0, 1, 2, 3}), timezone="Asia/Dubai")
    dubai = ZoneInfo("Asia/Dubai")
    # Thursday 5 March 2026 14:00 Dubai + 1 = Sunday 8 March 14:00 Dubai (10:00 UTC).
    assert add_working_days(sun_thu, datetime(2026, 3, 5, 14, tzinfo=dubai), 1) == datetime(2026, 3, 8, 10, tzinfo=UTC)
    # Friday and Saturday are the weekend there.
    assert not sun_thu.is_working_day(date(2026, 3, 6)) and sun_thu.is_working_day(date(2026, 3, 8))


def test_the_time_zone_decides_which_day_a_moment_falls_on():
    # 23:30 UTC on Friday 6 March is already Saturday in Tokyo, still Friday in London.
    moment = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)
    tokyo = WorkingCalendar(timezone="Asia/Tokyo")
    # Tokyo: Saturday 08:30 -> counts from Monday 00:00 JST; + 1 = Tuesday 00:00 JST = Monday 15:00 UTC.
    assert add_working_days(tokyo, moment, 1) == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    # London: Friday 23:30 + 1 = Monday 23:30 GMT.
    assert add_working_days(MON_FRI, moment, 1) == datetime(2026, 3, 9, 23, 30, tzinfo=UTC)


def test_a_clock_change_keeps_the_wall_clock_time():
    # The clocks go forward on Sunday 29 March 2026 in London: Friday 27th 09:00 GMT
    # (09:00 UTC) + 1 working day = Monday 30th 09:00 BST, which is 08:00 UTC.
    assert add_working_days(MON_FRI, london(2026, 3, 27, 9), 1) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    # And back on Sunday 25 October: Friday 23rd 09:00 BST (08:00 UTC) + 1 = Monday 26th 09:00 GMT.
    assert add_working_days(MON_FRI, london(2026, 10, 23, 9), 1) == datetime(2026, 10, 26, 9, tzinfo=UTC)
    # A seven-day calendar straight across the change: Saturday 12:00 + 1 = Sunday 12:00 (23 hours later).
    every_day = WorkingCalendar(weekdays=frozenset(range(7)))
    start = london(2026, 3, 28, 12)
    due = add_working_days(every_day, start, 1)
    assert (due - start).total_seconds() == 23 * 3600
    assert working_days_between(every_day, start, due) == 1.0


def test_naive_moments_are_taken_as_utc():
    assert add_working_days(MON_FRI, datetime(2026, 3, 2, 15), 1) == datetime(2026, 3, 3, 15, tzinfo=UTC)


# -- working time between two moments ------------------------------------------------

def test_working_time_between_counts_only_working_days():
    # Friday 12:00 to Monday 12:00: half of Friday and half of Monday.
    assert working_days_between(MON_FRI, london(2026, 3, 6, 12), london(2026, 3, 9, 12)) == 1.0
    # Friday 18:00 to Tuesday 06:00: 6h of Friday + all Monday + 6h of Tuesday.
    assert working_days_between(MON_FRI, london(2026, 3, 6, 18), london(2026, 3, 10, 6)) == 1.5
    # Within a weekend: none.
    assert working_days_between(MON_FRI, london(2026, 3, 7, 1), london(2026, 3, 8, 23)) == 0.0
    # Backwards is negative.
    assert working_days_between(MON_FRI, london(2026, 3, 9, 12), london(2026, 3, 6, 12)) == -1.0


def test_working_time_skips_holidays():
    easter = WorkingCalendar(holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    # Thursday 2 April 00:00 to Wednesday 8 April 00:00: Thursday and Tuesday only.
    assert working_days_between(easter, london(2026, 4, 2), london(2026, 4, 8)) == 2.0
    assert working_days_between(MON_FRI, london(2026, 4, 2), london(2026, 4, 8)) == 4.0


def test_working_time_across_a_clock_change_is_measured_on_the_wall_clock():
    # Friday 27 March 12:00 GMT to Monday 30 March 12:00 BST: half a day each side.
    assert working_days_between(MON_FRI, london(2026, 3, 27, 12), london(2026, 3, 30, 12)) == 1.0


@pytest.mark.parametrize("days", [0, 1, 3, 10, 25])
@pytest.mark.parametrize("start", [
    datetime(2026, 3, 25, 16, 45, tzinfo=UTC),   # the week of the spring clock change
    datetime(2026, 10, 22, 7, 5, tzinfo=UTC),    # the week of the autumn one
    datetime(2026, 12, 24, 13, 0, tzinfo=UTC),   # into the holidays
])
def test_adding_then_measuring_gives_back_the_days(start, days):
    cal = WorkingCalendar(holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}))
    assert working_days_between(cal, start, add_working_days(cal, start, days)) == days


# -- bad calendars and describing time left ---------------------------------------------

def test_a_calendar_needs_a_working_weekday_and_a_real_time_zone():
    with pytest.raises(CalendarError, match="at least one working weekday"):
        WorkingCalendar(weekdays=frozenset())
    with pytest.raises(CalendarError, match="not a time zone"):
        WorkingCalendar(timezone="Mars/Olympus_Mons")
    with pytest.raises(CalendarError, match="not a time zone"):
        WorkingCalendar(timezone="../../etc/passwd")
    with pytest.raises(CalendarError, match="between 0 and"):
        add_working_days(MON_FRI, london(2026, 3, 2), -1)


@pytest.mark.parametrize("left, text", [
    (2.4, "2 working days left"), (1.0, "1 working day left"), (0.3, "less than a working day left"),
    (0.0, "overdue by less than a working day"), (-1.2, "overdue by 1 working day"), (-3.0, "overdue by 3 working days"),
])
def test_time_left_in_words(left, text):
    assert describe_left(left) == text
