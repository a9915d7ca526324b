"""Reply-coach quality: precision and recall per rule, and false alarms on real brand replies.

Two sets:

* ``eval/data/coach_drafts.jsonl`` — drafts written for this evaluation (telecom outage,
  airline delay, a hacked website's host, a blocked bank card, a lost parcel, a public health
  service), each with the rules that apply to it (``labels``), good and bad.
* real brand replies from ``../shared/data/twcs_samples`` and ``twcs_ericsson_labelled``,
  each checked with the customer tweet it answers. They are mostly good replies: every
  finding on them counts as a false alarm, except where ``eval/data/coach_real_labels.jsonl``
  records (by tweet id) that a person read the reply and the rule does apply.

Run: ``.venv/bin/python eval/coach.py`` (``--shared DIR`` to point at another shared folder).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

from heedful.coach import Coach, Draft
from heedful.coach.registry import rule_classes

HERE = Path(__file__).resolve().parent
TARGETS = ("blame", "dismissive", "pii_in_public", "generic_redirect")


def load_drafts() -> list[tuple[Draft, set[str]]]:
    out = []
    for line in (HERE / "data" / "coach_drafts.jsonl").read_text().splitlines():
        row = json.loads(line)
        draft = Draft(
            row["reply"],
            row.get("customer", ""),
            row.get("channel", "x"),
            row.get("public", True),
            row.get("signature_required", False),
        )
        out.append((draft, set(row["labels"])))
    return out


def load_real(shared: Path) -> list[tuple[Draft, set[str]]]:
    labels = {
        row["tweet_id"]: set(row["labels"])
        for row in map(
            json.loads, (HERE / "data" / "coach_real_labels.jsonl").read_text().splitlines()
        )
    }
    files = sorted((shared / "twcs_samples").glob("*.csv"))
    files.append(shared / "twcs_ericsson_labelled" / "labelled_tweets.csv")
    seen: set[str] = set()
    out = []
    for path in files:
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        by_id = {r["tweet_id"]: r for r in rows}
        for row in rows:
            if row.get("inbound") != "False" or row["tweet_id"] in seen:
                continue
            seen.add(row["tweet_id"])
            parent = by_id.get(row.get("in_response_to_tweet_id") or "")
            customer = html.unescape(parent["text"]) if parent else ""
            now = _when(row["created_at"])
            draft = Draft(html.unescape(row["text"]), customer, "x", True, False, None, now)
            out.append((draft, labels.get(row["tweet_id"], set())))
    return out


def _when(value: str) -> datetime | None:
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def score(coach: Coach, items: list[tuple[Draft, set[str]]]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {rule: Counter() for rule in rule_classes()}
    for draft, labels in items:
        fired = {f.rule for f in coach.check(draft)}
        for rule, c in counts.items():
            c[
                "tp"
                if rule in fired and rule in labels
                else "fp"
                if rule in fired
                else "fn"
                if rule in labels
                else "tn"
            ] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    coach = Coach()
    drafts = load_drafts()
    real = load_real(args.shared) if args.shared.exists() else []
    both = score(coach, drafts + real)
    on_real = score(coach, real)
    print(f"written drafts: {len(drafts)}; real brand replies: {len(real)}\n")
    head = f"{'rule':18} {'P':>5} {'R':>5} {'tp':>4} {'fp':>4} {'fn':>4}"
    print(f"{head}  {'false alarms on real':>22} {'raw fire rate on real':>22}")
    for rule, c in both.items():
        r = on_real[rule]
        fired = r["tp"] + r["fp"]
        precision = _ratio(c["tp"], c["tp"] + c["fp"])
        recall = _ratio(c["tp"], c["tp"] + c["fn"])
        alarms = f"{r['fp']:>5}/{len(real)} = {_pct(r['fp'], len(real)):>6}"
        print(
            f"{rule:18} {precision:>5} {recall:>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4}  {alarms}"
            f" {fired:>5}/{len(real)} = {_pct(fired, len(real)):>6}"
            + ("  *" if rule in TARGETS else "")
        )
    print("\n* targets: precision >= 0.90, recall >= 0.85; every rule: false alarms <= 5 %")


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  -"


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


if __name__ == "__main__":
    main()
