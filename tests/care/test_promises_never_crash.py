"""The extractor runs on every outbound message and inside the coach: it must never raise."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.care.promises import extract_promises

WORDS = st.sampled_from(
    [
        "we'll",
        "I'll",
        "will",
        "call",
        "you",
        "DM",
        "email",
        "refund",
        "back",
        "tomorrow",
        "by",
        "Friday",
        "within",
        "5",
        "working",
        "days",
        "next",
        "week",
        "end",
        "of",
        "day",
        "soon",
        "look",
        "into",
        "it",
        "can't",
        "promise",
        "sorted",
        "and",
        "then",
        "once",
        "engineering",
        "confirms",
        "hours",
        "minutes",
        "30",
        "in",
        "on",
        "Monday",
        "12/03",
        "3pm",
        "the",
        "team",
        "someone",
        "get",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=25).map(" ".join))
def test_never_raises_on_promise_like_text(text: str) -> None:
    for promise in extract_promises(
        text, datetime(2026, 11, 20, 16, 5, tzinfo=UTC), "Europe/London"
    ):
        assert 0 <= promise.start <= promise.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    extract_promises(text, datetime(2026, 11, 20, 16, 5, tzinfo=UTC), "Asia/Tokyo")
