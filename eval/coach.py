"""Reply-coach quality: precision and recall per rule on labelled drafts, and how often each
rule fires on real brand replies.

Labelled drafts (``eval/data/``, see ``COACH_DATA.md`` there), each with the rules that apply
(``labels``); they are scored separately, never pooled:

* ``coach_drafts.jsonl``, ``coach_holdout.jsonl``, ``coach_blind.jsonl`` — the sets the phrase
  rules were written and tuned against (their blind figures are in BENCHMARKS.md);
* ``coach_test.jsonl`` — written before the learned rules were built and scored once (first-run
  figures in BENCHMARKS.md); afterwards used to find weak categories, so no longer blind;
* ``coach_test2.jsonl`` — written before the second round of training drafts, scored once;
* the learned rules' held-out folds on their training drafts (``coach_train.jsonl``), as
  recorded by ``training/train_coach.py`` in the model's metadata.

Real brand replies from ``../shared/data``: TWCS (``twcs_samples``, ``twcs_ericsson_labelled``),
each with the customer tweet it answers and the brand's earlier replies, in two halves of the
conversations — the held-out half was never trained on and every fire there was read by a
person — and the IBM customer-care conversations. The tables show each rule's raw fire rate
and its false alarms: fires a person did not confirm (``coach_real_*labels.jsonl``); on the
TWCS training half and IBM, unread fires count as false alarms too.

``--special`` adds the rules that need constructed input: ``canned`` (histories with exact
and near duplicates, other recipients, the same contact, old sends), ``too_long`` (lengths
counted by hand from each platform's rules), ``missing_signature`` and ``risky_promise``
(drafts with an SLA and business hours).

Run: ``.venv/bin/python eval/coach.py [--special] [--mood cues|triage] [--shared DIR]``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from heedful.clock import FrozenClock
from heedful.coach import Coach, CoachConfig, Draft, SentReplyIndex
from heedful.coach.corpora import ibm_replies, read_labels, twcs_half, twcs_replies
from heedful.coach.length import Counting, measure
from heedful.coach.mood import CueMoodReader, MoodReader, TriageMoodReader
from heedful.coach.registry import rule_classes

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TARGETS = ("blame", "dismissive", "pii_in_public", "generic_redirect")
SETS = (
    ("development set", "coach_drafts.jsonl", None),
    ("held-out set (written before tuning)", "coach_holdout.jsonl", None),
    ("late set (written after tuning; blind figures in BENCHMARKS.md)", "coach_blind.jsonl", None),
    (
        "test set (written before the learned rules were built; first-run figures in "
        "BENCHMARKS.md; labelled for the five language rules only)",
        "coach_test.jsonl",
        ("blame", "dismissive", "generic_redirect", "no_empathy", "pii_in_public"),
    ),
    (
        "second test set (written before the second round of changes; first-run figures in "
        "BENCHMARKS.md; labelled for the five language rules only)",
        "coach_test2.jsonl",
        ("blame", "dismissive", "generic_redirect", "no_empathy", "pii_in_public"),
    ),
)
Labelled = list[tuple[Draft, set[str]]]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def draft_of(row: dict[str, Any], **extra: Any) -> Draft:
    return Draft(
        row["reply"],
        row.get("customer", ""),
        row.get("channel", "x"),
        row.get("public", True),
        row.get("signature_required", False),
        **extra,
    )


def load_drafts(name: str) -> Labelled:
    return [(draft_of(row), set(row["labels"])) for row in read_jsonl(DATA / name)]


def real_labels() -> dict[str, set[str]]:
    """Rules a person confirmed on real TWCS replies, by tweet id (both label files)."""
    out: dict[str, set[str]] = {}
    for name in ("coach_real_labels.jsonl", "coach_real_twcs_labels.jsonl"):
        for key, row in read_labels(DATA / name, "tweet_id").items():
            labels = row["labels"]
            assert isinstance(labels, list)
            out.setdefault(key, set()).update(labels)
    return out


def load_real(shared: Path, half: str | None = None) -> Labelled:
    """TWCS brand replies (one ``half`` of the conversations, or all), each with the customer
    tweet it answers and the brand's earlier replies in the thread."""
    labels = real_labels()
    out = []
    for reply in twcs_replies(shared):
        if half is not None and twcs_half(reply.group) != half:
            continue
        draft = Draft(
            reply.text,
            reply.customer,
            "x",
            True,
            False,
            None,
            _when(reply.sent_at),
            earlier=reply.earlier,
        )
        out.append((draft, labels.get(reply.key, set())))
    return out


