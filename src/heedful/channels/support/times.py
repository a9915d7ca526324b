"""Platform timestamps (epoch seconds, epoch milliseconds, ISO-8601 strings) to aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from heedful.errors import InputRejected

_MS_THRESHOLD = 100_000_000_000  # epochs above this are milliseconds (year 5138 in seconds)


def from_epoch(value: float) -> datetime:
    seconds = value / 1000 if value > _MS_THRESHOLD else value
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_iso(value: str) -> datetime:
    """Parse ISO-8601; a time without an offset is taken as UTC (the platforms' convention)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Graph's "+0000"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputRejected(f"unreadable timestamp {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """Whatever a payload put in a time field, as aware UTC; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputRejected(f"unreadable timestamp {value!r}")
    if isinstance(value, int | float):
        return from_epoch(float(value))
    if isinstance(value, str):
        if value.strip().isdigit():
            return from_epoch(float(value))
        return from_iso(value)
    raise InputRejected(f"unreadable timestamp {value!r}")
