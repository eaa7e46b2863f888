"""Working-day arithmetic: pure functions over a working calendar.

A *working day* is a whole calendar day, in the organisation's time zone, that
falls on a working weekday and is not a listed holiday. Time is measured on
the wall clock of that zone, so a day is a day even when it has 23 or 25 hours
(a clock change): Monday 15:00 plus one working day is Tuesday 15:00, and the
working time between the two is exactly 1.0.

- :func:`add_working_days` — the moment N working days after another. A moment
  on a non-working day starts counting from the beginning of the next working
  day (Saturday 10:00 + 1 working day = Tuesday 00:00, the end of Monday).
- :func:`working_days_between` — the working time between two moments, in
  (fractional) working days; negative when the second comes first.

Nothing here touches the database; :mod:`skills_app.services.service_levels`
builds a :class:`WorkingCalendar` from the settings HR keeps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from skills_app.words import plural

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_WEEKDAYS = frozenset(range(5))  # Monday to Friday
DEFAULT_TIMEZONE = "Europe/London"
ONE_DAY = timedelta(days=1)
# Far enough for any target, near enough that a typo cannot hang a request.
MAX_DAYS = 3660


class CalendarError(ValueError):
    """A calendar that cannot be used (no working weekdays, an unknown time zone)."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``, or a CalendarError that says so."""
    name = (name or "").strip()
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise CalendarError(f"{name!r} is not a time zone; use an IANA name such as Europe/London.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"{name!r} is not a time zone; use an IANA name such as Europe/London.") from None


def timezone_names() -> list[str]:
    return sorted(n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))


@dataclass(frozen=True)
class WorkingCalendar:
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    holidays: frozenset[date] = field(default_factory=frozenset)
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self):
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise CalendarError("A working calendar needs at least one working weekday (0 = Monday … 6 = Sunday).")
        zone(self.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        for _ in range(MAX_DAYS):
            day += ONE_DAY
            if self.is_working_day(day):
                return day
        raise CalendarError("No working day in ten years: check the calendar's weekdays and holidays.")

    def local(self, moment: datetime) -> datetime:
        """The moment as a naive wall-clock time in the calendar's zone."""
        return _aware(moment).astimezone(self.tz).replace(tzinfo=None)

    def local_date(self, moment: datetime) -> date:
        return self.local(moment).date()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # the database hands back UTC without a zone (SQLite)
        return moment.replace(tzinfo=timezone.utc)
    return moment


def add_working_days(cal: WorkingCalendar, moment: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``moment``, in UTC."""
    if not 0 <= days <= MAX_DAYS:
        raise CalendarError(f"The number of working days is between 0 and {MAX_DAYS}.")
    wall = cal.local(moment)
    day, clock = wall.date(), wall.time()
    if not cal.is_working_day(day):
        day, clock = cal.next_working_day(day), time(0)
    for _ in range(days):
        day = cal.next_working_day(day)
    return datetime.combine(day, clock, tzinfo=cal.tz).astimezone(timezone.utc)


def working_days_between(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """The working time from ``start`` to ``end`` in working days (fractions of
    the wall-clock day), negative when ``end`` comes before ``start``."""
    a, b = cal.local(start), cal.local(end)
    if b < a:
        return -working_days_between(cal, end, start)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            day_start = datetime.combine(day, time(0))
            lo, hi = max(a, day_start), min(b, day_start + ONE_DAY)
            if hi > lo:
                total += hi - lo
        day += ONE_DAY
    return round(total / ONE_DAY, 6)


def describe_left(days_left: float) -> str:
    """'3 working days left', 'less than a working day left', 'overdue by 2 working days'."""
    if days_left >= 1:
        n = int(days_left)
        return f"{plural(n, 'working day')} left"
    if days_left > 0:
        return "less than a working day left"
    over = -days_left
    if over < 1:
        return "overdue by less than a working day"
    n = int(over)
    return f"overdue by {plural(n, 'working day')}"
