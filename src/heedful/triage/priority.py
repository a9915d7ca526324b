"""Priority 0-100 with its reasons: a pure function of the text analysis, context and weights.

Each reason says in plain words what raised (or lowered) the priority and carries its points;
the priority is the base plus the points, clamped to 0-100. Weights are a pydantic model with
defaults that a workspace overrides (``workspace.settings["triage"]["weights"]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from heedful.triage.signals import Signal, builtin_registry
from heedful.triage.taxonomy import TopicSettings


@dataclass(frozen=True, slots=True)
class ContextSignals:
    """What the store knows around one inbound message (filled in by the store, phase 2).

    Counts include the message being triaged. ``None`` follower counts mean unknown.
    """

    messages_24h: int = 1
    unanswered_24h: int = 1
    messages_7d: int = 1
    unanswered_7d: int = 1
    span_hours: float | None = None  # from the first of the 24 h messages to this one
    other_channels: tuple[str, ...] = ()  # other channels this contact used about it lately
    others_in_thread: int = 0  # other people who joined the thread (pile-on)
    author_followers: int | None = None
    brand_followers: int | None = None
    brand_replied: bool = False  # the brand already answered in this conversation


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What the models and rules read from the text alone."""

    sentiment: str  # negative | neutral | positive
    sentiment_score: float  # p(positive) - p(negative), -1..1
    complaint: bool
    complaint_probability: float
    severity: str | None
    topic: str
    signals: tuple[Signal, ...] = ()

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    points: int


@dataclass(frozen=True, slots=True)
class Priority:
    value: int
    reasons: tuple[Reason, ...]


SEVERITY_RANK = {"no_explicit_reproach": 0, "disapproval": 1, "accusation": 2, "blame": 3}
URGENT_TOPICS = frozenset({"outage", "billing_payment", "account_access"})


class PriorityWeights(BaseModel):
    """Points per factor. Every field can be overridden per workspace."""

    base: float = 5.0
    complaint: float = 18.0  # times the complaint probability, when it is a complaint
    severity_step: float = 4.0  # per severity level above "no explicit reproach"
    negative: float = 8.0  # times p(negative) when the tone is negative
    urgent_topic: float = 4.0  # complaint about an outage, money or access
    praise: float = -4.0
    signals: dict[str, float] = Field(default_factory=lambda: builtin_registry().default_weights())
    repeat_per_message: float = 8.0  # per earlier message in 24 h
    repeat_cap: int = 4
    unanswered_per_message: float = 5.0  # per earlier unanswered message in 24 h
    repeat_week_per_message: float = 2.0  # per earlier message in 7 days beyond the 24 h ones
    channel_hopping: float = 12.0
    pile_on_per_person: float = 3.0
    pile_on_cap: int = 6
    reach_per_decade: float = 3.0  # per power of ten of followers above 1,000
    reach_above_brand: float = 10.0
    brand_replied: float = -4.0

    def merged(self, override: Mapping[str, Any] | None) -> PriorityWeights:
        """These weights with a workspace's overrides applied (signal weights merge by id)."""
        if not override:
            return self
        data = self.model_dump()
        signals = {**data["signals"], **dict(override.get("signals", {}))}
        data.update({k: v for k, v in override.items() if k != "signals"})
        data["signals"] = signals
        return PriorityWeights.model_validate(data)


def _text_reasons(
    text: TextAnalysis, w: PriorityWeights, topics: TopicSettings
) -> list[tuple[str, float]]:
    topic = topics.label_of(text.topic).lower()
    angry = "angry " if text.has("anger") else ""
    out: list[tuple[str, float]] = []
    if text.complaint:
        level = SEVERITY_RANK.get(text.severity or "", 0)
        points = w.complaint * text.complaint_probability + w.severity_step * level
        points += w.urgent_topic if text.topic in URGENT_TOPICS else 0.0
        severity = f" ({text.severity.replace('_', ' ')})" if text.severity else ""
        out.append((f"{angry}complaint about {topic}{severity}", points))
    if text.sentiment == "negative":
        out.append(("negative tone", w.negative * min(1.0, -text.sentiment_score + 0.5)))
    if text.topic == "praise" and not text.complaint:
        out.append(("praise", w.praise))
    for signal in text.signals:
        out.append((signal.reason, w.signals.get(signal.id, 0.0) * signal.strength))
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _span(hours: float | None) -> str:
    if hours is None or hours >= 23.5:
        return "24 h"
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    return f"{round(hours)} h"


def _repeat_reasons(ctx: ContextSignals, w: PriorityWeights) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    earlier = min(ctx.messages_24h - 1, w.repeat_cap)
    if earlier > 0:
        unanswered = min(ctx.unanswered_24h - 1, earlier)
        answered = "none answered" if unanswered == earlier else f"{unanswered} unanswered"
        text = f"{_ordinal(ctx.messages_24h)} message in {_span(ctx.span_hours)}, {answered}"
        out.append((text, w.repeat_per_message * earlier + w.unanswered_per_message * unanswered))
    week = min(ctx.messages_7d - max(ctx.messages_24h, 1), w.repeat_cap)
    if week > 0:
        out.append((f"{week} more message(s) earlier this week", w.repeat_week_per_message * week))
    return out


def _followers(n: int) -> str:
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}".replace(".0", "") if value < 10 else f"{round(value)}{unit}"
    return str(n)


def _reach_reasons(ctx: ContextSignals, w: PriorityWeights) -> list[tuple[str, float]]:
    followers = ctx.author_followers
    if followers is None or followers < 1_000:
        return []
    points = w.reach_per_decade * (math.log10(followers) - 2)
    text = f"{_followers(followers)} followers"
    brand = ctx.brand_followers
    if brand and followers > brand:
        points += w.reach_above_brand
        text += f" — more than the brand ({_followers(brand)})"
    return [(text, points)]


def _context_reasons(ctx: ContextSignals, w: PriorityWeights) -> list[tuple[str, float]]:
    out = _repeat_reasons(ctx, w) + _reach_reasons(ctx, w)
    if ctx.other_channels:
        out.append(
            (f"also wrote on {', '.join(ctx.other_channels)} (channel hopping)", w.channel_hopping)
        )
    joined = min(ctx.others_in_thread, w.pile_on_cap)
    if joined > 0:
        people = "person" if ctx.others_in_thread == 1 else "people"
        out.append(
            (
                f"{ctx.others_in_thread} other {people} joined the thread",
                w.pile_on_per_person * joined,
            )
        )
    if ctx.brand_replied:
        out.append(("brand already replied in this conversation", w.brand_replied))
    return out


def compute_priority(
    text: TextAnalysis,
    context: ContextSignals | None = None,
    weights: PriorityWeights | None = None,
    topics: TopicSettings | None = None,
) -> Priority:
    """Priority 0-100 and its reasons, largest effect first."""
    w = weights or PriorityWeights()
    parts = _text_reasons(text, w, topics or TopicSettings())
    if context is not None:
        parts += _context_reasons(context, w)
    reasons = [Reason(t, round(p)) for t, p in parts if round(p) != 0]
    reasons.sort(key=lambda r: (-abs(r.points), r.text))
    value = round(w.base + sum(p for _, p in parts))
    return Priority(max(0, min(100, value)), tuple(reasons))
