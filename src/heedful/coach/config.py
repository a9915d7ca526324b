"""Per-workspace coach configuration: every rule can be switched off, re-graded, given extra
phrases to flag or phrases to leave alone, and tuned through its own settings model.

A workspace stores this as JSON; ``CoachConfig.model_validate(doc)`` reads it back::

    {"rules": {"shouting": {"enabled": false},
               "blame": {"severity": "block", "extra_phrases": ["read the manual"]},
               "pii_in_public": {"public_contacts": ["0800 123 4567", "help@brand.example"]}}}
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from heedful.coach.findings import Severity


class RuleSettings(BaseModel):
    """What every rule accepts. Rules extend this with their own thresholds and lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity | None = None  # None: the rule's default
    extra_phrases: list[str] = Field(
        default_factory=list, description="more words or phrases this rule flags (any case)"
    )
    ignore_phrases: list[str] = Field(
        default_factory=list, description="words or phrases this rule never flags"
    )

    @cached_property
    def extra_pattern(self) -> re.Pattern[str] | None:
        return phrase_pattern(self.extra_phrases)

    @cached_property
    def ignore_pattern(self) -> re.Pattern[str] | None:
        return phrase_pattern(self.ignore_phrases)


class ModelRuleSettings(RuleSettings):
    """Settings of a rule that also has a learned model (:mod:`heedful.coach.learned`)."""

    model: bool = Field(True, description="also flag what the rule's learned model flags")
    model_threshold: float | None = Field(
        None, gt=0, lt=1, description="the model's probability that flags (None: the shipped one)"
    )


def phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``phrases`` as whole words."""
    cleaned = [p.strip() for p in phrases if p.strip()]
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class CoachConfig(BaseModel):
    """A workspace's coach settings (``workspace.settings["coach"]``): ``rules`` maps a rule id
    to that rule's settings; ``signature_required`` says whether the workspace signs its
    replies (a request can still say otherwise); ``mood`` picks how the customer's mood is read:
    ``cues`` (default) or ``triage`` (cues, then triage's fast text analysis — it finds more
    upset customers, and so more replies without empathy; see eval/coach.py ``--mood``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    signature_required: bool = False
    mood: Literal["cues", "triage"] = "cues"

    def raw_settings(self, rule_id: str) -> dict[str, Any]:
        return self.rules.get(rule_id, {})
