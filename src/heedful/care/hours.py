"""Business hours and business-time arithmetic for one workspace.

A :class:`BusinessCalendar` is a weekly schedule of opening hours in the workspace's time zone,
plus closed dates (explicit dates and/or a country's public holidays from the ``holidays``
package), or the 24/7 option. Opening hours are *wall-clock* times: "09:00-17:00" is nine to
five local time on every day, whatever the UTC offset that day, so arithmetic stays right
across DST changes (a 00:00-24:00 day is 23 or 25 hours long when the clocks change).

Two notions of "day" are kept apart on purpose:

* **open time** (``is_open``, ``add_business_time``, ``business_time_between``) — when a person
  is at work. A 24/7 calendar is always open, holidays included.
* **working days** (``is_working_day``, ``add_working_days``) — the days a promise such as
  "within 5 working days" counts: days of the weekly schedule that have hours and are not
  holidays. A 24/7 calendar counts its scheduled days too, so "5 working days" means the same
  thing to the customer whoever answers the phone at night.

All inputs and outputs are aware datetimes; results are in UTC.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from heedful.clock import ensure_utc
from heedful.errors import ValidationFailed

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
DEFAULT_OPEN = 9 * 60
DEFAULT_CLOSE = 17 * 60
SEARCH_LIMIT_DAYS = 2 * 366  # a calendar with no open day in two years is refused, not looped on

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Minutes = tuple[int, int]  # [start, end) in minutes after local midnight; end may be 1440


def parse_zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; a clear error for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r} (use an IANA name such as Europe/London)"
        ) from None


def _parse_range(text: str) -> Minutes:
    match = _RANGE.match(text)
    if not match:
        raise ValidationFailed(f"opening hours {text!r} are not of the form HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or not 0 <= start < end <= MINUTES_PER_DAY:
        raise ValidationFailed(f"opening hours {text!r} must run forwards within one day")
    return start, end


def _format_range(span: Minutes) -> str:
    return f"{span[0] // 60:02d}:{span[0] % 60:02d}-{span[1] // 60:02d}:{span[1] % 60:02d}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening hours for each day of the week (Monday first), in local wall-clock minutes."""

    days: tuple[tuple[Minutes, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValidationFailed("weekly hours need exactly seven days, Monday first")
        for spans in self.days:
            ordered = sorted(spans)
            for (_, end), (start, _) in itertools.pairwise(ordered):
                if start < end:
                    raise ValidationFailed("opening hours of one day overlap")

    @classmethod
    def office(
        cls, open_at: str = "09:00", close_at: str = "17:00", days: Iterable[int] = range(5)
    ) -> WeeklyHours:
        """The same hours on the given weekdays (0 = Monday); Monday to Friday by default."""
        span = _parse_range(f"{open_at}-{close_at}")
        chosen = set(days)
        return cls(tuple((span,) if day in chosen else () for day in range(7)))

    @classmethod
    def always(cls) -> WeeklyHours:
        return cls(tuple(((0, MINUTES_PER_DAY),) for _ in range(7)))

    @classmethod
    def parse(cls, spec: Mapping[str, Sequence[str]]) -> WeeklyHours:
        """From ``{"mon": ["09:00-12:30", "13:30-17:00"], "sat": ["10:00-14:00"]}``."""
        unknown = set(spec) - set(DAY_NAMES)
        if unknown:
            raise ValidationFailed(f"unknown day names in opening hours: {sorted(unknown)}")
        return cls(
            tuple(tuple(sorted(_parse_range(r) for r in spec.get(d, ()))) for d in DAY_NAMES)
        )

    def to_spec(self) -> dict[str, list[str]]:
        return {
            name: [_format_range(span) for span in spans]
            for name, spans in zip(DAY_NAMES, self.days, strict=True)
            if spans
        }

    def on(self, weekday: int) -> tuple[Minutes, ...]:
        return self.days[weekday]


@cache
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays  # loaded only for calendars that use it

    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        raise ValidationFailed(
            f"no public-holiday data for country {country!r}"
            + (f" / subdivision {subdivision!r}" if subdivision else "")
        ) from None
    return frozenset(found.keys())


def _wall(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Local wall time ``minute`` minutes into ``day`` (1440 = next midnight), as UTC."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours, holidays and time zone of one workspace, with business-time arithmetic."""

    timezone: str = "UTC"
    weekly: WeeklyHours = field(default_factory=WeeklyHours.office)
    closed_dates: frozenset[date] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    always_open: bool = False

    def __post_init__(self) -> None:
        parse_zone(self.timezone)
        if self.holiday_country:
            _country_holidays(self.holiday_country, self.holiday_subdivision, 2026)
        if not self.always_open and not any(self.weekly.days):
            raise ValidationFailed("business hours must open on at least one day of the week")

    @cached_property
    def zone(self) -> ZoneInfo:
        return parse_zone(self.timezone)

    # ---- days ----------------------------------------------------------------------------

    def local_date(self, at: datetime) -> date:
        return ensure_utc(at).astimezone(self.zone).date()

    def local_time(self, day: date, hour: int, minute: int = 0) -> datetime:
        """``hour:minute`` local wall time on ``day``, as UTC (hour 24 = next midnight)."""
        return _wall(day, hour * 60 + minute, self.zone)

    def is_holiday(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        if self.holiday_country is None:
            return False
        return day in _country_holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def is_working_day(self, day: date) -> bool:
        return bool(self.weekly.on(day.weekday())) and not self.is_holiday(day)

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself when ``include``)."""
        candidate = day if include else day + timedelta(days=1)
        for _ in range(SEARCH_LIMIT_DAYS):
            if self.is_working_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValidationFailed("the business calendar has no working day in two years")

    def add_working_days(self, start: datetime, days: int) -> date:
        """The ``days``-th working day after the local date of ``start`` (0: that same date)."""
        day = self.local_date(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def opening_of(self, day: date) -> datetime:
        """When the day's business opens (its first scheduled hour; 09:00 local if none)."""
        spans = self.weekly.on(day.weekday())
        return _wall(day, spans[0][0] if spans else DEFAULT_OPEN, self.zone)

    def close_of(self, day: date) -> datetime:
        """When the day's business closes (its last scheduled hour; 17:00 local if none)."""
        spans = self.weekly.on(day.weekday())
        return _wall(day, spans[-1][1] if spans else DEFAULT_CLOSE, self.zone)

    # ---- open time -----------------------------------------------------------------------

    def _day_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if self.always_open:
            return [(_wall(day, 0, self.zone), _wall(day, MINUTES_PER_DAY, self.zone))]
        if self.is_holiday(day):
            return []
        return [
            (_wall(day, start, self.zone), _wall(day, end, self.zone))
            for start, end in self.weekly.on(day.weekday())
        ]

    def open_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) from ``start`` onwards, clipped to begin no earlier than it."""
        start = ensure_utc(start)
        day = self.local_date(start) - timedelta(days=1)
        idle = 0
        while idle < SEARCH_LIMIT_DAYS:
            spans = [(max(a, start), b) for a, b in self._day_spans(day) if b > start]
            idle = 0 if spans else idle + 1
            yield from spans
            day += timedelta(days=1)
        raise ValidationFailed("the business calendar has no open hour in two years")

    def is_open(self, at: datetime) -> bool:
        at = ensure_utc(at)
        return any(a <= at < b for a, b in self._day_spans(self.local_date(at)))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the moment business next opens."""
        return next(self.open_spans(at))[0]

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of open time after ``start`` (never before ``start``)."""
        if amount < timedelta(0):
            raise ValidationFailed("business time can only be added forwards")
        left = amount
        for a, b in self.open_spans(start):
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("open_spans is infinite or raises")  # pragma: no cover

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        start, end = ensure_utc(start), ensure_utc(end)
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        for a, b in self.open_spans(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    # ---- storage -------------------------------------------------------------------------

    def to_spec(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "weekly": self.weekly.to_spec(),
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "always_open": self.always_open,
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, timezone: str | None = None) -> BusinessCalendar:
        """From a stored document (see ``to_spec``); missing keys take the defaults."""
        weekly = spec.get("weekly")
        try:
            closed = frozenset(date.fromisoformat(d) for d in spec.get("closed_dates", ()))
        except ValueError as exc:
            raise ValidationFailed(f"closed dates must be YYYY-MM-DD: {exc}") from None
        return cls(
            timezone=spec.get("timezone") or timezone or "UTC",
            weekly=WeeklyHours.parse(weekly) if weekly is not None else WeeklyHours.office(),
            closed_dates=closed,
            holiday_country=spec.get("holiday_country"),
            holiday_subdivision=spec.get("holiday_subdivision"),
            always_open=bool(spec.get("always_open", False)),
        )


def default_calendar(timezone: str = "UTC") -> BusinessCalendar:
    """Monday to Friday, 09:00-17:00 local time, no holidays."""
    return BusinessCalendar(timezone=timezone)
