"""A workspace's triage settings (``workspace.settings["triage"]``): weights, topics, own rules.

Everything has a default, so an empty mapping means "the built-in behaviour". A workspace's
phrase rules go through :meth:`SignalRegistry.register`, exactly as the built-in rules do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from heedful.errors import InputRejected
from heedful.triage.analyse import Analyser
from heedful.triage.priority import PriorityWeights
from heedful.triage.signals import Rule, Signal, SignalRegistry, builtin_registry
from heedful.triage.taxonomy import TopicSettings


class PhraseRule(BaseModel):
    """A workspace rule: fires when any phrase occurs (whole words, any case)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    phrases: list[str] = Field(min_length=1)
    reason: str
    weight: float = 5.0

    def rule(self) -> Rule:
        pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(p) for p in self.phrases) + r")(?!\w)", re.IGNORECASE
        )

        def detect(text: str) -> Signal | None:
            found = pattern.search(text)
            return Signal(self.id, f'{self.reason} ("{found.group(0)}")') if found else None

        return detect


class TriageSettings(BaseModel):
    weights: dict[str, Any] = Field(default_factory=dict)  # overrides of PriorityWeights
    topics: TopicSettings = Field(default_factory=TopicSettings)
    rules: list[PhraseRule] = Field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> TriageSettings:
        try:
            return cls.model_validate(dict(data or {}))
        except ValueError as exc:
            raise InputRejected(f"invalid triage settings: {exc}") from None

    def registry(self) -> SignalRegistry:
        registry = builtin_registry()
        for rule in self.rules:
            registry.register(rule.id, rule.rule(), weight=rule.weight, description=rule.reason)
        return registry

    def priority_weights(self) -> PriorityWeights:
        defaults = PriorityWeights(signals=self.registry().default_weights())
        try:
            return defaults.merged(self.weights)
        except ValueError as exc:
            raise InputRejected(f"invalid triage weights: {exc}") from None

    def analyser(self) -> Analyser:
        return Analyser(registry=self.registry(), topics=self.topics)
