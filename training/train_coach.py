"""Train the reply coach's learned rules (``blame``, ``dismissive``, ``generic_redirect``).

Writes ``src/heedful/coach/models/coach-linear.npz`` and ``coach-linear.json`` (see
``MODEL_CARD.md`` there and :mod:`heedful.coach.learned`). Deterministic: sorted inputs,
liblinear, no sampling. CPU, under a minute. Run::

    .venv/bin/python training/train_coach.py [--shared ../shared/data]

Training data:

* ``eval/data/coach_train.jsonl`` — drafts written for this project (good and bad replies to
  the same customer messages, many sectors and registers), labelled per rule;
* real brand replies, read by a person and labelled (``eval/data/coach_real_*_labels.jsonl``,
  ids only, text read from ``../shared/data`` at run time): the IBM Twitter customer-care
  conversations (Apache-2.0), and the **train** half of the TWCS replies (conversations whose
  root id hashes into the first half; the other half is kept for the false-alarm figure).

Each rule's threshold is chosen on held-out folds (5 folds grouped by customer message, so
every reply to one message is in the same fold): the lowest probability at which the whole
rule (phrases **or** model) keeps precision >= ``--precision`` on the drafts and fires on at
most ``--max-fires`` of the real replies labelled negative.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from heedful.coach import Coach, Draft
from heedful.coach.analysis import PLAIN
from heedful.coach.corpora import RealReply, ibm_replies, read_labels, twcs_half, twcs_replies
from heedful.coach.learned import (
    ASKED_WHERE,
    FEATURES_VERSION,
    META_FILE,
    MODEL_FILE,
    LinearModel,
    context_tokens,
    ngram_counts,
    vectorise,
    word_count,
)
from heedful.coach.mood import ComplaintReader, CueMoodReader
from heedful.coach.registry import rule_class
from heedful.coach.rules import blame as blame_rule
from heedful.coach.rules import dismissive as dismissive_rule
from heedful.triage.linear import LINEAR_FILE

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "eval" / "data"
RULES = ("blame", "dismissive", "generic_redirect")
MIN_DF_CHARS = 2
THRESHOLDS = [round(0.2 + 0.025 * i, 3) for i in range(31)]  # 0.2 … 0.95
# The model stays quiet on replies shorter than this (words in the body): a two-word reply is
# curt or friendly depending on who it answers, which the phrase rules judge with the mood.
MIN_WORDS = {"dismissive": 4}


@dataclass
class Example:
    text: str
    customer: str
    labels: set[str]
    group: str  # examples in one group stay in one fold
    source: str  # "drafts" or "real"
    earlier: tuple[str, ...] = ()
    context: tuple[str, ...] = field(default=())


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_drafts(path: Path) -> list[Example]:
    out = []
    for row in read_jsonl(path):
        labels = row["labels"]
        assert isinstance(labels, list)
        out.append(
            Example(
                str(row["reply"]),
                str(row.get("customer", "")),
                set(labels),
                "d:" + str(row.get("customer", "")),
                "drafts",
            )
        )
    return out


def load_real(replies: Iterable[RealReply], labels: dict[str, dict[str, object]]) -> list[Example]:
    """The replies a person read and labelled (``exclude``: too unclear to train on)."""
    out = []
    for reply in replies:
        row = labels.get(reply.key)
        if row is None or row.get("exclude"):
            continue
        found = row["labels"]
        assert isinstance(found, list)
        out.append(
            Example(
                reply.text,
                reply.customer,
                set(found),
                f"{reply.source}:{reply.group}",
                "real",
                reply.earlier,
            )
        )
    return out


def add_context(examples: Sequence[Example]) -> None:
    """What the coach tells the model about each customer message (as at run time)."""
    mood = CueMoodReader()
    messages = sorted({e.customer for e in examples if e.customer.strip()})
    complaining = dict(zip(messages, ComplaintReader().read_many(messages), strict=True))
    for example in examples:
        text = example.customer
        example.context = context_tokens(
            upset=bool(text.strip()) and mood.read(text).upset,
            complaining=bool(complaining.get(text)),
            asked_where=ASKED_WHERE.search(text) is not None,
        )


def fit_vocabulary(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """The buckets seen in training (every word n-gram; character n-grams seen twice) and
    their smoothed IDF."""
    words: Counter[int] = Counter()
    chars: Counter[int] = Counter()
    for example in examples:
        w, c = ngram_counts(example.text, example.context)
        words.update(w.keys())
        chars.update(c.keys())
    keep = set(words) | {k for k, v in chars.items() if v >= MIN_DF_CHARS}
    rows = np.array(sorted(keep), dtype=np.int64)
    df = np.array([max(words.get(int(k), 0), chars.get(int(k), 0)) for k in rows], dtype=float)
    idf = (np.log((1 + len(examples)) / (1 + df)) + 1).astype(np.float32)
    return rows, idf


def matrix(examples: Sequence[Example], rows: np.ndarray, idf: np.ndarray) -> sparse.csr_matrix:
    r: list[int] = []
    c: list[int] = []
    v: list[float] = []
    for i, example in enumerate(examples):
        positions, values = vectorise(example.text, rows, idf, example.context)
        r.extend([i] * len(positions))
        c.extend(positions.tolist())
        v.extend(values.tolist())
    return sparse.csr_matrix((v, (r, c)), shape=(len(examples), len(rows)))


def fit(examples: Sequence[Example], c: float) -> LinearModel:
    rows, idf = fit_vocabulary(examples)
    x = matrix(examples, rows, idf)
    weights = np.zeros((len(rows), len(RULES)), dtype=np.float32)
    bias = np.zeros(len(RULES), dtype=np.float32)
    for j, rule in enumerate(RULES):
        y = np.array([rule in e.labels for e in examples])
        model = LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=0)
        model.fit(x, y)
        weights[:, j] = model.coef_[0]
        bias[j] = model.intercept_[0]
    meta = {"rules": list(RULES), "thresholds": {r: 0.5 for r in RULES}}
    return LinearModel(RULES, rows, idf, weights, bias, {r: 0.5 for r in RULES}, meta)


def folds(examples: Sequence[Example], k: int) -> list[list[int]]:
    """``k`` folds, whole groups each, assigned by a hash of the group (stable)."""
    out: list[list[int]] = [[] for _ in range(k)]
    for i, example in enumerate(examples):
        out[hashlib.sha256(example.group.encode()).digest()[0] % k].append(i)
    return out


def draft_of(example: Example) -> Draft:
    return Draft(example.text, example.customer, earlier=example.earlier)


def held_out_scores(
    examples: Sequence[Example], c: float, k: int
) -> tuple[list[dict[str, float]], list[set[str]]]:
    """Per example: the model's probabilities from the fold that did not see it, and the rules
    that fire on phrases alone."""
    scores: list[dict[str, float]] = [{} for _ in examples]
    for fold in folds(examples, k):
        held = set(fold)
        model = fit([e for i, e in enumerate(examples) if i not in held], c)
        for i in fold:
            scores[i] = model.probabilities(examples[i].text, examples[i].context)
    phrases = Coach(rules=[rule_class(r).configure() for r in RULES], use_model=False)
    fired = [{f.rule for f in phrases.check(draft_of(e))} for e in examples]
    return scores, fired


def counts(hits: Sequence[bool], wanted: Sequence[bool]) -> tuple[int, int, int]:
    tp = sum(h and w for h, w in zip(hits, wanted, strict=True))
    fp = sum(h and not w for h, w in zip(hits, wanted, strict=True))
    fn = sum(w and not h for h, w in zip(hits, wanted, strict=True))
    return tp, fp, fn


def words(text: str) -> int:
    return word_count(text)


# What each rule lets its model say (the rule modules' own vetoes, e.g. a reply that owns the
# problem is not blame whatever the model thinks), so that the held-out figures are the rule's.
VETOES = {"blame": blame_rule._OWNS_IT, "dismissive": dismissive_rule._WARM}


def model_hits(
    rule: str, examples: Sequence[Example], scores: Sequence[dict[str, float]], t: float
) -> list[bool]:
    gate = MIN_WORDS.get(rule, 0)
    veto = VETOES.get(rule)
    return [
        s[rule] >= t
        and words(e.text) >= gate
        and (veto is None or veto.search(e.text.translate(PLAIN)) is None)
        for e, s in zip(examples, scores, strict=True)
    ]


def choose_threshold(
    rule: str,
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    fired: Sequence[set[str]],
    precision: float,
    max_fires: float,
) -> tuple[float, list[str]]:
    """The lowest threshold at which what the model *adds* to the phrases (drafts it flags
    that the phrases do not) is right at least ``precision`` of the time — and still nearly so
    two steps higher, so one lucky step does not decide — while the model's alarms on real
    replies labelled negative stay at most ``max_fires``."""
    drafts = [i for i, e in enumerate(examples) if e.source == "drafts"]
    negatives = [i for i, e in enumerate(examples) if e.source == "real" and rule not in e.labels]
    rows = []
    for t in THRESHOLDS:
        model = model_hits(rule, examples, scores, t)
        wanted = [rule in examples[i].labels for i in drafts]
        tp, fp, fn = counts([rule in fired[i] or model[i] for i in drafts], wanted)
        added = [i for i in drafts if model[i] and rule not in fired[i]]
        added_right = sum(rule in examples[i].labels for i in added)
        alarms = sum(model[i] and rule not in fired[i] for i in negatives) / max(1, len(negatives))
        rows.append(
            (t, tp / max(1, tp + fp), tp / max(1, tp + fn), added_right, len(added), alarms)
        )
    chosen = THRESHOLDS[-1]
    for k in range(len(rows) - 1, -1, -1):
        window = rows[k : k + 3]
        ok = all(a == 0 or r / a >= precision - 0.03 for _, _, _, r, a, _ in window)
        t, _, _, right, added_count, alarms = rows[k]
        if ok and (added_count == 0 or right / added_count >= precision) and alarms <= max_fires:
            chosen = t
    report = [
        f"  t={t:.3f}  drafts P {p:.3f} R {r:.3f}  model adds {a} ({right}/{a} right)  "
        f"model alarms on real negatives {alarms:.1%}"
        for t, p, r, right, a, alarms in rows
    ]
    return chosen, report


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--c", type=float, default=8.0, help="inverse regularisation")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--precision", type=float, default=0.92)
    parser.add_argument("--max-fires", type=float, default=0.02)
    parser.add_argument(
        "--sources",
        default="drafts,ibm,twcs",
        help="training sources, comma-separated: drafts (ours), ibm (Apache-2.0), twcs "
        "(reportedly CC BY-NC-SA 4.0: leave it out for a permissively licensed build)",
    )
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--meta", type=Path, default=META_FILE)
    args = parser.parse_args(argv)

    sources = set(args.sources.split(","))
    drafts = load_drafts(DATA / "coach_train.jsonl") if "drafts" in sources else []
    real: list[Example] = []
    if args.shared.exists():
        if "ibm" in sources:
            labels = read_labels(DATA / "coach_real_ibm_labels.jsonl", "ibm")
            real += load_real(ibm_replies(args.shared), labels)
        if "twcs" in sources:
            twcs = [r for r in twcs_replies(args.shared) if twcs_half(r.group) == "train"]
            labels = read_labels(DATA / "coach_real_twcs_labels.jsonl", "tweet_id")
            real += load_real(twcs, labels)
    else:
        print(f"{args.shared} not found: training on the drafts alone", file=sys.stderr)
    examples = drafts + real
    add_context(examples)
    print(f"examples: {len(drafts)} drafts, {len(real)} real replies")

    scores, fired = held_out_scores(examples, args.c, args.folds)
    thresholds = {}
    held_out = {}
    for rule in RULES:
        threshold, report = choose_threshold(
            rule, examples, scores, fired, args.precision, args.max_fires
        )
        thresholds[rule] = threshold
        print(f"{rule}: threshold {threshold}")
        print("\n".join(report))
        drafts_idx = [i for i, e in enumerate(examples) if e.source == "drafts"]
        model = model_hits(rule, examples, scores, threshold)
        tp, fp, fn = counts(
            [rule in fired[i] or model[i] for i in drafts_idx],
            [rule in examples[i].labels for i in drafts_idx],
        )
        held_out[rule] = {"tp": tp, "fp": fp, "fn": fn}

    model = fit(examples, args.c)
    used = np.flatnonzero(np.abs(model.weights).sum(axis=1) > 0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as handle:
        np.savez_compressed(
            handle,
            rows=model.rows[used].astype(np.int32),
            idf=model.idf[used].astype(np.float16),
            weights=model.weights[used].astype(np.float16),
            bias=model.bias.astype(np.float32),
        )
    meta = {
        "features_version": FEATURES_VERSION,
        "rules": list(RULES),
        "thresholds": thresholds,
        "min_words": MIN_WORDS,
        "training": {
            "drafts": len(drafts),
            "real_replies": len(real),
            "sha256": {
                name: hashlib.sha256((DATA / name).read_bytes()).hexdigest()
                for name in (
                    "coach_train.jsonl",
                    "coach_real_ibm_labels.jsonl",
                    "coach_real_twcs_labels.jsonl",
                )
                if (DATA / name).exists()
            },
            "sources": sorted(sources),
            "c": args.c,
            "folds": args.folds,
            "target_precision": args.precision,
            "max_real_fires": args.max_fires,
        },
        "context": {
            "mood": "heedful.coach.mood.CueMoodReader",
            "complaint": "heedful.coach.mood.ComplaintReader (triage's fast pass)",
            "triage_linear_sha256": _sha256(LINEAR_FILE),
        },
        "held_out_drafts": held_out,
        "vocabulary": len(used),
    }
    args.meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) and {args.meta}")


if __name__ == "__main__":
    main()
