"""What every parser needs: collect events and deliberate refusals, in payload order."""

from __future__ import annotations

from dataclasses import dataclass, field

from heedful.channels.base import Ignored, ParseResult
from heedful.domain import InboundEvent

Parsed = InboundEvent | Ignored


@dataclass
class Collector:
    """Events and ignored items of one payload, kept in the order the payload gave them."""

    events: list[InboundEvent] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    def add(self, item: Parsed | None) -> None:
        if isinstance(item, InboundEvent):
            self.events.append(item)
        elif item is not None:
            self.ignored.append(item)

    def extend(self, result: ParseResult) -> None:
        self.events.extend(result.events)
        self.ignored.extend(result.ignored)

    def skip(self, reason: str, ref: str | None = None) -> None:
        self.ignored.append(Ignored(reason, ref))

    def result(self) -> ParseResult:
        return ParseResult(events=tuple(self.events), ignored=tuple(self.ignored))


def ignored(reason: str, ref: str | None = None) -> ParseResult:
    """A payload that is understood and deliberately carries no message."""
    return ParseResult(ignored=(Ignored(reason, ref),))
