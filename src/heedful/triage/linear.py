"""The fast first pass: hashed word and character n-grams into small linear heads.

Thousands of messages a second on one core, so a bulk import is never bound by it; the
fine-tuned network refines the result later. Its complaint head is also blended with the
network's (a cheap-feature ensemble; ``eval/triage.py`` measures both). Weights come from
``training/train_linear.py`` (scikit-learn at training time only) and are stored as a small
``.npz`` of plain arrays; nothing here needs scikit-learn.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from heedful.triage.encoder import MAX_CHARS, MODELS_DIR, FloatArray, ModelUnavailable, softmax

LINEAR_FILE = MODELS_DIR / "triage-linear.npz"
N_FEATURES = 1 << 18
WORD = re.compile(r"[a-z0-9']+|[!?]+|[^\sa-z0-9]", re.IGNORECASE)
URL = re.compile(r"https?://\S+")
MENTION = re.compile(r"@\w+")


def _tokens(text: str) -> list[str]:
    text = MENTION.sub(" @user ", URL.sub(" http ", text[:MAX_CHARS]))
    return [
        t.lower() if not t.isupper() or len(t) < 3 else f"{t.lower()}^" for t in WORD.findall(text)
    ]


def features(text: str) -> dict[int, float]:
    """Hashed, sublinear, L2-normalised counts of words, word pairs and in-word char 3-5-grams."""
    words = _tokens(text)
    grams = [f"w:{w}" for w in words]
    grams += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        grams += [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    mask = N_FEATURES - 1
    counts = Counter(zlib.crc32(gram.encode()) & mask for gram in grams)
    values = {i: 1.0 + math.log(c) for i, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {i: v / norm for i, v in values.items()}


class LinearModel:
    """Every head of the fast pass, loaded from one ``.npz``."""

    def __init__(self, path: Path = LINEAR_FILE) -> None:
        if not path.is_file():
            raise ModelUnavailable(f"fast-pass weights missing: {path} (run `make models`)")
        with np.load(path) as data:
            names = sorted({key.rsplit(".", 1)[0] for key in data.files})
            sizes = [int(data[f"{name}.bias"].shape[0]) for name in names]
            self._stacked = np.zeros((N_FEATURES, sum(sizes)), dtype=np.float32)
            self._bias = np.zeros(sum(sizes), dtype=np.float32)
            self._slices: dict[str, slice] = {}
            start = 0
            for name, size in zip(names, sizes, strict=True):
                part = slice(start, start + size)
                rows: npt.NDArray[np.int64] = data[f"{name}.rows"]
                self._stacked[rows, part] = data[f"{name}.coef"].astype(np.float32)
                self._bias[part] = data[f"{name}.bias"]
                self._slices[name] = part
                start += size

    def predict(self, text: str) -> dict[str, FloatArray]:
        """Every head's probabilities for one text (one gather over the stacked weights)."""
        feats = features(text)
        logits = self._bias.copy()
        if feats:
            index = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
            value = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
            logits += value @ self._stacked[index]
        return {name: softmax(logits[part]) for name, part in self._slices.items()}


@cache
def default_linear() -> LinearModel:
    return LinearModel()
