"""Fit a second topic head on the fine-tuned network's embedding (run after train_triage.py).

The network's own topic head saw few outage messages; this head is a logistic regression on the
exported model's (int8, L2-normalised) embedding, trained on the train split's topic examples
including the weakly labelled and seed outage messages. At run time the two heads' probabilities
are averaged. Writes ``src/heedful/triage/models/triage-topic.npz`` and prints dev F1 per class
for the network head, this head and their mean. Run::

    .venv/bin/python training/train_topic_head.py --data ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from heedful.triage.corpora import Example, load_all
from heedful.triage.encoder import MODEL_FILE, Encoder, softmax
from heedful.triage.taxonomy import TOPIC_IDS
from heedful.triage.topics import TOPIC_HEAD_FILE

REPO = Path(__file__).resolve().parents[1]


def embed(encoder: Encoder, examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    rows = encoder.run([e.text for e in examples])
    return np.stack([r.embedding for r in rows]), np.stack([r.probabilities["topic"] for r in rows])


def report(name: str, gold: list[int], probabilities: np.ndarray) -> None:
    predicted = probabilities.argmax(axis=1)
    per_class = f1_score(
        gold, predicted, labels=range(len(TOPIC_IDS)), average=None, zero_division=0
    )
    macro = f1_score(gold, predicted, average="macro")
    cells = " ".join(f"{t[:8]}={f:.2f}" for t, f in zip(TOPIC_IDS, per_class, strict=True))
    print(f"{name:<10} macro-F1 {macro:.3f}  {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    examples = [e for e in load_all(args.data) if e.topic is not None]
    train = [e for e in examples if e.split == "train"]
    dev = [e for e in examples if e.split == "dev"]
    encoder = Encoder(MODEL_FILE, threads=1)
    x_train, _ = embed(encoder, train)
    y_train = [TOPIC_IDS.index(e.topic or "") for e in train]
    model = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
    model.fit(x_train, y_train)
    x_dev, network = embed(encoder, dev)
    gold = [TOPIC_IDS.index(e.topic or "") for e in dev]
    head = np.stack([softmax(row) for row in model.decision_function(x_dev).astype(np.float32)])
    report("network", gold, network)
    report("emb-LR", gold, head)
    report("mean", gold, (network + head) / 2)
    np.savez_compressed(
        TOPIC_HEAD_FILE,
        coef=model.coef_.astype(np.float32),
        bias=model.intercept_.astype(np.float32),
    )
    print(f"wrote {TOPIC_HEAD_FILE}")


if __name__ == "__main__":
    main()
