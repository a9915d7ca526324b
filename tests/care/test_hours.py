"""Business-hours arithmetic across weekends, holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from heedful.care.hours import BusinessCalendar, WeeklyHours, default_calendar
from heedful.clock import FrozenClock
from heedful.errors import ValidationFailed

H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def london() -> BusinessCalendar:
    return BusinessCalendar("Europe/London", holiday_country="GB", holiday_subdivision="ENG")


def test_adding_business_hours_skips_the_weekend(london: BusinessCalendar) -> None:
    clock = FrozenClock(utc(2026, 11, 20, 16, 5))  # Friday, 16:05 GMT
    assert london.add_business_time(clock.now(), 2 * H) == utc(2026, 11, 23, 10, 5)


def test_time_outside_hours_does_not_count(london: BusinessCalendar) -> None:
    friday_evening, monday_ten = utc(2026, 11, 20, 19, 0), utc(2026, 11, 23, 10, 0)
    assert london.business_time_between(friday_evening, monday_ten) == H
    assert london.business_time_between(monday_ten, friday_evening) == -H


def test_holidays_are_closed_and_substitute_days_count(london: BusinessCalendar) -> None:
    christmas_eve = utc(2026, 12, 24, 16, 0)
    # 25th Christmas, 26th Boxing Day (a Saturday), 28th the substitute holiday.
    assert london.add_business_time(christmas_eve, 2 * H) == utc(2026, 12, 29, 10, 0)
    assert london.add_working_days(christmas_eve, 1) == date(2026, 12, 29)
    assert not london.is_working_day(date(2026, 12, 28))


def test_explicit_closed_dates() -> None:
    calendar = BusinessCalendar("UTC", closed_dates=frozenset({date(2026, 11, 23)}))
    assert calendar.next_open(utc(2026, 11, 21, 12)) == utc(2026, 11, 24, 9)


def test_spring_forward_keeps_wall_clock_hours(london: BusinessCalendar) -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 GMT, Monday opens 09:00 BST.
    friday = utc(2026, 3, 27, 16, 0)
    assert london.add_business_time(friday, 2 * H) == utc(2026, 3, 30, 9, 0)  # 10:00 BST
    assert london.opening_of(date(2026, 3, 30)) == utc(2026, 3, 30, 8, 0)


def test_fall_back_day_of_a_24_hour_calendar_is_25_hours_long() -> None:
    always = BusinessCalendar("Europe/London", always_open=True)
    start, end = utc(2026, 10, 24, 23, 0), utc(2026, 10, 26, 0, 0)  # 25 October: 25 hours
    assert always.business_time_between(start, end) == 25 * H
    assert always.add_business_time(start, 25 * H) == end


def test_overnight_hours_on_a_dst_night() -> None:
    weekly = WeeklyHours.parse({d: ["00:00-06:00"] for d in ("sat", "sun")})
    night = BusinessCalendar("Europe/London", weekly=weekly)
    # Sunday 29 March: 00:00-06:00 local is 5 real hours (01:00 does not exist).
    sunday = date(2026, 3, 29)
    opened, closed = night.opening_of(sunday), night.close_of(sunday)
    assert night.business_time_between(opened, closed) == 5 * H


def test_split_shifts_and_weekend_hours() -> None:
    weekly = WeeklyHours.parse({"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]})
    calendar = BusinessCalendar("UTC", weekly=weekly)
    assert calendar.add_business_time(utc(2026, 11, 23, 11, 0), 2 * H) == utc(2026, 11, 23, 14)
    assert not calendar.is_open(utc(2026, 11, 23, 12, 30))
    assert calendar.next_open(utc(2026, 11, 23, 18)) == utc(2026, 11, 28, 10)


def test_a_24_7_calendar_counts_everything_but_keeps_working_days() -> None:
    always = BusinessCalendar("UTC", always_open=True)
    saturday = utc(2026, 11, 21, 3, 0)
    assert always.is_open(saturday)
    assert always.add_business_time(saturday, 5 * H) == saturday + 5 * H
    assert always.add_working_days(saturday, 1) == date(2026, 11, 23)


def test_new_york_offsets(london: BusinessCalendar) -> None:
    new_york = default_calendar("America/New_York")
    assert new_york.close_of(date(2026, 11, 20)) == utc(2026, 11, 20, 22, 0)
    assert new_york.add_business_time(utc(2026, 11, 20, 21, 30), H) == utc(2026, 11, 23, 14, 30)


def test_spec_round_trip() -> None:
    calendar = BusinessCalendar(
        "Europe/Paris",
        weekly=WeeklyHours.parse({"mon": ["08:00-20:00"], "sat": ["09:00-12:00"]}),
        closed_dates=frozenset({date(2026, 8, 14)}),
        holiday_country="FR",
    )
    assert BusinessCalendar.from_spec(calendar.to_spec()) == calendar


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"weekly": {"mon": ["9-5"]}}, "HH:MM-HH:MM"),
        ({"weekly": {"mon": ["17:00-09:00"]}}, "forwards"),
        ({"weekly": {"mon": ["09:00-13:00", "12:00-17:00"]}}, "overlap"),
        ({"weekly": {"funday": ["09:00-17:00"]}}, "unknown day"),
        ({"weekly": {}}, "at least one day"),
        ({"holiday_country": "XX"}, "no public-holiday data"),
        ({"closed_dates": ["25/12/2026"]}, "YYYY-MM-DD"),
    ],
)
def test_bad_specs_are_refused_clearly(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        BusinessCalendar.from_spec(spec)


def test_naive_times_are_refused(london: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        london.is_open(datetime(2026, 11, 20, 12))
