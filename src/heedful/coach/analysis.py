"""A draft, read once: sentences, quotations, the reply's body, the customer's mood, the
promises it makes. Rules share this so each piece of work is done at most once per check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from heedful.coach.draft import Draft
from heedful.coach.learned import ASKED_WHERE, LinearModel, best_sentence, context_tokens
from heedful.coach.mood import ComplaintReader, Mood, MoodReader
from heedful.coach.text import (
    Sentence,
    body_range,
    inside,
    looks_english,
    quoted_ranges,
    reported_before,
    split_sentences,
)
from heedful.domain.promises import ExtractedPromise

if TYPE_CHECKING:
    from heedful.coach.canned import SentReplyIndex

PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
PromiseExtractor = Callable[[str, datetime], Sequence[ExtractedPromise]]
ModelProvider = Callable[[], LinearModel | None]


def _no_model() -> LinearModel | None:
    return None


class DraftAnalysis:
    """What every rule may ask about the draft. Built by :class:`heedful.coach.Coach`."""

    def __init__(
        self,
        draft: Draft,
        *,
        now: datetime,
        mood_reader: MoodReader,
        promise_extractor: PromiseExtractor,
        history: SentReplyIndex | None = None,
        model: ModelProvider = _no_model,
        complaint_reader: ComplaintReader | None = None,
    ) -> None:
        self.draft = draft
        self.text = draft.text
        self.plain = draft.text.translate(PLAIN)  # same offsets, straight quotes
        self.now = draft.now or now
        self.history = history
        self._mood_reader = mood_reader
        self._promise_extractor = promise_extractor
        self._model = model
        self._complaint_reader = complaint_reader

    @cached_property
    def sentences(self) -> list[Sentence]:
        return split_sentences(self.text)

    @cached_property
    def quoted(self) -> list[tuple[int, int]]:
        return quoted_ranges(self.plain)

    @cached_property
    def body(self) -> tuple[int, int]:
        """Offsets of the reply without leading @mentions and the trailing signature."""
        return body_range(self.text)

    @property
    def body_text(self) -> str:
        start, end = self.body
        return self.text[start:end]

    @cached_property
    def english(self) -> bool:
        """Whether the draft reads as English: the word-list rules only know English."""
        return looks_english(self.body_text)

    @cached_property
    def mood(self) -> Mood:
        if not self.draft.customer.strip():
            return Mood(upset=False)
        return self._mood_reader.read(self.draft.customer)

    @cached_property
    def promises(self) -> list[ExtractedPromise]:
        return list(self._promise_extractor(self.text, self.now))

    @cached_property
    def model(self) -> LinearModel | None:
        """The learned rules' model (:mod:`heedful.coach.learned`), or None without one."""
        return self._model()

    @cached_property
    def complaining(self) -> bool:
        """The customer's message reads as a complaint or negative to triage's fast pass (a
        broader, softer signal than :attr:`mood`; False without triage)."""
        customer = self.draft.customer
        reader = self._complaint_reader
        return bool(reader.complaining(customer)) if reader and customer.strip() else False

    @cached_property
    def model_context(self) -> tuple[str, ...]:
        return context_tokens(
            upset=self.mood.upset,
            complaining=self.complaining,
            asked_where=ASKED_WHERE.search(self.draft.customer) is not None,
        )

    def model_flags(self, rule: str) -> bool:
        """Whether the learned model for ``rule`` reaches its shipped threshold on the reply."""
        model = self.model
        probability = self.model_scores.get(rule)
        threshold = model.thresholds.get(rule) if model is not None else None
        return probability is not None and threshold is not None and probability >= threshold

    @cached_property
    def model_scores(self) -> dict[str, float]:
        """Each learned rule's probability for the whole reply (empty without a model)."""
        model = self.model
        if model is None or not self.body_text.strip():
            return {}
        return model.probabilities(self.text, self.model_context)

    def model_span(self, rule: str) -> tuple[int, int]:
        """The sentence of the reply's body that the model scores highest for ``rule``."""
        start, end = self.body
        sentences = [
            (max(s.start, start), min(s.end, end), s.text)
            for s in self.sentences
            if s.end > start and s.start < end
        ]
        model = self.model
        best = None if model is None else best_sentence(model, rule, sentences, self.model_context)
        return (best[0], best[1]) if best else (start, max(end, start + 1))

    def sentence_at(self, offset: int) -> Sentence:
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        return Sentence(0, len(self.text), self.text)

    def is_quoted(self, start: int, end: int) -> bool:
        """Inside quotation marks, or reported as someone else's words in the same sentence."""
        if inside(self.quoted, start, end):
            return True
        return reported_before(self.plain, self.sentence_at(start).start, start)
