"""Promise-extraction quality on labelled brand replies.

    .venv/bin/python eval/promises.py              # every labelled set under eval/data/
    .venv/bin/python eval/promises.py --show-misses
    .venv/bin/python eval/promises.py eval/data/promises_holdout.jsonl

Each line of a set is one outbound message with what a careful reader says it promises:
``{"text", "sent_at", "tz", "holidays"?, "expect": "none"|"vague"|"timed", "due"?: [ISO…],
"tolerance"?: "minutes"|"hours"|"day"|"week"}``. ``holidays`` is a country code with an
optional subdivision ("GB-ENG") for the business calendar.

Printed per set and overall:
* message accuracy — the message classified right as no promise / vague promise / timed promise
  (a message with any timed promise is "timed");
* promise detection precision and recall (a message that promises anything, vague or timed);
* vague-flag precision and recall (messages whose promises have no time);
* due-time accuracy — of the labelled due times, the share that an extracted promise of the
  message lands within tolerance of (15 minutes, 3 hours, 12 hours or a day).

``promises_dev.jsonl`` is the set the extractor was developed against; ``promises_holdout.jsonl``
was written before the extractor was first run on it, to measure phrasings not tuned for.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from heedful.care.hours import BusinessCalendar
from heedful.care.promises import extract_promises

DATA = Path(__file__).resolve().parent / "data"
TOLERANCES = {
    "minutes": timedelta(minutes=15),
    "hours": timedelta(hours=3),
    "day": timedelta(hours=12),
    "week": timedelta(days=1),
}


@dataclass
class Score:
    messages: int = 0
    right: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    vague_tp: int = 0
    vague_fp: int = 0
    vague_fn: int = 0
    dues: int = 0
    dues_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("messages", "right", "tp", "fp", "fn", "vague_tp", "vague_fp", "vague_fn",
                     "dues", "dues_right"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)


def calendar_for(row: dict[str, object]) -> BusinessCalendar:
    country, _, subdivision = str(row.get("holidays") or "").partition("-")
    return BusinessCalendar(
        timezone=str(row["tz"]),
        holiday_country=country or None,
        holiday_subdivision=subdivision or None,
    )


def classify(row: dict[str, object]) -> tuple[str, list[datetime]]:
    sent_at = datetime.fromisoformat(str(row["sent_at"]))
    promises = extract_promises(str(row["text"]), sent_at, calendar=calendar_for(row))
    dues = [p.due_at for p in promises if p.due_at is not None]
    return ("timed" if dues else "vague" if promises else "none"), dues


def score_row(row: dict[str, object], score: Score) -> None:
    expected = str(row["expect"])
    got, dues = classify(row)
    score.messages += 1
    score.right += got == expected
    score.tp += expected != "none" and got != "none"
    score.fp += expected == "none" and got != "none"
    score.fn += expected != "none" and got == "none"
    score.vague_tp += expected == "vague" and got == "vague"
    score.vague_fp += expected != "vague" and got == "vague"
    score.vague_fn += expected == "vague" and got != "vague"
    problems = [] if got == expected else [f"expected {expected}, got {got}"]
    tolerance = TOLERANCES[str(row.get("tolerance", "day"))]
    for label in row.get("due", []):  # type: ignore[attr-defined]
        want = datetime.fromisoformat(label)
        score.dues += 1
        if any(abs(due - want) <= tolerance for due in dues):
            score.dues_right += 1
        else:
            got_text = ", ".join(d.isoformat() for d in dues) or "none"
            problems.append(f"due {want.isoformat()} ±{tolerance}, got {got_text}")
    if problems:
        score.misses.append(f"{row['text']!r}: " + "; ".join(problems))


def ratio(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:5.1f}%" if denominator else "  n/a "


def report(name: str, score: Score) -> None:
    print(f"{name}: {score.messages} messages")
    print(f"  message accuracy (none/vague/timed): {ratio(score.right, score.messages)}")
    print(
        f"  promise detection: precision {ratio(score.tp, score.tp + score.fp)}"
        f"  recall {ratio(score.tp, score.tp + score.fn)}"
    )
    print(
        f"  vague flag:        precision {ratio(score.vague_tp, score.vague_tp + score.vague_fp)}"
        f"  recall {ratio(score.vague_tp, score.vague_tp + score.vague_fn)}"
    )
    print(f"  due time within tolerance: {ratio(score.dues_right, score.dues)} of {score.dues}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="JSONL files (default: all in data/)")
    parser.add_argument("--show-misses", action="store_true", help="print every wrong message")
    args = parser.parse_args(argv)
    paths = args.sets or sorted(DATA.glob("promises*.jsonl"))
    total = Score()
    for path in paths:
        score = Score()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                score_row(json.loads(line), score)
        report(path.name, score)
        total.add(score)
    if len(paths) > 1:
        report("all", total)
    if args.show_misses:
        print("\nmisses:")
        print("\n".join(f"  {miss}" for miss in total.misses) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
