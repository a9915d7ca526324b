"""The learned half of the language rules: a small linear model per rule (``blame``,
``dismissive``, ``generic_redirect``) over hashed word and character n-grams of the reply.

The phrase rules catch what they were written for; this catches the paraphrases they miss
("substitutions are down to the partner store", "you were within the minimum term, so the fee
is correct"). A rule fires when its phrases match **or** when its model's probability reaches
the rule's threshold (chosen on held-out folds of the training corpus for precision; see
``models/MODEL_CARD.md`` and ``training/train_coach.py``). The finding then points at the
sentence the model scores highest.

Features (``FEATURES_VERSION``): the reply's body (leading @mentions and the signature cut),
lower-cased, with e-mail addresses, links, phone numbers and other numbers replaced by marker
tokens (a link keeps the words of its host and path, and says whether it is a deep link);
word 1–3-grams and in-word character 2–5-grams, each hashed (CRC-32) into ``N_BUCKETS``,
sub-linear counts times the IDF of the training corpus, each block L2-normalised; buckets never
seen in training are dropped (the stored vocabulary is the list of buckets seen).

The model file is read once, on first use (``default_model``); if it is missing or broken the
rules keep working on their phrases alone and the log says so once. Scoring a tweet-sized draft
takes well under a millisecond.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from heedful.coach.text import SIGNATURE

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODELS_DIR / "coach-linear.npz"
META_FILE = MODELS_DIR / "coach-linear.json"
FEATURES_VERSION = 1
N_BUCKETS = 1 << 20
WORD_NGRAMS = (1, 2, 3)
CHAR_NGRAMS = (2, 3, 4, 5)

_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+[:,]?\s*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|co\.uk|org|net|example|io|gov|uk|help|app|ly|is|co|to|tv)"
    r"(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
_NUMBER = re.compile(r"\d+")
_ROLE_MAILBOX = re.compile(
    r"^(?:support|help|care|info|hello|contact|customer|service|enquir|inquir|complain|claims"
    r"|refund|billing|feedback|team|orders|returns|documents|bookings|reservations|accounts"
    r"|damage|noreply|no-reply|admin|office|sales|pensions|reportphish|abuse|security|privacy)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[\w']+|[^\w\s]")
_WORD = re.compile(r"[\w']+")
_HOST_NOISE = frozenset(
    {"com", "co", "uk", "org", "net", "example", "www", "io", "gov", "en", "us"}
)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def word_count(text: str) -> int:
    return len(_WORD.findall(body_text(text)))


def body_text(text: str) -> str:
    """The reply without leading @mentions and a trailing signature (links are kept)."""
    text = _LEADING_MENTIONS.sub("", text.translate(_PLAIN))
    signature = SIGNATURE.search(text)
    if signature and signature.start() > 0:
        text = text[: signature.start()]
    return text.strip()


def _link_tokens(match: re.Match[str]) -> str:
    link = re.sub(r"^(?:https?://)?(?:www\.)?", "", match.group(0).lower()).rstrip(".,;:!?)")
    host, _, path = link.partition("/")
    segments = [s for s in re.split(r"[/?#=&]+", path) if s]
    deep = len(segments) >= 2 or any(len(s) > 12 or any(c.isdigit() for c in s) for s in segments)
    depth = "zlinkdeep" if deep else "zlinkpath" if segments else "zlinkroot"
    host_words = [f"h_{w}" for w in re.findall(r"[a-z]+", host) if w not in _HOST_NOISE]
    path_words = re.findall(r"[a-z]+", " ".join(segments))
    return f" zlink {depth} {' '.join(host_words)} {' '.join(path_words)} "


def _email_tokens(match: re.Match[str]) -> str:
    kind = "zrolemail" if _ROLE_MAILBOX.match(match.group(0)) else "zpersonmail"
    return f" zemail {kind} "


def normalise(text: str) -> str:
    """What the model reads: the body, lower-cased, contacts and numbers as marker tokens."""
    out = _EMAIL.sub(_email_tokens, body_text(text))
    out = _URL.sub(_link_tokens, out)
    out = _PHONE.sub(" zphone ", out)
    out = _NUMBER.sub(" znum ", out)
    return " ".join(out.lower().split())


# The customer asks where or how to reach someone, or for a number, address, link or form: then
# a reply that gives one is an answer, not a redirect. (Shared with the generic_redirect rule.)
ASKED_WHERE = re.compile(
    r"\bwhat(?:'s|\s+is|\s+are)\s+(?:the|your)\s+(?:[\w-]+\s+){0,3}?(?:number|e-?mail|address|link"
    r"|web\s*site|page|form|site|url|hours|line|helpline|contact)"
    r"|\bhow\s+(?:do|can|could|would|should)\s+i\s+(?:best\s+)?(?:contact|reach|get\s+(?:in\s+touch"
    r"|hold|through)|speak|talk|call|ring|e-?mail|complain|claim|report|find|make|raise|apply"
    r"|submit|request|send)"
    r"|\bwhere\s+(?:can|do|should|would)\s+i\b|\bwhere(?:'s|\s+is|\s+are)\s+(?:the|your)\b"
    r"|\b(?:is|are)\s+there\s+(?:a|an|any)\s+(?:[\w-]+\s+){0,2}?(?:form|number|line|page|e-?mail"
    r"|helpline|chat|phone|address|link|site|team|department|person|one)\b"
    r"|\bis\s+there\s+(?:a|any)\s+way\s+(?:to|i\s+can|of)\s+(?:contact|reach|speak|talk|call"
    r"|e-?mail|complain|get\s+(?:in\s+touch|hold))"
    r"|\bdo\s+you\s+(?:guys\s+)?have\s+(?:a|an|any)\s+(?:[\w-]+\s+){0,2}?(?:helpline|number|line"
    r"|chat|e-?mail|form|page|phone|support|team|department|address|site)"
    r"|\b(?:who|which\s+\w+)\s+(?:can|should|do|would)\s+i\s+(?:contact|call|ring|speak|talk"
    r"|e-?mail|ask|write)"
    r"|\bbest\s+way\s+to\s+(?:reach|contact|get\s+(?:in\s+touch|hold)|speak|talk|complain)"
    r"|\bcan\s+i\s+(?:ring|call|phone|speak|talk|e-?mail|contact|write|visit|chat)"
    r"|\b(?:what|which)\s+(?:page|site|link|number|form|e-?mail|address|team|department)"
    r"|\bhow\s+long\s+(?:does|will|do|did|should|would)\b"
    r"|\b(?:want|like|need)\s+to\s+(?:know|have|get)\s+(?:your|the)\s+(?:[\w-]+\s+){0,4}?(?:number"
    r"|e-?mail|address|location|contact|details|link)"
    r"|\b(?:send|give|tell|provide)\s+(?:me|us)\s+(?:with\s+)?(?:your|the|a)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:number|e-?mail|address|contact|link)",
    re.IGNORECASE,
)


def context_tokens(*, upset: bool, complaining: bool, asked_where: bool) -> tuple[str, ...]:
    """What the model is told about the customer's message: upset (the coach's mood cues),
    else complaining (triage's fast pass, :class:`heedful.coach.mood.ComplaintReader`), else
    calm; and whether they asked where or how to get help (:data:`ASKED_WHERE`)."""
    mood = "zupset" if upset else "zcomplain" if complaining else "zcalm"
    return (mood, *(("zasked",) if asked_where else ()))


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & (N_BUCKETS - 1)


def ngram_counts(text: str, context: Sequence[str] = ()) -> tuple[Counter[int], Counter[int]]:
    """Hashed word n-gram and character n-gram counts of ``text`` (a reply); ``context``
    tokens (see :func:`context_tokens`) go first, so they pair with the reply's first words."""
    reply = _TOKEN.findall(normalise(text))
    tokens = [*context, *reply]
    words: Counter[int] = Counter()
    for n in WORD_NGRAMS:
        for i in range(len(tokens) - n + 1):
            words[_bucket("w" + " ".join(tokens[i : i + n]))] += 1
    chars: Counter[int] = Counter()
    for token in reply:  # the context is a word feature only
        padded = f" {token} "
        for n in CHAR_NGRAMS:
            for i in range(len(padded) - n + 1):
                chars[_bucket("c" + padded[i : i + n])] += 1
    return words, chars


def vectorise(
    text: str, rows: IntArray, idf: FloatArray, context: Sequence[str] = ()
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """The model's input for ``text``: positions in ``rows`` (the buckets seen in training)
    and values — sub-linear counts times IDF, each block L2-normalised, then summed. Buckets
    never seen in training are dropped, as a fitted vocabulary would drop unknown n-grams."""
    merged: dict[int, float] = {}
    for counts in ngram_counts(text, context):
        if not counts:
            continue
        keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        positions = np.searchsorted(rows, keys)
        positions[positions >= len(rows)] = 0
        known = rows[positions] == keys if len(rows) else np.zeros(len(keys), dtype=bool)
        positions, tf = positions[known], tf[known]
        values = (1.0 + np.log(tf)) * idf[positions]
        norm = float(np.sqrt(np.dot(values, values))) or 1.0
        for position, value in zip(positions.tolist(), (values / norm).tolist(), strict=True):
            merged[position] = merged.get(position, 0.0) + value
    positions_out = np.fromiter(merged.keys(), dtype=np.intp, count=len(merged))
    values_out = np.fromiter(merged.values(), dtype=np.float32, count=len(merged))
    return positions_out, values_out


@dataclass(frozen=True)
class LinearModel:
    """Per-rule logistic-regression weights over the hashed features, with thresholds."""

    rules: tuple[str, ...]
    rows: IntArray  # sorted bucket ids seen in training (the vocabulary)
    idf: FloatArray  # (len(rows),)
    weights: FloatArray  # (len(rows), len(rules))
    bias: FloatArray  # (len(rules),)
    thresholds: dict[str, float]
    meta: dict[str, Any]

    def min_words(self, rule: str) -> int:
        """Replies with fewer words than this (in the body) are left to the phrase rules."""
        value = self.meta.get("min_words", {}).get(rule, 0)
        return int(value)

    def probabilities(self, text: str, context: Sequence[str] = ()) -> dict[str, float]:
        """Each rule's probability that ``text`` (a whole reply or one sentence) breaks it."""
        return self.probabilities_many([text], context)[0]

    def probabilities_many(
        self, texts: Sequence[str], context: Sequence[str] = ()
    ) -> list[dict[str, float]]:
        out = []
        for text in texts:
            positions, values = vectorise(text, self.rows, self.idf, context)
            logits = values @ self.weights[positions] + self.bias
            probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
            out.append({rule: float(p) for rule, p in zip(self.rules, probs, strict=True)})
        return out

    @classmethod
    def load(cls, model_file: Path = MODEL_FILE, meta_file: Path = META_FILE) -> LinearModel:
        meta: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("features_version") != FEATURES_VERSION:
            raise ValueError(
                f"{model_file.name} was trained on features version "
                f"{meta.get('features_version')}, this code makes {FEATURES_VERSION}"
            )
        with np.load(model_file) as arrays:
            rows = np.asarray(arrays["rows"], dtype=np.int64)
            idf = np.asarray(arrays["idf"], dtype=np.float32)
            weights = np.asarray(arrays["weights"], dtype=np.float32)
            bias = np.asarray(arrays["bias"], dtype=np.float32)
        rules = tuple(str(r) for r in meta["rules"])
        shapes_ok = idf.shape == (len(rows),) and bias.shape == (len(rules),)
        if not shapes_ok or weights.shape != (len(rows), len(rules)):
            raise ValueError(f"{model_file.name}: weights do not match the rules in the metadata")
        thresholds = {str(k): float(v) for k, v in meta["thresholds"].items()}
        return cls(rules, rows, idf, weights, bias, thresholds, meta)


@cache
def default_model() -> LinearModel | None:
    """The shipped model, loaded on first use; None (logged once) when it cannot be read."""
    try:
        return LinearModel.load()
    except Exception:  # a missing model must not take the phrase rules down
        log.warning("coach model unavailable; rules use their phrases only", exc_info=True)
        return None


def best_sentence(
    model: LinearModel,
    rule: str,
    sentences: Iterable[tuple[int, int, str]],
    context: Sequence[str] = (),
) -> tuple[int, int, float] | None:
    """The sentence (start, end, probability) the model scores highest for ``rule``."""
    spans = [(start, end, text) for start, end, text in sentences if text.strip()]
    if not spans:
        return None
    scored = model.probabilities_many([text for _, _, text in spans], context)
    best = max(range(len(spans)), key=lambda i: scored[i][rule])
    start, end, _ = spans[best]
    return start, end, scored[best][rule]