def load_ibm(shared: Path) -> Labelled:
    """IBM agent replies; labels where a person read them (the rest count as unconfirmed)."""
    labels = read_labels(DATA / "coach_real_ibm_labels.jsonl", "ibm")
    out = []
    for reply in ibm_replies(shared):
        row = labels.get(reply.key, {})
        found = row.get("labels", [])
        assert isinstance(found, list)
        out.append((Draft(reply.text, reply.customer), set(found)))
    return out


def _when(value: str) -> datetime | None:
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def score(coach: Coach, items: Labelled, history: Any = None) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {rule: Counter() for rule in rule_classes()}
    for draft, labels in items:
        fired = {f.rule for f in coach.check(draft, history)}
        for rule, c in counts.items():
            hit, wanted = rule in fired, rule in labels
            c["tp" if hit and wanted else "fp" if hit else "fn" if wanted else "tn"] += 1
    return counts


def print_labelled(title: str, counts: dict[str, Counter[str]], n: int) -> None:
    print(f"\n## {title}: {n} drafts\n")
    print(f"{'rule':18} {'P':>5} {'R':>5} {'tp':>4} {'fp':>4} {'fn':>4}")
    for rule, c in counts.items():
        if not (c["tp"] or c["fp"] or c["fn"]):
            continue
        precision = _ratio(c["tp"], c["tp"] + c["fp"])
        recall = _ratio(c["tp"], c["tp"] + c["fn"])
        mark = "  *" if rule in TARGETS else ""
        print(f"{rule:18} {precision:>5} {recall:>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4}{mark}")


def print_held_out_folds() -> None:
    """The learned rules' figures on held-out folds of their training drafts (from training)."""
    meta_file = HERE.parent / "src" / "heedful" / "coach" / "models" / "coach-linear.json"
    if not meta_file.exists():
        return
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    n = meta["training"]["drafts"]
    print(f"\n## training drafts ({n}), 5 held-out folds by customer message (phrases + model)\n")
    print(f"{'rule':18} {'P':>5} {'R':>5} {'tp':>4} {'fp':>4} {'fn':>4}  threshold")
    for rule, c in meta["held_out_drafts"].items():
        precision = _ratio(c["tp"], c["tp"] + c["fp"])
        recall = _ratio(c["tp"], c["tp"] + c["fn"])
        threshold = meta["thresholds"][rule]
        print(
            f"{rule:18} {precision:>5} {recall:>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4}  "
            f"{threshold}"
        )


def print_real(title: str, counts: dict[str, Counter[str]], n: int) -> None:
    print(f"\n## {title}: {n}\n")
    print(f"{'rule':18} {'fires':>14} {'confirmed':>9} {'false alarms':>20}")
    for rule, c in counts.items():
        fired = c["tp"] + c["fp"]
        print(
            f"{rule:18} {fired:>5} = {_pct(fired, n):>6} {c['tp']:>9} "
            f"{c['fp']:>9} = {_pct(c['fp'], n):>6}"
        )


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  -"


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


# --- rules that need constructed input -------------------------------------------------------

SPECIAL_NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)  # a Friday afternoon


def eval_canned(coach: Coach) -> None:
    """Each case: a draft to one contact and the workspace's recent sends."""
    rows = read_jsonl(DATA / "coach_canned.jsonl")
    counts: Counter[str] = Counter()
    severity_ok = 0
    same_contact = 0
    for row in rows:
        index = SentReplyIndex()
        for sent in row["history"]:
            when = datetime.fromisoformat(sent["sent_at"]) if "sent_at" in sent else SPECIAL_NOW
            index.add(sent["text"], sent.get("to"), when)
        draft = Draft(row["reply"], to=row.get("to"), now=SPECIAL_NOW)
        found = [f for f in coach.check(draft, index) if f.rule == "canned"]
        wanted = "canned" in row["labels"]
        counts["tp" if found and wanted else "fp" if found else "fn" if wanted else "tn"] += 1
        if row.get("same_contact"):
            same_contact += 1
            severity_ok += bool(found) and found[0].severity.value == "block"
    print(f"\n## canned: {len(rows)} constructed cases (Jaccard on word bigrams >= 0.6, 30 days)\n")
    _print_pr("canned", counts)
    print(
        f"same contact (incl. a second account linked to them) graded block: "
        f"{severity_ok}/{same_contact}"
    )


