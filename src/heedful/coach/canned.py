"""Near-duplicate search over the replies a workspace has sent, for the ``canned`` rule.

Measure: Jaccard similarity of the sets of word bigrams ("shingles") of two replies, after
normalising them (lower case; @mentions, greetings' names, vocative names and signatures
removed; digits folded to ``#`` so order numbers don't make a template look personal).

Index: MinHash signatures (``num_perm`` universal hashes over 31-bit CRC32s of the shingles)
cut into ``bands`` bands for locality-sensitive hashing (Broder 1997; Leskovec, Rajaraman &
Ullman, *Mining of Massive Datasets*, ch. 3). A query hashes the draft once, looks up one
bucket per band, and verifies only the candidates it finds with the exact Jaccard measure,
so its cost does not grow with the size of the history. Identical normalised replies share
one entry with a list of who they went to and when. Built once per workspace and updated
with :meth:`SentReplyIndex.add` as replies are sent.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from heedful.coach.text import MENTION, URL, body_range

_MERSENNE = np.uint64((1 << 31) - 1)
_GREETING_NAME = re.compile(
    r"^\s*(?:hi|hey|hello|dear|thanks|thank\s+you|morning|evening|afternoon)(?:\s+there)?"
    r"[\s,]+[A-Z][\w'-]*\s*[,!.]",
    re.IGNORECASE,
)
_VOCATIVE = re.compile(r",\s+[A-Z][a-z'-]+(?=\s*[.!?])")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
Signature = npt.NDArray[np.uint64]
BUCKET_SAMPLE = 48
MAX_COUNTED = 100  # "sent to 100 or more others" is all the agent needs to know


def normalise(text: str) -> list[str]:
    """The words of a reply as the canned check compares them."""
    start, end = body_range(text)
    body = URL.sub(lambda m: " " + m.group(0).lower() + " ", MENTION.sub(" ", text[start:end]))
    body = _VOCATIVE.sub("", _GREETING_NAME.sub("hi,", body))
    tokens = []
    for word in _TOKEN.findall(body.lower().replace("’", "'")):
        tokens.append("#" if word.isdigit() else word)
    return tokens


def shingles(tokens: list[str]) -> frozenset[str]:
    return frozenset(f"{a} {b}" for a, b in pairwise(tokens))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True, slots=True)
class SentReply:
    text: str
    to: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CannedMatch:
    """Earlier replies nearly the same as the draft (one normalised text and its sends)."""

    example: str
    similarity: float
    others: int  # distinct other recipients (or sends without a recipient) in the window
    same_contact: bool  # it was sent to the draft's own contact in the window


@dataclass(slots=True)
class _Entry:
    example: str
    shingles: frozenset[str]
    sends: list[tuple[str | None, datetime | None]] = field(default_factory=list)


class SentReplyIndex:
    """MinHash-LSH index of sent replies; see the module docstring for the measure."""

    def __init__(self, *, num_perm: int = 60, bands: int = 20, min_words: int = 6) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        rng = np.random.default_rng(20171031)
        self._a = rng.integers(1, int(_MERSENNE), size=num_perm, dtype=np.uint64)
        self._b = rng.integers(0, int(_MERSENNE), size=num_perm, dtype=np.uint64)
        self._bands = bands
        self._rows = num_perm // bands
        self.min_words = min_words
        self._entries: list[_Entry] = []
        self._by_key: dict[str, int] = {}
        self._buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(bands)]
        self.sends = 0

    def __len__(self) -> int:
        return self.sends

    def add(self, text: str, to: str | None = None, sent_at: datetime | None = None) -> None:
        """Record one sent reply (O(1): hash it, put it in its buckets)."""
        tokens = normalise(text)
        if len(tokens) < self.min_words:
            return
        key = " ".join(tokens)
        entry_id = self._by_key.get(key)
        if entry_id is None:
            entry_id = self._new_entry(text, shingles(tokens))
            self._by_key[key] = entry_id
        self._entries[entry_id].sends.append((to, sent_at))
        self.sends += 1

    def add_many(self, replies: Iterable[SentReply]) -> None:
        for reply in replies:
            self.add(reply.text, reply.to, reply.sent_at)

    def _new_entry(self, text: str, grams: frozenset[str]) -> int:
        entry_id = len(self._entries)
        self._entries.append(_Entry(text, grams))
        for band, key in enumerate(self._band_keys(grams)):
            self._buckets[band][key].append(entry_id)
        return entry_id

    def _signature(self, grams: frozenset[str]) -> Signature:
        hashes = np.fromiter(
            (zlib.crc32(g.encode()) & 0x7FFFFFFF for g in grams), dtype=np.uint64, count=len(grams)
        )
        products = (hashes[:, None] * self._a[None, :] + self._b[None, :]) % _MERSENNE
        signature: Signature = products.min(axis=0)
        return signature

    def _band_keys(self, grams: frozenset[str]) -> list[bytes]:
        rows = self._signature(grams).reshape(self._bands, self._rows)
        return [row.tobytes() for row in rows]

    def similar(
        self,
        text: str,
        *,
        threshold: float,
        to: str | None = None,
        since: datetime | None = None,
        max_candidates: int = 64,
    ) -> list[CannedMatch]:
        """Earlier replies whose similarity to ``text`` is at least ``threshold``, most
        similar first; only sends at or after ``since`` count (sends without a time do)."""
        tokens = normalise(text)
        if len(tokens) < self.min_words:
            return []
        grams = shingles(tokens)
        matches = []
        for entry_id in self._candidates(" ".join(tokens), grams, max_candidates):
            entry = self._entries[entry_id]
            score = jaccard(grams, entry.shingles)
            if score >= threshold:
                match = _match(entry, score, to, since)
                if match is not None:
                    matches.append(match)
        return sorted(matches, key=lambda m: (-m.similarity, -m.others))

    def _candidates(self, key: str, grams: frozenset[str], limit: int) -> list[int]:
        hits: Counter[int] = Counter()
        exact = self._by_key.get(key)
        if exact is not None:
            hits[exact] += len(self._buckets)
        for band, band_key in enumerate(self._band_keys(grams)):
            bucket = self._buckets[band].get(band_key, ())
            hits.update(bucket[-BUCKET_SAMPLE:])  # the newest of a crowded bucket are enough
        return [entry_id for entry_id, _ in hits.most_common(limit)]


def _match(
    entry: _Entry, score: float, to: str | None, since: datetime | None
) -> CannedMatch | None:
    others: set[object] = set()
    same = False
    for index, (recipient, sent_at) in enumerate(reversed(entry.sends)):
        if len(others) >= MAX_COUNTED and (same or to is None):
            break
        if since is not None and sent_at is not None and sent_at < since:
            continue
        if to is not None and recipient == to:
            same = True
        else:
            others.add(recipient if recipient is not None else ("unnamed", index))
    if not others and not same:
        return None
    return CannedMatch(entry.example, round(score, 3), len(others), same)
