"""Pattern cues: a regular expression plus the grammar around it that cancels it (a negation
before it, a question, a conditional, words quoted from someone else). Rules built from cues
stay declarative: a table of cues and the words to show the agent."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from heedful.coach.analysis import DraftAnalysis

Predicate = Callable[[DraftAnalysis], bool]
FLAGS = re.IGNORECASE
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")


def rx(*parts: str) -> re.Pattern[str]:
    """Compile a case-insensitive pattern from adjacent pieces (for readable tables)."""
    return re.compile("".join(parts), FLAGS)


@dataclass(frozen=True, slots=True)
class Cue:
    """One way a rule's problem shows up in a draft.

    ``unless_before`` is searched in the same sentence, before the match (up to 60 chars);
    ``only_after`` must be found there (the sentence is read without its leading @mentions);
    ``unless_after`` is matched right after it; ``unless_sentence`` anywhere in the sentence;
    ``when`` must hold for the draft (e.g. the customer is upset).
    """

    pattern: re.Pattern[str]
    message: str
    suggestion: str
    unless_before: re.Pattern[str] | None = None
    only_after: re.Pattern[str] | None = None  # must match the sentence's text before the hit
    unless_after: re.Pattern[str] | None = None
    unless_sentence: re.Pattern[str] | None = None
    when: Predicate | None = None
    quoted_ok: bool = False  # fire even inside quotation marks


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    cue: Cue


def find_cues(draft: DraftAnalysis, cues: Iterable[Cue]) -> Iterator[Hit]:
    """Every match of every cue that its guards let through; overlapping hits are merged."""
    hits = sorted(
        (hit for cue in cues for hit in _cue_hits(draft, cue)), key=lambda h: (h.start, -h.end)
    )
    last_end = -1
    for hit in hits:
        if hit.start >= last_end:
            yield hit
            last_end = hit.end


def _cue_hits(draft: DraftAnalysis, cue: Cue) -> Iterator[Hit]:
    if cue.when is not None and not cue.when(draft):
        return
    for match in cue.pattern.finditer(draft.plain):
        start, end = match.span()
        if start != end and _allowed(draft, cue, start, end):
            yield Hit(start, end, cue)


def _allowed(draft: DraftAnalysis, cue: Cue, start: int, end: int) -> bool:
    sentence = draft.sentence_at(start)
    text = draft.plain
    before = _LEADING_MENTIONS.sub("", text[sentence.start : start])
    if cue.only_after is not None and not cue.only_after.search(before):
        return False
    if cue.unless_before is not None and cue.unless_before.search(before[-60:]):
        return False
    if cue.unless_after is not None and cue.unless_after.match(text, end):
        return False
    if cue.unless_sentence is not None and cue.unless_sentence.search(
        text, sentence.start, sentence.end
    ):
        return False
    return cue.quoted_ok or not draft.is_quoted(start, end)


def customer_upset(draft: DraftAnalysis) -> bool:
    return draft.mood.upset