def eval_length(coach: Coach) -> None:
    """Lengths counted by hand from each platform's published rules (see the data file)."""
    rows = read_jsonl(DATA / "coach_length.jsonl")
    counts: Counter[str] = Counter()
    exact = 0
    counting = {"x": Counting.X, "mastodon": Counting.MASTODON, "bluesky": Counting.GRAPHEMES}
    for row in rows:
        found = any(
            f.rule == "too_long" for f in coach.check(Draft(row["reply"], channel=row["channel"]))
        )
        wanted = "too_long" in row["labels"]
        counts["tp" if found and wanted else "fp" if found else "fn" if wanted else "tn"] += 1
        mode = counting.get(row["channel"], Counting.CHARACTERS)
        exact += measure(row["reply"], mode) == row["length"]
    print(f"\n## too_long: {len(rows)} drafts with hand-counted lengths\n")
    _print_pr("too_long", counts)
    print(f"length exactly as counted by hand: {exact}/{len(rows)}")


def eval_rows(coach: Coach, name: str, rule: str, title: str) -> None:
    rows = read_jsonl(DATA / name)
    counts: Counter[str] = Counter()
    for row in rows:
        now = datetime.fromisoformat(row["now"]) if "now" in row else SPECIAL_NOW
        fired = {f.rule for f in coach.check(draft_of(row, now=now))}
        hit, wanted = rule in fired, rule in row["labels"]
        counts["tp" if hit and wanted else "fp" if hit else "fn" if wanted else "tn"] += 1
    print(f"\n## {rule}: {len(rows)} {title}\n")
    _print_pr(rule, counts)


def _print_pr(rule: str, c: Counter[str]) -> None:
    precision = _ratio(c["tp"], c["tp"] + c["fp"])
    recall = _ratio(c["tp"], c["tp"] + c["fn"])
    print(f"{rule:18} P {precision}  R {recall}  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})")


RISKY_CONFIG = CoachConfig(
    rules={
        "risky_promise": {
            "min_lead_hours": {"refund": 72, "replace": 48, "deliver": 24, "visit": 24, "fix": 4},
            "business_hours": {
                "timezone": "Europe/London",
                "weekly": {d: ["09:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
            },
        }
    }
)


def special(mood: MoodReader) -> None:
    coach = Coach(mood_reader=mood, clock=FrozenClock(SPECIAL_NOW))
    eval_canned(coach)
    eval_length(coach)
    eval_rows(coach, "coach_signature.jsonl", "missing_signature", "drafts, signatures required")
    risky = Coach(RISKY_CONFIG, mood_reader=mood, clock=FrozenClock(SPECIAL_NOW))
    eval_rows(risky, "coach_risky.jsonl", "risky_promise", "drafts (SLA + Mon-Fri 9-17:30 London)")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--mood", choices=("cues", "triage"), default="cues")
    parser.add_argument("--special", action="store_true", help="also canned, length, …")
    args = parser.parse_args(list(argv) if argv is not None else None)
    mood: MoodReader = TriageMoodReader() if args.mood == "triage" else CueMoodReader()
    coach = Coach(mood_reader=mood)
    print(f"mood reader: {args.mood}")
    for title, name, only in SETS:
        if (DATA / name).exists():
            items = load_drafts(name)
            counts = score(coach, items)
            if only is not None:
                counts = {rule: c for rule, c in counts.items() if rule in only}
            print_labelled(title, counts, len(items))
    print_held_out_folds()
    if args.shared.exists():
        for title, half in (
            ("all TWCS", None),
            ("TWCS held-out half (never trained on)", "heldout"),
            ("TWCS train half (labelled replies in training)", "train"),
        ):
            real = load_real(args.shared, half)
            print_real(f"real brand replies, {title}", score(coach, real), len(real))
        ibm = load_ibm(args.shared)
        print_real("IBM agent replies (labelled ones in training)", score(coach, ibm), len(ibm))
    if args.special:
        special(mood)
    print("\n* targets: precision >= 0.90, recall >= 0.85; every rule: false alarms <= 5 %")


if __name__ == "__main__":
    main()
