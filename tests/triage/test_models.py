"""The shipped models load offline, lazily, and agree with themselves."""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pytest

from heedful.triage.encoder import Encoder, default_encoder, model_meta, tokenizer_path
from heedful.triage.linear import default_linear, features


def test_importing_triage_loads_no_model() -> None:
    code = (
        "import sys, heedful.triage.result, heedful.cli.triage; print('onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_model_runs_with_the_network_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("triage tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    encoder = Encoder()
    rows = encoder.run(["my flight got cancelled", "thanks!", ""])
    assert len(rows) == 3
    for row in rows:
        assert row.embedding.shape == (384,)
        assert abs(float(np.linalg.norm(row.embedding)) - 1.0) < 1e-3
        for probabilities in row.probabilities.values():
            assert abs(float(probabilities.sum()) - 1.0) < 1e-4


def test_batching_moves_scores_only_a_little() -> None:
    """Dynamic int8 quantises activations per batch, so a message's scores move slightly with
    its batch-mates (never its row order); labels only flip right at a threshold."""
    texts = [
        "thanks so much, lovely service today",
        "my phone screen cracked after one day and nobody will replace it, useless",
        "ok",
    ]
    one_by_one = [default_encoder().run([t])[0] for t in texts]
    batched = default_encoder().run(texts)
    shuffled = default_encoder().run(texts[::-1])[::-1]
    for single, many, again in zip(one_by_one, batched, shuffled, strict=True):
        for head in ("complaint", "sentiment", "topic"):
            assert np.allclose(single.probabilities[head], many.probabilities[head], atol=0.1)
            assert np.allclose(many.probabilities[head], again.probabilities[head], atol=1e-5)
    for single, many in zip(one_by_one[:2], batched[:2], strict=True):
        for head in ("complaint", "sentiment"):
            assert single.probabilities[head].argmax() == many.probabilities[head].argmax()


def test_default_encoder_is_cached() -> None:
    assert default_encoder() is default_encoder()


def test_tokenizer_comes_from_an_installed_wheel() -> None:
    path = tokenizer_path()
    assert path.name == "tokenizer.json" and "site-packages" in str(path)


def test_metadata_names_the_heads() -> None:
    meta = model_meta()
    assert meta["heads"]["sentiment"] == ["negative", "neutral", "positive"]
    assert "embedding" in meta["outputs"]


def test_fast_pass_features_are_deterministic_and_normalised() -> None:
    a, b = features("Still NO refund!!"), features("Still NO refund!!")
    assert a == b
    assert abs(sum(v * v for v in a.values()) - 1.0) < 1e-9
    assert features("") == {}
    probabilities = default_linear().predict("")
    assert abs(float(probabilities["sentiment"].sum()) - 1.0) < 1e-5
