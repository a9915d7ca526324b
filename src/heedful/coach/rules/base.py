"""The base every coach rule extends, built in or third-party alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import ModelRuleSettings, RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.learned import word_count

S = TypeVar("S", bound=RuleSettings)


class Rule(Generic[S]):
    """A rule looks at a :class:`DraftAnalysis` and yields findings.

    Subclasses set ``id`` (the stable rule id), ``default_severity``, ``settings_model`` (a
    :class:`RuleSettings` subclass) and implement :meth:`find`. The base applies the shared
    settings: extra phrases to flag, phrases to ignore, and the severity override.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    default_severity: ClassVar[Severity] = Severity.WARN
    settings_model: ClassVar[type[RuleSettings]] = RuleSettings
    extra_message: ClassVar[str] = "This phrase is on your workspace's list for this rule."
    extra_suggestion: ClassVar[str] = "Rephrase it."
    # Rules that read English words stay quiet on a draft in another language (their own
    # ``find`` is skipped; the workspace's extra phrases still apply).
    english_only: ClassVar[bool] = False

    def __init__(self, settings: S) -> None:
        self.settings = settings

    @classmethod
    def configure(cls, raw: Mapping[str, Any] | None = None) -> Rule[S]:
        """Build the rule from a workspace's raw settings (validated by ``settings_model``)."""
        return cls(cast(S, cls.settings_model.model_validate(dict(raw or {}))))

    @property
    def severity(self) -> Severity:
        return self.settings.severity or self.default_severity

    def find(self, draft: DraftAnalysis) -> Iterable[Finding]:
        raise NotImplementedError

    def check(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if not self.settings.enabled:
            return
        ignore = self.settings.ignore_pattern
        found = () if self.english_only and not draft.english else tuple(self.find(draft))
        for finding in (*found, *self._extra(draft)):
            if ignore is None or not _ignored(ignore, draft.text, finding):
                yield finding

    def model_finding(self, draft: DraftAnalysis, message: str, suggestion: str) -> Finding | None:
        """A finding from the rule's learned model, when the workspace allows it and the model's
        probability for the reply reaches the threshold; it points at the sentence the model
        scores highest. None otherwise (and always for rules without a model)."""
        settings = self.settings
        if not isinstance(settings, ModelRuleSettings) or not settings.model:
            return None
        probability = draft.model_scores.get(self.id)
        model = draft.model
        if probability is None or model is None:
            return None
        threshold = settings.model_threshold or model.thresholds.get(self.id)
        if threshold is None or probability < threshold:
            return None
        if word_count(draft.text) < model.min_words(self.id):
            return None
        start, end = draft.model_span(self.id)
        return self.finding(start, end, message, suggestion)

    def finding(self, start: int, end: int, message: str, suggestion: str) -> Finding:
        return Finding(self.id, self.severity, start, end, message, suggestion)

    def _extra(self, draft: DraftAnalysis) -> Iterator[Finding]:
        pattern = self.settings.extra_pattern
        if pattern is None:
            return
        for match in pattern.finditer(draft.text):
            if not draft.is_quoted(match.start(), match.end()):
                yield self.finding(
                    match.start(), match.end(), self.extra_message, self.extra_suggestion
                )


def _ignored(pattern: Any, text: str, finding: Finding) -> bool:
    return any(m.start() < finding.end and finding.start < m.end() for m in pattern.finditer(text))
