"""Small, fast text helpers the rules share: sentences, quotations, reported speech, the body
of a reply without its @mentions, links and signature. Offsets always refer to the raw draft."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@\w+(?:@[\w.-]+\w)?")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")
_QUOTE_PAIRS = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|«[^»\n]{1,200}»|„[^“”\n]{1,200}[“”]")
_SINGLE_QUOTED = re.compile(r"(?<![\w'’])['‘](?=\S)[^'‘’\n]{1,120}?(?<=\S)['’](?![\w])")
# Someone other than the writer said it: "you were told", "our agent said", "they claimed".
_REPORTER = re.compile(
    r"\b(?:(?:you|u)\s+(?:were|was|have\s+been|'ve\s+been|’ve\s+been|got|had\s+been)\s+"
    r"(?:told|informed|advised)"
    r"|(?:agent|colleague|advisor|adviser|staff|member|driver|crew|representative|rep|he|she"
    r"|they|someone|somebody|store|manager|message|email|letter|reply|tweet|post|you|u)"
    r"\s+(?:had\s+|has\s+|have\s+)?(?:told\s+you|told\s+u|said|says|claimed|claims|suggested"
    r"|insisted|stated|wrote|replied|quoted)"
    r"|being\s+told|to\s+be\s+told|quoting|(?<!not\s)saying|claiming)\b",
    re.IGNORECASE,
)
_CONTRAST = re.compile(r"\b(?:but|however|though|yet|although)\b|[;:—–]", re.IGNORECASE)
SIGNATURE = re.compile(
    r"(?:\s*(?:[\^*~/]|-{1,2}|–|—)\s?[A-Z][\w.]{0,24}(?:\s[A-Z][\w.]{0,20})?"
    r"|\s*\^\s?[A-Za-z]{1,4})\s*$"
)
_TRAILER = re.compile(r"(?:\s*(?:\(?\d/\d\)?|https?://\S+|[\U0001F300-\U0001FAFF☀-➿]))+\s*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets: a cheap splitter for tweet-sized texts."""
    out: list[Sentence] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        _add_sentence(out, text, pos, match.start())
        pos = match.end()
    _add_sentence(out, text, pos, len(text))
    return out


def _add_sentence(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Spans inside quotation marks: words the writer quotes rather than says."""
    ranges = [(m.start(), m.end()) for m in _QUOTE_PAIRS.finditer(text)]
    ranges += [(m.start(), m.end()) for m in _SINGLE_QUOTED.finditer(text)]
    return sorted(ranges)


def inside(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def overlaps(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in ranges)


def reported_before(text: str, sentence_start: int, start: int) -> bool:
    """True when, shortly before ``start`` in the same sentence, someone other than the writer
    is reported as saying it ("you were told it's not our fault", "the agent said …")."""
    window = max(sentence_start, start - 80)
    found = None
    for match in _REPORTER.finditer(text, window, start):
        found = match
    if found is None:
        return False
    return _CONTRAST.search(text, found.end(), start) is None


def body_range(text: str) -> tuple[int, int]:
    """The reply without leading @mentions and without a trailing signature, links, emoji or
    thread counter ("1/2")."""
    start = 0
    for match in re.finditer(r"\s*@\w+", text):
        if match.start() != start:
            break
        start = match.end()
    end = len(text)
    for pattern in (_TRAILER, SIGNATURE, _TRAILER):
        found = pattern.search(text, start, end)
        if found and found.end() == end and found.start() > start:
            end = found.start()
    while start < end and text[start].isspace():
        start += 1
    return start, end


def words(text: str) -> Iterator[re.Match[str]]:
    return re.finditer(r"[^\W_]+(?:['’][^\W_]+)*", text)


_ENGLISH_WORDS_TEXT = (
    "the to you we i a is it and for of your our this that can please be me us on in with "
    "will have are sorry thanks thank hi hey hello let know here there not no what how when"
)
_ENGLISH_WORDS = frozenset(_ENGLISH_WORDS_TEXT.split())
_OTHER_WORDS_TEXT = (
    "el la los las que de por para con una es esto está qué lo le les nous vous est pas une "
    "des du au der die das und ist nicht ich sie wir ein eine een het ik niet je il che per "
    "non è não você eu uma obrigado gracias merci danke hola bonjour"
)
_OTHER_WORDS = frozenset(_OTHER_WORDS_TEXT.split())


def looks_english(text: str) -> bool:
    """A cheap language guess for tweet-sized replies: mostly Latin letters, and more common
    English words than common Spanish, French, German, Dutch, Italian or Portuguese ones."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    if sum(1 for ch in letters if ch.isascii()) < 0.7 * len(letters):
        return False
    tokens = [m.group(0).lower() for m in words(text)]
    english = sum(1 for t in tokens if t in _ENGLISH_WORDS)
    other = sum(1 for t in tokens if t in _OTHER_WORDS)
    return other == 0 or english > other
