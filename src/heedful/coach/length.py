"""How long a reply is, the way each platform counts it.

* **X** — twitter-text's "weighted length" (config v3, the published counting rules in the
  twitter-text repository's docs and ``config/v3.json``): text is NFC-normalised; every URL
  counts as 23 (``transformedURLLength``); every emoji sequence counts as 2; every other code
  point weighs 1 if it falls in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or U+2032–U+2037
  and 2 otherwise (so CJK counts double); the limit is 280. URLs are recognised by scheme,
  ``www.`` or a common top-level domain — a subset of twitter-text's full TLD list. The
  @names at the start of a reply are not counted (X, 2017: "@names in replies" no longer
  count towards the limit).
* **Mastodon** — 500 characters by default (``StatusLengthValidator``): every URL counts as 23
  characters, a remote mention ``@user@domain`` counts as ``@user``, and characters are
  grapheme clusters.
* **Bluesky** — 300 graphemes (the ``app.bsky.feed.post`` lexicon's ``maxGraphemes``), URLs
  as written.
* **characters** — code points, for channels with a plain character limit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from enum import StrEnum

import regex

X_URL_WEIGHT = 23
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_TLDS = (
    "com|org|net|edu|gov|io|co|uk|us|ca|de|fr|es|it|nl|ie|au|in|jp|me|ly|app|help|support|info"
    "|biz|tv|eu|dev|ai|store|shop|online|site|tech|news|social|link"
)
_URL = regex.compile(
    r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]'’]"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"]*[^\s<>\".,;:!?)])?",
    regex.IGNORECASE,
)
_MASTODON_MENTION = regex.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w")
_EMOJI = regex.compile(
    r"(?:\p{Regional_Indicator}{2}"
    r"|[0-9#*]\uFE0F?\u20E3"
    r"|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?"
    r"(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*)"
)


class Counting(StrEnum):
    X = "x"
    MASTODON = "mastodon"
    GRAPHEMES = "graphemes"
    CHARACTERS = "characters"


SCALE = 100  # costs are in hundredths of a character (X weighs some characters 2)


def units(text: str, counting: Counting) -> Iterator[tuple[int, int]]:
    """(offset in ``text``, cost in hundredths of a character) for each counted unit."""
    if counting is Counting.X:
        yield from _x_units(text)
    elif counting is Counting.MASTODON:
        yield from _mastodon_units(text)
    elif counting is Counting.GRAPHEMES:
        for match in regex.finditer(r"\X", text):
            yield match.start(), SCALE
    else:
        for offset in range(len(text)):
            yield offset, SCALE


def measure(text: str, counting: Counting) -> int:
    """The length of ``text`` as the platform counts it."""
    return -(-sum(cost for _, cost in units(text, counting)) // SCALE)


def overflow_offset(text: str, counting: Counting, limit: int) -> int | None:
    """Offset of the first unit past ``limit``, or None when the text fits."""
    total = 0
    for offset, cost in units(text, counting):
        total += cost
        if total > limit * SCALE:
            return offset
    return None


_REPLY_MENTIONS = regex.compile(r"^(?:\s*@\w+)+\s*")


def _x_units(text: str) -> Iterator[tuple[int, int]]:
    # Offsets refer to the text as given; NFC only changes how combining marks are weighed.
    # The @names a reply starts with don't count (X's 2017 change for replies).
    leading = _REPLY_MENTIONS.match(text)
    pos = leading.end() if leading else 0
    for match in _URL.finditer(text):
        yield from _x_plain(text, pos, match.start())
        yield match.start(), X_URL_WEIGHT * 100
        pos = match.end()
    yield from _x_plain(text, pos, len(text))


def _x_plain(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        emoji = _EMOJI.match(text, pos, end)
        if emoji and emoji.end() > pos and not text[pos].isdigit():
            yield pos, 200
            pos = emoji.end()
            continue
        char = unicodedata.normalize("NFC", text[pos])
        light = any(a <= ord(char[0]) <= b for a, b in _X_LIGHT_RANGES)
        yield pos, 100 if light else 200
        pos += 1


def x_weighted_length(text: str) -> int:
    """twitter-text's weighted length (in characters: 280 is the limit)."""
    return measure(text, Counting.X)


def _mastodon_units(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _URL.finditer(text):
        yield from _graphemes(text, pos, match.start())
        yield match.start(), 23 * SCALE
        pos = match.end()
    yield from _graphemes(text, pos, len(text))


def _graphemes(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    skip_until = -1
    mentions = {m.end(1): m.end() for m in _MASTODON_MENTION.finditer(text, start, end)}
    for match in regex.finditer(r"\X", text[start:end]):
        offset = start + match.start()
        if offset < skip_until:
            continue
        skip_until = mentions.get(offset, -1)
        if skip_until == -1:
            yield offset, SCALE
