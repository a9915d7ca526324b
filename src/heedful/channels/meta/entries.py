"""Walk a webhook body's entries: messaging items and field changes, each to an event or an
ignored item with its reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.meta.messaging import messaging_items, parse_messaging
from heedful.domain import InboundEvent

ChangeParser = Callable[[Mapping[str, Any], Mapping[str, Any]], InboundEvent | Ignored]


def parse_entries(
    channel: str, entries: list[dict[str, Any]], parse_change: ChangeParser
) -> ParseResult:
    events: list[InboundEvent] = []
    ignored: list[Ignored] = []

    def keep(result: InboundEvent | Ignored) -> None:
        if isinstance(result, Ignored):
            ignored.append(result)
        else:
            events.append(result)

    for entry in entries:
        items = list(messaging_items(entry))
        changes = [c for c in entry.get("changes") or () if isinstance(c, dict)]
        if not items and not changes:
            ignored.append(Ignored("webhook entry with no messaging items and no changes"))
        for item, standby in items:
            keep(parse_messaging(channel, entry, item, standby))
        for change in changes:
            keep(parse_change(entry, change))
    return ParseResult(events=tuple(events), ignored=tuple(ignored))
