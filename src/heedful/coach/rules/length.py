"""``too_long``: the draft is longer than the channel allows, counted the way the platform
counts (see :mod:`heedful.coach.length` for the sources). Limits are per-workspace settings;
the defaults are the platforms' published limits for a reply or comment:

X 280 weighted characters; Mastodon 500 (the default instance setting); Bluesky 300
graphemes; Facebook comments 8,000 characters; Instagram comments 2,200; Reddit comments
10,000; Google review replies 4,096 (``review``); e-mail has no limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.length import Counting, measure, overflow_offset
from heedful.coach.rules.base import Rule


class ChannelLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(gt=0)
    counting: Counting = Counting.CHARACTERS


def _default_limits() -> dict[str, ChannelLimit]:
    return {
        "x": ChannelLimit(limit=280, counting=Counting.X),
        "mastodon": ChannelLimit(limit=500, counting=Counting.MASTODON),
        "bluesky": ChannelLimit(limit=300, counting=Counting.GRAPHEMES),
        "facebook": ChannelLimit(limit=8000),
        "instagram": ChannelLimit(limit=2200),
        "reddit": ChannelLimit(limit=10000),
        "review": ChannelLimit(limit=4096),
    }


class LengthSettings(RuleSettings):
    limits: dict[str, ChannelLimit] = Field(default_factory=_default_limits)


_UNIT_NAMES = {
    Counting.X: "weighted characters",
    Counting.MASTODON: "characters",
    Counting.GRAPHEMES: "graphemes",
    Counting.CHARACTERS: "characters",
}


class TooLongRule(Rule[LengthSettings]):
    id = "too_long"
    title = "Too long for the channel"
    default_severity = Severity.BLOCK
    settings_model = LengthSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        rule = self.settings.limits.get(draft.draft.channel)
        if rule is None:
            return
        cut = overflow_offset(draft.text, rule.counting, rule.limit)
        if cut is None:
            return
        length = measure(draft.text, rule.counting)
        unit = _UNIT_NAMES[rule.counting]
        yield self.finding(
            cut,
            len(draft.text),
            f"{length} {unit}: {draft.draft.channel} allows {rule.limit}.",
            "Shorten it, or split it into a short public reply and a private message.",
        )
