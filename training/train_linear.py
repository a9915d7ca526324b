"""Train the fast first pass (hashed n-grams + logistic regression) on the ``train`` split.

Writes ``src/heedful/triage/models/triage-linear.npz``: per head, the rows of the weight matrix
that training touched (float16), the bias. Deterministic (liblinear/lbfgs on sorted input).
Run::

    .venv/bin/python training/train_linear.py --data ../shared/data
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from heedful.triage.corpora import Example, load_all
from heedful.triage.linear import LINEAR_FILE, N_FEATURES, features
from heedful.triage.taxonomy import TOPIC_IDS

REPO = Path(__file__).resolve().parents[1]

HEADS: dict[str, tuple[Callable[[Example], int | None], int, float]] = {
    # name: (label of an example, number of classes, inverse regularisation C)
    "sentiment": (lambda e: e.sentiment, 3, 4.0),
    "complaint": (lambda e: e.complaint, 2, 4.0),
    "severity": (lambda e: e.severity, 4, 2.0),
    "topic": (lambda e: TOPIC_IDS.index(e.topic) if e.topic else None, len(TOPIC_IDS), 8.0),
}


def matrix(examples: list[Example]) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, example in enumerate(examples):
        for col, val in features(example.text).items():
            rows.append(i)
            cols.append(col)
            vals.append(val)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(examples), N_FEATURES))


def fit_head(name: str, examples: list[Example], dev: list[Example]) -> dict[str, np.ndarray]:
    label_of, classes, c = HEADS[name]
    train = [e for e in examples if label_of(e) is not None]
    y = np.array([label_of(e) for e in train])
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(matrix(train), y)
    coef = model.coef_ if classes > 2 else np.vstack([-model.coef_ / 2, model.coef_ / 2])
    bias = model.intercept_ if classes > 2 else np.array([-1.0, 1.0]) * model.intercept_ / 2
    scored = [e for e in dev if label_of(e) is not None]
    predicted = model.predict(matrix(scored))
    gold = [label_of(e) for e in scored]
    print(f"{name}: dev macro-F1 {f1_score(gold, predicted, average='macro'):.3f} (n={len(gold)})")
    used = np.flatnonzero(np.abs(coef).sum(axis=0) > 0)
    return {
        f"{name}.rows": used.astype(np.int64),
        f"{name}.coef": coef.T[used].astype(np.float16),
        f"{name}.bias": bias.astype(np.float32),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=LINEAR_FILE)
    args = parser.parse_args()
    examples = load_all(args.data)
    train = [e for e in examples if e.split == "train"]
    dev = [e for e in examples if e.split == "dev"]
    arrays: dict[str, np.ndarray] = {}
    for name in HEADS:
        arrays.update(fit_head(name, train, dev))
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
