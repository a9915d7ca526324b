"""Time phrases in English care replies ("within 5 working days", "tomorrow morning", "by 5pm
on Friday", "12/03") and the instant each one means, resolved against the send time, the
workspace's time zone and its business calendar.

How a phrase becomes a due time (the rules the promise tracker and the reply coach rely on):

* **Offsets** — "in 30 minutes", "within 48 hours", "in 36 hours": the send time plus that much
  *calendar* time. "within 4 business hours": plus that much open time on the calendar.
* **Working days** — "within 5 working days": the close of business (the day's last opening
  hour) on the 5th working day after the day it was sent; the day it was sent never counts.
  "next working day" is the 1st.
* **Calendar days** — "tomorrow", "on Monday", "by Friday", "on 3 December", "within 3 days":
  the close of business on that date, taken literally (a "tomorrow" said on Friday is Saturday,
  as the customer reads it — the reply coach can then warn that nobody works on Saturday). A day
  with no opening hours closes at 17:00 local time. When that close has already passed at the
  send time ("I'll call you today" sent at 18:00), the end of that day (23:59) is used.
* **Weekdays** — "on Friday"/"by Friday" is the next Friday *after* the send date (said on a
  Friday it means a week later; "this Friday" said on a Friday means today). "next Friday" is
  the Friday of next week (Monday-to-Sunday weeks).
* **Parts of a day** — morning ends 12:00, lunchtime 13:00, afternoon 17:00, evening 21:00,
  tonight 23:00; "first thing" is one hour after opening; "end of day", "EOD", "close of
  business" are the day's close. "in the morning" said after 06:00 means tomorrow morning.
* **Clock times** — "by 5pm", "at 10:30": today at that time, or tomorrow when it has passed.
  A bare hour ("at 3") from 1 to 7 is read as afternoon.
* **Weeks and months** — "next week" is the close of the last working day of next week, "this
  week"/"end of the week" of this week, "early next week" its second working day, "by the
  weekend" Friday's close, "over the weekend" Sunday; "next month"/"end of the month" the close
  of that month's last day.
* **Ranges** take their far end: "3-5 working days" is 5, "between 8am and 1pm" is 1pm,
  "Monday or Tuesday" is Tuesday.
* **Numeric dates** — "12/03" is read in the workspace's local order: month first in the United
  States and its territories, the Philippines and Micronesia (by the time zone's country),
  day first elsewhere. When that reading is impossible, or lands more than 60 days away while
  the other reading lands within 60 days, the other reading is used: care promises are about
  the coming weeks. ISO dates (2026-12-03) are unambiguous.
* **Immediately** — "right away", "straight away", "in a moment": ten minutes after sending.

Vague words ("soon", "shortly", "asap", "once engineering confirms") are not time phrases: a
promise made only with them has no due time.

Each resolution carries a tolerance: how exactly the words pin the time down (15 minutes for
clock times and minute/hour offsets, 3 hours for parts of a day, 12 hours for a day, a day for
weeks and months).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

from heedful.care.hours import BusinessCalendar
from heedful.care.phrases import (
    CalDate,
    Clock,
    Exact,
    MonthDay,
    MonthRef,
    NextWorkingDay,
    NumDate,
    Offset,
    Part,
    Piece,
    RelDay,
    Value,
    Weekday,
    WeekRef,
)

MINUTE_TOLERANCE = timedelta(minutes=15)
PART_TOLERANCE = timedelta(hours=3)
DAY_TOLERANCE = timedelta(hours=12)
WEEK_TOLERANCE = timedelta(days=1)
PLAUSIBLE_DAYS = 60

PART_ENDS = {  # minutes after local midnight at which a part of the day is over
    "morning": 12 * 60, "lunch": 13 * 60, "noon": 12 * 60, "afternoon": 17 * 60,
    "evening": 21 * 60, "night": 23 * 60, "midnight": 24 * 60,
}  # fmt: skip
MONTH_FIRST_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "UM", "PH", "FM", "MH"})

# ---- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    due_at: datetime  # aware UTC
    tolerance: timedelta


@cache
def _zone_countries() -> dict[str, str]:
    try:
        table = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is a dependency
        return {}
    rows = (line.split("\t") for line in table.splitlines() if not line.startswith("#"))
    return {row[2].strip(): row[0] for row in rows if len(row) >= 3}


def month_first(timezone: str) -> bool:
    """Whether numeric dates are written month first where this time zone is."""
    if timezone.startswith("US/"):
        return True
    return _zone_countries().get(timezone, "") in MONTH_FIRST_COUNTRIES


@dataclass(frozen=True)
class Resolver:
    """Turns phrases into instants for one message: its send time and its calendar."""

    sent_at: datetime
    calendar: BusinessCalendar

    @property
    def today(self) -> date:
        return self.calendar.local_date(self.sent_at)

    @property
    def local_minute(self) -> int:
        local = self.sent_at.astimezone(self.calendar.zone)
        return local.hour * 60 + local.minute

    def resolve(self, group: list[Piece]) -> Resolved | None:
        values = [p.value for p in group]
        if any(isinstance(v, CalDate | NumDate | MonthDay) for v in values):
            values = [v for v in values if not isinstance(v, Weekday)]  # "Monday 7 December"
        for value in values:
            if isinstance(value, Exact):
                return Resolved(self.sent_at + value.delta, MINUTE_TOLERANCE)
        days = [d for d in (self._day(v) for v in values) if d is not None]
        clocks = [v for v in values if isinstance(v, Clock)]
        parts = [v for v in values if isinstance(v, Part)]
        if days:
            day, tolerance = max(days, key=lambda d: d[0])
            return self._on_day(day, tolerance, clocks, parts)
        if clocks or parts:
            return self._time_only(clocks, parts)
        offsets = [v for v in values if isinstance(v, Offset)]
        return self._offset(max(offsets, key=_offset_size)) if offsets else None

    # -- days

    def _day(self, value: Value) -> tuple[date, timedelta] | None:
        if isinstance(value, RelDay):
            return self.today + timedelta(days=value.days), DAY_TOLERANCE
        if isinstance(value, Weekday):
            return self._weekday(value), DAY_TOLERANCE
        if isinstance(value, WeekRef):
            return self._week(value), WEEK_TOLERANCE
        if isinstance(value, MonthRef):
            return self._month_end(value.which), WEEK_TOLERANCE
        if isinstance(value, CalDate | NumDate | MonthDay):
            found = self._date(value)
            return (found, DAY_TOLERANCE) if found else None
        if isinstance(value, NextWorkingDay):
            return self.calendar.add_working_days(self.sent_at, value.count), DAY_TOLERANCE
        return None

    def _weekday(self, value: Weekday) -> date:
        today = self.today
        if value.modifier == "next":
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            return monday + timedelta(days=value.index)
        ahead = (value.index - today.weekday()) % 7
        if ahead == 0 and value.modifier != "this":
            ahead = 7
        return today + timedelta(days=ahead)

    def _week(self, value: WeekRef) -> date:
        today = self.today
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * value.which)
        if value.position == "weekend":
            return monday + timedelta(days=6)
        working = [
            monday + timedelta(days=i)
            for i in range(7)
            if self.calendar.is_working_day(monday + timedelta(days=i))
        ] or [monday + timedelta(days=i) for i in range(5)]
        if value.position == "early":
            chosen = working[min(1, len(working) - 1)]
        elif value.position == "mid":
            chosen = monday + timedelta(days=2)
        elif value.position == "before_weekend":
            chosen = monday + timedelta(days=4)
        else:
            chosen = working[-1]
        if chosen < today or (chosen == today and self._closed_by_now(chosen)):
            return self._week(WeekRef(value.which + 1, value.position))
        return chosen

    def _closed_by_now(self, day: date) -> bool:
        return self.calendar.close_of(day) <= self.sent_at

    def _month_end(self, which: int) -> date:
        today = self.today
        year, month = today.year, today.month + which
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)

    def _date(self, value: CalDate | NumDate | MonthDay) -> date | None:
        if isinstance(value, MonthDay):
            return self._month_day(value.day)
        if isinstance(value, CalDate):
            return self._next_date(value.month, value.day, value.year)
        first_reading = (value.first, value.second)
        if month_first(self.calendar.timezone):
            first_reading = (value.second, value.first)
        readings = [first_reading, first_reading[::-1]]  # (day, month) pairs
        found = [self._next_date(month, day, value.year) for day, month in readings]
        return _plausible(found, self.today)

    def _month_day(self, day: int) -> date | None:
        today = self.today
        for ahead in range(3):
            month = (today.month - 1 + ahead) % 12 + 1
            year = today.year + (today.month - 1 + ahead) // 12
            candidate = _safe_date(year, month, day)
            if candidate and candidate >= today:
                return candidate
        return None

    def _next_date(self, month: int, day: int, year: int | None) -> date | None:
        if year is not None:
            return _safe_date(year, month, day)
        candidate = _safe_date(self.today.year, month, day)
        if candidate and candidate < self.today:
            candidate = _safe_date(self.today.year + 1, month, day)
        return candidate

    # -- times on a day

    def _on_day(
        self, day: date, tolerance: timedelta, clocks: list[Clock], parts: list[Part]
    ) -> Resolved:
        if clocks:
            minute = max(c.minute for c in clocks)
            return Resolved(_local(self.calendar, day, minute), MINUTE_TOLERANCE)
        if parts:
            return Resolved(self._part_on(day, parts[-1]), min(tolerance, PART_TOLERANCE))
        return Resolved(self._day_end(day), tolerance)

    def _day_end(self, day: date) -> datetime:
        close = self.calendar.close_of(day)
        return close if close > self.sent_at else _local(self.calendar, day, 23 * 60 + 59)

    def _part_on(self, day: date, part: Part) -> datetime:
        if part.name == "eod":
            return self._day_end(day)
        if part.name == "first":
            return self.calendar.opening_of(day) + timedelta(hours=1)
        return _local(self.calendar, day, PART_ENDS[part.name])

    def _time_only(self, clocks: list[Clock], parts: list[Part]) -> Resolved:
        if clocks:
            minute = max(c.minute for c in clocks)
            when = _local(self.calendar, self.today, minute)
            if when <= self.sent_at:
                when = _local(self.calendar, self.today + timedelta(days=1), minute)
            return Resolved(when, MINUTE_TOLERANCE)
        part = parts[-1]
        day = self.today
        if not part.today and self._part_passed(part):
            day += timedelta(days=1)
        return Resolved(self._part_on(day, part), PART_TOLERANCE)

    def _part_passed(self, part: Part) -> bool:
        if part.name == "first":
            return self.calendar.opening_of(self.today) <= self.sent_at
        if part.name == "eod":
            return False
        starts = {"morning": 6 * 60, "afternoon": 12 * 60, "evening": 17 * 60, "night": 20 * 60}
        limit = starts.get(part.name, PART_ENDS.get(part.name, 0))
        return (
            self.local_minute >= limit
            if part.relative
            else self.local_minute >= (PART_ENDS.get(part.name, 24 * 60))
        )

    # -- offsets

    def _offset(self, offset: Offset) -> Resolved:
        if offset.unit in {"minute", "hour"}:
            amount = timedelta(**{f"{offset.unit}s": offset.amount})
            if offset.business:
                due = self.calendar.add_business_time(self.sent_at, amount)
            else:
                due = self.sent_at + amount
            return Resolved(due, MINUTE_TOLERANCE)
        days = _days_of(offset)
        if offset.business:
            day = self.calendar.add_working_days(self.sent_at, days)
        else:
            day = self.today + timedelta(days=days)
        tolerance = DAY_TOLERANCE if offset.unit == "day" else WEEK_TOLERANCE
        return Resolved(self._day_end(day), tolerance)


def _days_of(offset: Offset) -> int:
    per_unit = {"day": 1, "week": 7, "month": 30}[offset.unit]
    if offset.business and offset.unit == "week":
        per_unit = 5
    whole = offset.amount * per_unit
    return int(whole) if whole == int(whole) else int(whole) + 1


def _offset_size(offset: Offset) -> float:
    seconds = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000}
    return offset.amount * seconds[offset.unit]


def _local(calendar: BusinessCalendar, day: date, minute: int) -> datetime:
    return calendar.local_time(day, minute // 60, minute % 60)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible(readings: list[date | None], today: date) -> date | None:
    """The locale reading, unless it is impossible or far off while the other one is near."""
    first, second = readings
    if first is None:
        return second
    near = timedelta(days=PLAUSIBLE_DAYS)
    if second is not None and first - today > near >= second - today:
        return second
    return first


__all__ = ["Resolved", "Resolver", "month_first"]
