"""Honest boundaries: the service hours a workspace publishes, and the automatic
acknowledgement sent outside them, which says truthfully when a person will answer.

The time in the acknowledgement is computed from the business calendar (the next opening plus
the first-response target, in business time), written so that a customer in the workspace's
time zone reads it unambiguously ("by 10am on Monday 23 November"), and returned as a promise
so that it is tracked like any other: if nobody answers by then, it is broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from heedful.care.hours import BusinessCalendar
from heedful.clock import ensure_utc
from heedful.domain.promises import ExtractedPromise

DEFAULT_FIRST_RESPONSE = timedelta(hours=1)
_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Acknowledgement:
    text: str
    answer_by: datetime  # aware UTC: when a person will have answered
    promise: ExtractedPromise  # the sentence that says so, as a promise to track


def out_of_hours_acknowledgement(
    calendar: BusinessCalendar,
    now: datetime,
    *,
    team: str,
    first_response: timedelta = DEFAULT_FIRST_RESPONSE,
    handles: str | None = None,
) -> Acknowledgement | None:
    """The acknowledgement to send at ``now``, or None while the team is at work (or 24/7).

    ``team`` signs it ("The Acme care team"); ``handles`` says what the account is for
    ("orders, deliveries and refunds").
    """
    now = ensure_utc(now)
    if calendar.always_open or calendar.is_open(now):
        return None
    answer_by = calendar.add_business_time(now, first_response)
    when = describe_time(calendar, answer_by, now)
    promise_sentence = f"A person from our team will reply {when}."
    parts = [
        "Thanks for your message.",
        f"Our team is away right now: we're here {service_hours(calendar)}.",
        promise_sentence,
    ]
    if handles:
        parts.append(f"This account handles {handles}.")
    text = " ".join(parts) + f" – {team}"
    start = text.index(promise_sentence)
    promise = ExtractedPromise(
        span=promise_sentence.rstrip("."),
        start=start,
        end=start + len(promise_sentence) - 1,
        action="reply",
        due_at=answer_by,
        vague=False,
        tolerance=timedelta(minutes=15),
        time_text=when,
    )
    return Acknowledgement(text, answer_by, promise)


def describe_time(calendar: BusinessCalendar, at: datetime, now: datetime) -> str:
    """ "by 10am today", "by 9:30am tomorrow", "by 10am on Monday 23 November" (local time)."""
    local = ensure_utc(at).astimezone(calendar.zone)
    clock = _clock(local.hour, local.minute)
    days = (local.date() - calendar.local_date(now)).days
    if days == 0:
        return f"by {clock} today"
    if days == 1:
        return f"by {clock} tomorrow"
    return f"by {clock} on {_FULL_DAYS[local.weekday()]} {local.day} {local.strftime('%B')}"


def service_hours(calendar: BusinessCalendar) -> str:
    """The published hours in words: "Monday to Friday, 9am to 5pm (Europe/London time)"."""
    if calendar.always_open:
        return "around the clock, every day"
    groups: list[tuple[list[int], str]] = []
    for day, spans in enumerate(calendar.weekly.days):
        if not spans:
            continue
        hours = " and ".join(f"{_minute(a)} to {_minute(b)}" for a, b in spans)
        if groups and groups[-1][1] == hours and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], hours))
    described = "; ".join(f"{_days(days)}, {hours}" for days, hours in groups)
    holidays = ", closed on public holidays" if calendar.holiday_country else ""
    return f"{described} ({calendar.timezone} time{holidays})"


def _days(days: list[int]) -> str:
    if len(days) == 1:
        return _FULL_DAYS[days[0]]
    return f"{_FULL_DAYS[days[0]]} to {_FULL_DAYS[days[-1]]}"


def _minute(minute: int) -> str:
    if minute == 24 * 60:
        return "midnight"
    return _clock(minute // 60, minute % 60)


def _clock(hour: int, minute: int) -> str:
    if (hour, minute) == (12, 0):
        return "noon"
    suffix = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"
