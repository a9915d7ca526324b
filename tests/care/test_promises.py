"""Promise extraction on phrasings collected from brand replies (frozen send time).

Unless a case says otherwise the message is sent on Friday 20 November 2026 at 16:05 in
Europe/London (GMT), with the default calendar: Monday to Friday, 09:00-17:00.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from heedful.care.hours import BusinessCalendar
from heedful.care.promises import extract_promises, split_sentences
from heedful.clock import FrozenClock

CLOCK = FrozenClock(datetime(2026, 11, 20, 16, 5, tzinfo=UTC))
EVAL = Path(__file__).resolve().parents[2] / "eval"


def due(text: str, tz: str = "Europe/London") -> list[str | None]:
    return [
        p.due_at.isoformat() if p.due_at else None for p in extract_promises(text, CLOCK.now(), tz)
    ]


TIMED = [
    # relative offsets
    ("I'll DM you in 30 minutes.", "2026-11-20T16:35:00+00:00"),
    ("Someone will get back to you in 36 hours.", "2026-11-22T04:05:00+00:00"),
    ("Our team will reply within 48 hours.", "2026-11-22T16:05:00+00:00"),
    ("We'll email you the label within the hour.", "2026-11-20T17:05:00+00:00"),
    ("Expect an email from us in the next couple of hours.", "2026-11-20T18:05:00+00:00"),
    ("I'll call you back in an hour and a half.", "2026-11-20T17:35:00+00:00"),
    ("We'll be back online in about 20 mins.", "2026-11-20T16:25:00+00:00"),
    ("We'll send a fresh code in five minutes.", "2026-11-20T16:10:00+00:00"),
    ("We'll reply within 24hrs.", "2026-11-21T16:05:00+00:00"),
    ("I'll pass this to our tech team right away.", "2026-11-20T16:15:00+00:00"),
    # business time and working days
    ("We'll refund you within 5 working days.", "2026-11-27T17:00:00+00:00"),
    ("Your refund should reach your account within 3-5 working days.", "2026-11-27T17:00:00+00:00"),
    ("We'll be in touch within 2 business days.", "2026-11-24T17:00:00+00:00"),
    ("Your new SIM will be dispatched within 1 working day.", "2026-11-23T17:00:00+00:00"),
    ("Our phone team will call you back within 2 working hours.", "2026-11-23T10:05:00+00:00"),
    ("Please allow up to 10 working days for the credit to show.", "2026-12-04T17:00:00+00:00"),
    ("We'll get back to you by the next working day.", "2026-11-23T17:00:00+00:00"),
    # days, parts of days, clock times
    ("I'll call you tomorrow.", "2026-11-21T17:00:00+00:00"),
    ("we'll get that sorted for you tmrw 👍", "2026-11-21T17:00:00+00:00"),
    ("I'll call you tomorrow morning.", "2026-11-21T12:00:00+00:00"),
    ("I'll update you by end of day.", "2026-11-20T17:00:00+00:00"),
    ("I promise to get back to you by close of business today.", "2026-11-20T17:00:00+00:00"),
    ("We'll get back to you by 5pm.", "2026-11-20T17:00:00+00:00"),
    ("The outage should be fixed by 6pm this evening.", "2026-11-20T18:00:00+00:00"),
    ("We'll reply to your email tonight.", "2026-11-20T23:00:00+00:00"),
    ("We'll chase it first thing tomorrow.", "2026-11-21T10:00:00+00:00"),
    ("An advisor will call you before 7pm tonight.", "2026-11-20T19:00:00+00:00"),
    ("Our technician will be there by half past two.", "2026-11-21T14:30:00+00:00"),
    (
        "A member of our team will call you between 9am and 11am tomorrow.",
        "2026-11-21T11:00:00+00:00",
    ),
    (
        "I've asked the stores team to call you tomorrow between 10 and 12.",
        "2026-11-21T12:00:00+00:00",
    ),
    ("We're aiming to have everyone reconnected by midnight.", "2026-11-21T00:00:00+00:00"),
    # weekdays, weeks, months
    ("We'll have it fixed by Friday.", "2026-11-27T17:00:00+00:00"),
    ("A technician will visit on Monday.", "2026-11-23T17:00:00+00:00"),
    ("We'll give you a call at 10:30 on Monday.", "2026-11-23T10:30:00+00:00"),
    ("We'll call you back on Monday or Tuesday.", "2026-11-24T17:00:00+00:00"),
    ("We'll post a replacement first thing Monday.", "2026-11-23T10:00:00+00:00"),
    ("We'll get you booked in for a repair next Thursday.", "2026-11-26T17:00:00+00:00"),
    ("We'll call you next week.", "2026-11-27T17:00:00+00:00"),
    ("We'll have someone review your claim by the end of next week.", "2026-11-27T17:00:00+00:00"),
    ("We'll be in touch in a week or two.", "2026-12-04T17:00:00+00:00"),
    ("We'll have this looked at by the end of the month.", "2026-11-30T17:00:00+00:00"),
    ("I'll follow up with you the day after tomorrow.", "2026-11-22T17:00:00+00:00"),
    # absolute dates
    ("Your refund will be processed on 3 December.", "2026-12-03T17:00:00+00:00"),
    ("I'll update you on Monday 30 November.", "2026-11-30T17:00:00+00:00"),
    ("We'll look at this on 2nd Dec.", "2026-12-02T17:00:00+00:00"),
    ("We'll refund the difference by 05/12.", "2026-12-05T17:00:00+00:00"),
    ("We'll refund you by 12/03.", "2026-12-03T17:00:00+00:00"),  # 12 March is months off
    ("The engineer will arrive between 1pm and 6pm on 27/11.", "2026-11-27T18:00:00+00:00"),
    ("We'll confirm on 2026-12-01.", "2026-12-01T17:00:00+00:00"),
    # other ways of committing
    ("You'll hear from our complaints team within 24 hours.", "2026-11-21T16:05:00+00:00"),
    ("You can expect a reply within 2 hours.", "2026-11-20T18:05:00+00:00"),
    ("I've booked a callback for tomorrow at 3pm.", "2026-11-21T15:00:00+00:00"),
    ("We're sending a new router out on Tuesday.", "2026-11-24T17:00:00+00:00"),
    ("The engineer is booked for 8am-12pm on Thursday 26 November.", "2026-11-26T12:00:00+00:00"),
    (
        "Our Customer Relations team aim to reply within 10 working days.",
        "2026-12-04T17:00:00+00:00",
    ),
    ("We'll be able to tell you more on Friday.", "2026-11-27T17:00:00+00:00"),
    ("Hopefully we'll have it back up and running by tomorrow.", "2026-11-21T17:00:00+00:00"),
    ("Tomorrow morning, someone from billing will call you.", "2026-11-21T12:00:00+00:00"),
    ("I'll look into it and call you back tomorrow afternoon.", "2026-11-21T17:00:00+00:00"),
    ("Please give us 48 hours to investigate.", "2026-11-22T16:05:00+00:00"),
    ("It should be back up in the next half hour.", "2026-11-20T16:35:00+00:00"),
]


@pytest.mark.parametrize(("text", "expected"), TIMED)
def test_timed_promises(text: str, expected: str) -> None:
    assert expected in due(text)


VAGUE = [
    "I'll DM you once engineering confirms.",
    "We'll look into it.",
    "We'll sort it soon.",
    "Someone will be in touch shortly.",
    "Let me check with the team and get back to you.",
    "We'll keep you posted.",
    "Thanks, we'll pass your feedback on to the store manager.",
    "Will DM you shortly!",
    "We'll get an engineer out to you as soon as possible.",
    "Please rest assured we'll get this resolved for you.",
    "Once the investigation is complete we'll let you know the outcome.",
    "You should receive a confirmation email shortly.",
    "We'll do everything we can to make this right.",
    "I'll get this over to the right team now.",
]


@pytest.mark.parametrize("text", VAGUE)
def test_vague_promises_have_no_due_time(text: str) -> None:
    promises = extract_promises(text, CLOCK.now(), "Europe/London")
    assert promises, text
    assert all(p.vague and p.due_at is None for p in promises)


NOT_PROMISES = [
    "We can't promise we'll call you tomorrow.",
    "I won't be able to call you today.",
    "Did you get our email?",
    "Please DM us your order number.",
    "Shall I call you tomorrow?",
    "Can you DM us your postcode? We'd like to check for outages.",
    "If you DM us your details, we'll look into it.",
    "DM us your account number and we'll check this for you.",
    "When you get a chance, pop us a DM and we'll check your account.",
    "Once we receive your DM we'll get this sorted.",
    "We'll escalate this if needed.",
    "We're looking into it.",
    "I've passed this on to our web team.",
    "We'd be happy to help if you could DM us more details.",
    "We will need your account number.",
    "This will help us look into it.",
    "You'll be charged for the missed appointment.",
    "The link will expire in 24 hours.",
    "We will never share your details.",
    "I'm not sure when it will be fixed, sorry.",
    "We cannot guarantee that the engineer will arrive before noon.",
    "Our stores are open 9am-5pm Monday to Saturday.",
    "We won't be able to offer a refund on this occasion.",
    "We strive to create a positive customer experience.",
    "Let us help with your Home button.",
    "We aim to please!",
    "We'll pass on your comments. 2/2",  # not a date; still a vague promise, checked below
]


@pytest.mark.parametrize("text", NOT_PROMISES[:-1])
def test_not_promises(text: str) -> None:
    assert extract_promises(text, CLOCK.now(), "Europe/London") == []


def test_thread_counters_are_not_dates() -> None:
    assert due(NOT_PROMISES[-1]) == [None]


def test_spans_actions_and_offsets() -> None:
    text = "Sorry Sam! I'll call you tomorrow. We'll refund you within 5 working days. ^AB"
    first, second = extract_promises(text, CLOCK.now(), "Europe/London")
    assert (first.span, first.action, first.time_text) == (
        "I'll call you tomorrow",
        "call",
        "tomorrow",
    )
    assert text[second.start : second.end] == "We'll refund you within 5 working days"
    assert second.action == "refund" and second.tolerance == timedelta(hours=12)


def test_a_vague_clause_joined_to_a_timed_one_is_one_promise() -> None:
    [promise] = extract_promises(
        "I'll check with the warehouse and get back to you by Monday.", CLOCK.now()
    )
    assert promise.action == "reply" and not promise.vague


def test_verbs_joined_by_and_with_their_own_times_are_two_promises() -> None:
    text = "I'll chase the warehouse on Monday and update you by Wednesday at the latest."
    first, second = extract_promises(text, CLOCK.now(), "Europe/London")
    assert (first.action, first.time_text) == ("investigate", "Monday")
    assert (second.action, second.span) == ("update", "update you by Wednesday at the latest")
    assert due("Please give us a call within 24 hours.") == []  # a request, not a promise


def test_negation_in_one_clause_does_not_cancel_the_next() -> None:
    text = "We're unable to call you, but we'll reply to your email by tomorrow lunchtime."
    assert due(text) == ["2026-11-21T13:00:00+00:00"]


def test_tomorrow_said_on_friday_is_saturday_but_working_days_skip_it() -> None:
    assert due("I'll call you tomorrow.") == ["2026-11-21T17:00:00+00:00"]
    assert due("I'll call you within 1 working day.") == ["2026-11-23T17:00:00+00:00"]


def test_numeric_dates_follow_the_zone_locale() -> None:
    assert due("Your parcel will arrive on 12/03.", "America/New_York") == [
        "2026-12-03T22:00:00+00:00"
    ]
    assert due("Your parcel will arrive on 1/12.", "Europe/London") == ["2026-12-01T17:00:00+00:00"]
    assert due("Your parcel will arrive on 1/12.", "America/New_York") == [
        "2027-01-12T22:00:00+00:00"
    ]


def test_holidays_push_working_days() -> None:
    calendar = BusinessCalendar("Europe/London", holiday_country="GB", holiday_subdivision="ENG")
    sent = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
    [promise] = extract_promises("We'll refund you within 2 working days.", sent, calendar=calendar)
    assert promise.due_at == datetime(2026, 12, 30, 17, 0, tzinfo=UTC)


def test_dst_week_resolves_in_local_time() -> None:
    sent = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)  # Friday before the clocks go forward
    [promise] = extract_promises("We'll call you on Monday morning.", sent, "Europe/London")
    assert promise.due_at == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)  # 12:00 BST


def test_sentences_keep_abbreviations_together() -> None:
    text = "We'll call at 5 p.m. tomorrow. Thanks!"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "We'll call at 5 p.m. tomorrow.",
        "Thanks!",
    ]


def test_eval_sets_meet_the_targets() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_promises", EVAL / "promises.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    for path in sorted((EVAL / "data").glob("promises*.jsonl")):
        score = module.Score()
        for line in path.read_text(encoding="utf-8").splitlines():
            module.score_row(json.loads(line), score)
        assert score.right / score.messages >= 0.95, (path.name, score.misses)
        assert score.dues_right / score.dues >= 0.90, (path.name, score.misses)
