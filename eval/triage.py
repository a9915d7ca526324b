"""Triage quality on the shared data's ``dev`` split, ours beside VADER's, in one run.

Split (see ``heedful.triage.corpora``): each corpus is grouped by normalised text (TWCS: by
conversation) and a group is ``dev`` when sha256("<corpus>:<group>")[0] < 51 (~20 %); the
shipped models were trained on the other ~80 % only, so every figure here is on unseen text.

    .venv/bin/python eval/triage.py [--data ../shared/data] [--model FILE.onnx] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sklearn.metrics import accuracy_score, classification_report, f1_score, recall_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from heedful.triage.analyse import Analyser, Mode
from heedful.triage.corpora import Example, load_all
from heedful.triage.encoder import MODEL_FILE, Encoder
from heedful.triage.priority import TextAnalysis
from heedful.triage.taxonomy import SENTIMENTS, SEVERITIES, TOPIC_IDS

REPO = Path(__file__).resolve().parents[1]
TARGETS = {
    "complaints macro-F1": 0.85,
    "airline accuracy": 0.84,
    "airline macro-F1": 0.78,
    "tweeteval macro-recall": 0.70,
}


def vader_labels(texts: Sequence[str]) -> list[str]:
    """VADER's usual reading: compound >= 0.05 positive, <= -0.05 negative, else neutral."""
    vader = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = vader.polarity_scores(text)["compound"]
        labels.append(
            "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        )
    return labels


def headline(
    dev: list[Example], ours: Callable[[list[str]], list[TextAnalysis]]
) -> dict[str, dict[str, float]]:
    """The four target figures for our model and for VADER (complaint = negative for VADER)."""
    out: dict[str, dict[str, float]] = {"ours": {}, "vader": {}}
    for corpus, metric in (("complaints", "c"), ("airline", "s"), ("tweeteval", "s")):
        part = [e for e in dev if e.corpus == corpus]
        texts = [e.text for e in part]
        analyses = ours(texts)
        vader = vader_labels(texts)
        if metric == "c":
            gold = [bool(e.complaint) for e in part]
            out["ours"]["complaints macro-F1"] = f1_score(
                gold, [a.complaint for a in analyses], average="macro"
            )
            out["vader"]["complaints macro-F1"] = f1_score(
                gold, [v == "negative" for v in vader], average="macro"
            )
            continue
        gold_s = [SENTIMENTS[e.sentiment or 0] for e in part]
        for name, predicted in (("ours", [a.sentiment for a in analyses]), ("vader", vader)):
            if corpus == "airline":
                out[name]["airline accuracy"] = accuracy_score(gold_s, predicted)
                out[name]["airline macro-F1"] = f1_score(gold_s, predicted, average="macro")
            else:
                out[name]["tweeteval macro-recall"] = recall_score(
                    gold_s, predicted, average="macro"
                )
    return out


def severity_report(dev: list[Example], ours: Callable[[list[str]], list[TextAnalysis]]) -> str:
    part = [e for e in dev if e.corpus == "complaints" and e.severity is not None]
    analyses = ours([e.text for e in part])
    gold = [SEVERITIES[e.severity or 0] for e in part]
    predicted = [a.severity or "not_complaint" for a in analyses]
    return classification_report(
        gold, predicted, labels=list(SEVERITIES), zero_division=0, digits=3
    )


def topic_report(
    dev: list[Example], corpus: str, ours: Callable[[list[str]], list[TextAnalysis]]
) -> str:
    part = [e for e in dev if e.corpus == corpus and e.topic is not None]
    analyses = ours([e.text for e in part])
    gold = [e.topic or "" for e in part]
    labels = [t for t in TOPIC_IDS if t in gold]
    return classification_report(
        gold, [a.topic for a in analyses], labels=labels, zero_division=0, digits=3
    )


def print_headline(scores: dict[str, dict[str, float]], title: str) -> None:
    print(f"\n{title}")
    print(f"{'metric':<26}{'ours':>8}{'VADER':>8}{'target':>8}")
    for metric, target in TARGETS.items():
        ours, vader = scores["ours"][metric], scores["vader"][metric]
        mark = "ok" if ours >= target else "BELOW"
        print(f"{metric:<26}{ours:>8.3f}{vader:>8.3f}{target:>8.2f}  {mark}")


def analyser_for(model: Path, mode: Mode) -> Callable[[list[str]], list[TextAnalysis]]:
    analyser = Analyser(encoder=Encoder(model) if mode == "full" else None)
    return lambda texts: analyser.analyse(texts, mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=MODEL_FILE)
    parser.add_argument("--json", type=Path, help="also write the headline figures here")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"shared data not found at {args.data}")
    dev = [e for e in load_all(args.data) if e.split == "dev"]
    print(f"dev split: {len(dev)} examples; model {args.model.name}")
    results = {}
    for mode in ("full", "fast"):
        started = time.monotonic()
        ours = analyser_for(args.model, mode)
        scores = headline(dev, ours)
        results[mode] = scores
        label = (
            "fine-tuned network (+ linear complaint blend)"
            if mode == "full"
            else "fast pass (linear)"
        )
        print_headline(scores, f"== {label}, {time.monotonic() - started:.0f} s")
        if mode == "full":
            print("\n== complaint severity (complaints dev, per level)")
            print(severity_report(dev, ours))
            for corpus in ("twcs", "bitext", "banking77", "airline"):
                print(f"== topic per-class F1: {corpus} dev (labels mapped to the care taxonomy)")
                print(topic_report(dev, corpus, ours))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
