"""Time comes from one injectable clock, so SLA and promise tests freeze it instead of sleeping.

Every timestamp Heedful stores or compares is an aware datetime in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock, in aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that only moves when told to (tests, replays, reports "as of")."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.current = ensure_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.current = self.current + (delta if delta is not None else timedelta(**kwargs))
        return self.current

    def set(self, when: datetime) -> None:
        self.current = ensure_utc(when)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; a naive datetime is refused, not guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: Heedful only stores aware UTC times")
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """Read a datetime coming back from a database that drops tz info (SQLite): treat as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


ClockFactory = Callable[[], Clock]
