"""``canned``: the draft is the same, or nearly the same, as replies this workspace sent to
other people recently, and especially as one already sent to this same contact.

Measure and index: see :mod:`heedful.coach.canned` (Jaccard on word bigrams, MinHash-LSH).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.rules.base import Rule


class CannedSettings(RuleSettings):
    threshold: float = Field(0.6, ge=0.1, le=1.0, description="Jaccard on word bigrams")
    window_days: float = Field(30.0, gt=0, description="only sends this recent count")
    min_others: int = Field(1, ge=1, description="other recipients needed to flag")
    same_contact_severity: Severity = Severity.BLOCK


class CannedRule(Rule[CannedSettings]):
    id = "canned"
    title = "Canned reply"
    settings_model = CannedSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if draft.history is None:
            return
        cfg = self.settings
        since = draft.now - timedelta(days=cfg.window_days)
        matches = draft.history.similar(
            draft.text, threshold=cfg.threshold, to=draft.draft.to, since=since
        )
        if not matches:
            return
        start, end = draft.body
        best = matches[0]
        if any(m.same_contact for m in matches):
            finding = self.finding(
                start,
                end,
                f"You already sent this (similarity {best.similarity:.2f}) to this person.",
                "Don't repeat yourself: say what has changed since, or what happens next and when.",
            )
            yield _with_severity(finding, cfg.same_contact_severity)
            return
        from heedful.coach.canned import MAX_COUNTED

        others = min(sum(m.others for m in matches), MAX_COUNTED)
        if others >= cfg.min_others:
            people = "person" if others == 1 else "people"
            yield self.finding(
                start,
                end,
                f"Nearly the same text (similarity {best.similarity:.2f}) went to "
                f"{'at least ' if others >= MAX_COUNTED else ''}{others} other {people} "
                f"in the last {cfg.window_days:g} days.",
                "Answer this person's situation in your own words; use what they told you.",
            )


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return Finding(
        finding.rule, severity, finding.start, finding.end, finding.message, finding.suggestion
    )
