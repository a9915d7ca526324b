"""vague_promise and risky_promise, with a frozen clock (Friday 2026-11-20 16:05 UTC)."""

from __future__ import annotations

from typing import Any

import pytest

from heedful.coach import Coach
from tests.coach.conftest import configured, findings, rules

LONDON_OFFICE = {
    "timezone": "Europe/London",
    "weekly": {day: ["09:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")},
}


@pytest.fixture(scope="module")
def with_hours() -> Coach:
    return configured(risky_promise={"business_hours": LONDON_OFFICE})


RISKY = [
    "I've asked for a refund and you'll have it by tomorrow.",
    "I'll refund you within the hour.",
    "We'll fix it in 30 minutes.",
    "Your new card will arrive tomorrow.",
]
NOT_RISKY = [
    "I'll refund you within 5 working days.",
    "We'll have it fixed by Monday.",
    "I'll call you in 20 minutes.",
    "We'll send a replacement today.",
    "We'll look into it.",  # no time: vague, not risky
    "We refunded you yesterday.",
]


@pytest.mark.parametrize("text", RISKY)
def test_sooner_than_the_sla_allows_is_risky(coach: Coach, text: str) -> None:
    assert "risky_promise" in rules(coach, text)


@pytest.mark.parametrize("text", NOT_RISKY)
def test_a_time_the_team_can_keep_is_not_risky(coach: Coach, text: str) -> None:
    assert "risky_promise" not in rules(coach, text)


@pytest.mark.parametrize(
    "text", ["I'll call you on Saturday morning.", "I'll DM you at 7am on Monday."]
)
def test_a_call_when_the_team_is_closed_is_risky(with_hours: Coach, text: str) -> None:
    (found,) = [f for f in findings(with_hours, text) if f.rule == "risky_promise"]
    assert "closed" in found.message
    assert text[found.start : found.end].strip()


@pytest.mark.parametrize(
    "text", ["I'll call you on Monday at 10am.", "Your parcel will be delivered by tomorrow."]
)
def test_open_hours_and_other_peoples_work_are_fine(with_hours: Coach, text: str) -> None:
    assert "risky_promise" not in rules(with_hours, text)


def test_lead_times_are_per_workspace() -> None:
    strict = configured(risky_promise={"min_lead_hours": {"call": 2}})
    assert "risky_promise" in rules(strict, "I'll call you in 20 minutes.")
    relaxed = configured(risky_promise={"min_lead_hours": {"refund": 1}})
    assert "risky_promise" not in rules(relaxed, "I'll refund you by tomorrow.")


def test_the_finding_says_which_lead_time(coach: Coach) -> None:
    (found,) = [
        f for f in findings(coach, "I'll refund you within the hour.") if f.rule == "risky_promise"
    ]
    assert "72" in found.message and found.severity.value == "warn"


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Someone from our team will be in touch soon.", True),
        ("We'll keep you updated.", True),
        ("Happy to help! DM us your order number and we'll take a look.", False),
        ("We'll reply the same day.", False),
        ("Your IBAN is the one we'll refund to.", False),
        ("I'll call you by 3pm today.", False),
    ],
)
def test_vague_promise(coach: Coach, text: str, flagged: bool) -> None:
    assert ("vague_promise" in rules(coach, text)) is flagged


def test_risky_promise_can_be_switched_off() -> None:
    off: dict[str, Any] = {"enabled": False}
    assert "risky_promise" not in rules(
        configured(risky_promise=off), "I'll refund you now-ish within the hour."
    )
