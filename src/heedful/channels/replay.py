"""Run an adapter's pure ``parse`` over a recorded payload file: one body, or every
interaction of a vcr cassette. Used by ``heedful channels parse`` and the payload tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heedful.channels.base import ChannelAdapter, Ignored
from heedful.channels.recorded import RecordedInteraction, read_recorded
from heedful.domain import InboundEvent
from heedful.errors import InputRejected


@dataclass
class PayloadOutcome:
    """What an adapter made of one payload file."""

    events: list[InboundEvent] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # cassette interactions refused


def parse_payload_file(adapter: ChannelAdapter[Any], path: Path) -> PayloadOutcome:
    """Parse ``path``; a plain body that cannot be accepted raises ``InputRejected``, a
    cassette reports each refused interaction in ``rejected`` and goes on."""
    recorded = read_recorded(path)
    outcome = PayloadOutcome()
    if recorded.body is not None:
        result = adapter.parse(recorded.body)
        outcome.events.extend(result.events)
        outcome.ignored.extend(result.ignored)
        return outcome
    for interaction in recorded.interactions:
        _parse_interaction(adapter, interaction, outcome)
    return outcome


def _parse_interaction(
    adapter: ChannelAdapter[Any], interaction: RecordedInteraction, outcome: PayloadOutcome
) -> None:
    label = interaction.label
    if interaction.status >= 400:
        outcome.ignored.append(Ignored(f"{label}: an error response, not a payload"))
        return
    if not interaction.body.strip():
        outcome.ignored.append(Ignored(f"{label}: an empty response"))
        return
    try:
        result = adapter.parse(interaction.body)
    except InputRejected as exc:
        outcome.rejected.append(f"{label}: {exc.reason}")
        return
    outcome.events.extend(result.events)
    outcome.ignored.extend(Ignored(f"{label}: {i.reason}", i.ref) for i in result.ignored)
