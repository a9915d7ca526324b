"""A draft, read once: sentences, quotations, the reply's body, the customer's mood, the
promises it makes. Rules share this so each piece of work is done at most once per check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from heedful.coach.draft import Draft
from heedful.coach.mood import Mood, MoodReader
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
    ) -> None:
        self.draft = draft
        self.text = draft.text
        self.plain = draft.text.translate(PLAIN)  # same offsets, straight quotes
        self.now = draft.now or now
        self.history = history
        self._mood_reader = mood_reader
        self._promise_extractor = promise_extractor

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
