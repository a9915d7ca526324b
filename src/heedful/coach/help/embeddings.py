"""The semantic half of suggestions: sentence embeddings from the triage area's encoder
(:func:`heedful.triage.encoder.default_encoder`, the fine-tuned all-MiniLM-L6-v2 network, whose
``embedding`` output is L2-normalised). Nothing is downloaded; if the model cannot be loaded,
:func:`default_embedder` returns None and suggestions fall back to keywords alone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[Vector]: ...


class TriageEmbedder:
    """Triage's encoder, batched; texts are cut to the first 2,000 characters."""

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        from heedful.triage.encoder import default_encoder

        outputs = default_encoder().run([t[:2000] for t in texts])
        return [np.asarray(o.embedding, dtype=np.float32) for o in outputs]


@cache
def default_embedder() -> Embedder | None:
    embedder = TriageEmbedder()
    try:
        embedder.embed(["warm-up"])
    except Exception:  # a missing model must not break keyword suggestions
        log.warning("triage encoder unavailable; suggestions use keywords only", exc_info=True)
        return None
    return embedder


def pack(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def unpack(blob: bytes) -> Vector:
    return np.frombuffer(blob, dtype=np.float32)
