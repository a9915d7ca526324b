"""The coach: runs every enabled rule over a draft and returns the findings."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from heedful.clock import Clock, SystemClock
from heedful.coach.analysis import DraftAnalysis, PromiseExtractor
from heedful.coach.config import CoachConfig
from heedful.coach.draft import Draft
from heedful.coach.findings import Finding, sort_findings
from heedful.coach.learned import LinearModel, default_model
from heedful.coach.mood import ComplaintReader, CueMoodReader, MoodReader
from heedful.coach.registry import rule_classes
from heedful.coach.rules.base import Rule
from heedful.domain.promises import ExtractedPromise
from heedful.errors import ConfigError

if TYPE_CHECKING:
    from heedful.coach.canned import SentReplyIndex

log = logging.getLogger(__name__)


def default_promise_extractor(text: str, sent_at: datetime) -> Sequence[ExtractedPromise]:
    """The care area's extractor; if it cannot be loaded, the promise rules stay quiet (and
    say so once in the log) rather than breaking every other rule."""
    extract = _care_extractor()
    if extract is None:
        return ()
    try:
        return extract(text, sent_at)
    except Exception:  # a bug there must not take the other rules down with it
        log.warning("promise extractor failed on a draft; promise rules skip it", exc_info=_once())
        return ()


_told: list[bool] = []


def _once() -> bool:
    """True the first time only: the traceback is logged once per process."""
    first = not _told
    if first:
        _told.append(True)
    return first


@cache
def _care_extractor() -> PromiseExtractor | None:
    try:
        from heedful.care.promises import extract_promises
    except Exception:  # a broken neighbour must not take the whole coach down
        log.warning("promise extractor unavailable; promise rules are off", exc_info=True)
        return None
    return extract_promises


class Coach:
    """A configured set of rules. Build one per workspace (cheap) and reuse it."""

    def __init__(
        self,
        config: CoachConfig | None = None,
        *,
        rules: Iterable[Rule[Any]] | None = None,
        mood_reader: MoodReader | None = None,
        promise_extractor: PromiseExtractor | None = None,
        clock: Clock | None = None,
        model: LinearModel | None = None,
        use_model: bool = True,
        complaint_reader: ComplaintReader | None = None,
    ) -> None:
        self.config = config or CoachConfig()
        self.rules = list(rules) if rules is not None else configure_rules(self.config)
        self.mood_reader = mood_reader or CueMoodReader()
        self.promise_extractor = promise_extractor or default_promise_extractor
        self.clock = clock or SystemClock()
        self._model = model
        self.use_model = use_model
        self.complaint_reader = complaint_reader or default_complaint_reader()

    def model(self) -> LinearModel | None:
        """The learned rules' model: the one given, else the shipped one (loaded on first use);
        None when ``use_model`` is off — the language rules then use their phrases alone."""
        if not self.use_model:
            return None
        return self._model if self._model is not None else default_model()

    def analyse(self, draft: Draft, history: SentReplyIndex | None = None) -> DraftAnalysis:
        return DraftAnalysis(
            draft,
            now=self.clock.now(),
            mood_reader=self.mood_reader,
            promise_extractor=self.promise_extractor,
            history=history,
            model=self.model,
            complaint_reader=self.complaint_reader if self.use_model else None,
        )

    def check(self, draft: Draft, history: SentReplyIndex | None = None) -> list[Finding]:
        """Findings for ``draft``, most severe first; ``history`` feeds the canned check."""
        analysis = self.analyse(draft, history)
        findings = [finding for rule in self.rules for finding in rule.check(analysis)]
        return sort_findings(findings)


@cache
def default_complaint_reader() -> ComplaintReader:
    """One per process: it caches triage's reading of each customer message."""
    return ComplaintReader()


def configure_rules(config: CoachConfig) -> list[Rule[Any]]:
    """Every installed rule, configured from the workspace's settings."""
    classes = rule_classes()
    unknown = sorted(set(config.rules) - set(classes))
    if unknown:
        raise ConfigError(f"coach settings name unknown rules: {', '.join(unknown)}")
    rules = []
    for rule_id, cls in classes.items():
        try:
            rules.append(cls.configure(config.raw_settings(rule_id)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"coach rule {rule_id}: {where}: {first['msg']}") from None
    return rules


def check_draft(
    draft: Draft, config: CoachConfig | None = None, history: SentReplyIndex | None = None
) -> list[Finding]:
    """One-shot convenience: build a coach with ``config`` and check ``draft``."""
    return Coach(config).check(draft, history)
