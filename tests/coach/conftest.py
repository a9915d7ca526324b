from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from heedful.clock import FrozenClock
from heedful.coach import Coach, CoachConfig, Draft, Finding, SentReplyIndex

# The API tests use the web tests' two-brand world and clients.
from tests.web.conftest import (  # noqa: F401 - fixtures
    _light_password_hashing,
    api_client,
    app_factory,
    world,
)

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
