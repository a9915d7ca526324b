from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from heedful.clock import FrozenClock
from heedful.coach import Coach, CoachConfig, Draft, Finding, SentReplyIndex

NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)  # a Friday


@pytest.fixture(scope="session")
def coach() -> Coach:
    return Coach(clock=FrozenClock(NOW))


def findings(
    coach: Coach, text: str, history: SentReplyIndex | None = None, **context: Any
) -> list[Finding]:
    return coach.check(Draft(text, **context), history)


def rules(
    coach: Coach, text: str, history: SentReplyIndex | None = None, **context: Any
) -> set[str]:
    return {f.rule for f in findings(coach, text, history, **context)}


def configured(**rules: dict[str, Any]) -> Coach:
    return Coach(CoachConfig(rules=rules), clock=FrozenClock(NOW))
