"""Triage of a batch of texts: analysis + priority, as the stable JSON record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from heedful.triage.analyse import Analyser, Mode
from heedful.triage.priority import (
    ContextSignals,
    Priority,
    PriorityWeights,
    TextAnalysis,
    compute_priority,
)


@dataclass(frozen=True, slots=True)
class TriageResult:
    analysis: TextAnalysis
    priority: Priority

    def record(self, row_id: object) -> dict[str, Any]:
        """The stable output format of ``heedful triage`` (one JSON object per row)."""
        a = self.analysis
        return {
            "id": row_id,
            "sentiment": {"label": a.sentiment, "score": a.sentiment_score},
            "complaint": {
                "label": a.complaint,
                "probability": a.complaint_probability,
                "severity": a.severity,
            },
            "topic": a.topic,
            "signals": [s.id for s in a.signals],
            "priority": self.priority.value,
            "reasons": [{"text": r.text, "points": r.points} for r in self.priority.reasons],
        }


def triage_texts(
    analyser: Analyser,
    texts: Sequence[str],
    *,
    contexts: Sequence[ContextSignals | None] | None = None,
    weights: PriorityWeights | None = None,
    mode: Mode = "full",
) -> list[TriageResult]:
    """Analyse ``texts`` and score each one's priority (with its context when given)."""
    analyses = analyser.analyse(texts, mode)
    contexts = contexts or [None] * len(texts)
    return [
        TriageResult(a, compute_priority(a, ctx, weights, analyser.topics))
        for a, ctx in zip(analyses, contexts, strict=True)
    ]
