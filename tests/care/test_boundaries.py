"""Honest out-of-hours acknowledgements: the time they promise is true and tracked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from heedful.care.boundaries import out_of_hours_acknowledgement, service_hours
from heedful.care.hours import BusinessCalendar, WeeklyHours
from heedful.care.promises import extract_promises
from heedful.clock import FrozenClock

CALENDAR = BusinessCalendar(
    "Europe/London",
    weekly=WeeklyHours.parse(
        {d: ["08:30-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["10:00-14:00"]}
    ),
    holiday_country="GB",
    holiday_subdivision="ENG",
)


def test_no_acknowledgement_while_the_team_is_at_work() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 11, 0, tzinfo=UTC))
    assert out_of_hours_acknowledgement(CALENDAR, clock.now(), team="Acme Care") is None
    always = BusinessCalendar("UTC", always_open=True)
    assert out_of_hours_acknowledgement(always, clock.now(), team="Acme Care") is None


def test_friday_evening_says_saturday_and_is_signed() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    ack = out_of_hours_acknowledgement(
        CALENDAR, clock.now(), team="The Acme care team", handles="orders and refunds"
    )
    assert ack is not None
    assert "will reply by 11am tomorrow" in ack.text
    assert ack.text.endswith("– The Acme care team")
    assert "Monday to Friday, 8:30am to 5pm; Saturday, 10am to 2pm" in ack.text
    assert ack.answer_by == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert ack.promise.due_at == ack.answer_by and ack.promise.action == "reply"
    assert ack.text[ack.promise.start : ack.promise.end] == ack.promise.span


def test_over_christmas_the_promise_skips_the_holidays() -> None:
    clock = FrozenClock(datetime(2026, 12, 24, 20, 0, tzinfo=UTC))
    ack = out_of_hours_acknowledgement(
        CALENDAR, clock.now(), team="Acme", first_response=timedelta(minutes=30)
    )
    assert ack is not None and "by 9am on Tuesday 29 December" in ack.text
    assert ack.answer_by == datetime(2026, 12, 29, 9, 0, tzinfo=UTC)


def test_the_extractor_reads_the_acknowledgement_as_the_same_promise() -> None:
    for now in (
        datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 21, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 28, 20, 0, tzinfo=UTC),  # the night the clocks go forward
    ):
        ack = out_of_hours_acknowledgement(CALENDAR, now, team="Acme")
        assert ack is not None
        found = [p.due_at for p in extract_promises(ack.text, now, calendar=CALENDAR)]
        assert found == [ack.answer_by], ack.text


def test_service_hours_in_words() -> None:
    assert service_hours(BusinessCalendar("UTC", always_open=True)) == (
        "around the clock, every day"
    )
    assert service_hours(BusinessCalendar("America/New_York")) == (
        "Monday to Friday, 9am to 5pm (America/New_York time)"
    )
