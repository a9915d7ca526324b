"""Generate a TWCS-format file of N rows by resampling the shared samples: whole threads are
copied with fresh tweet ids, fresh customers (some returning) and shifted times."""

from __future__ import annotations

import csv
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

COLUMNS = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
]
SAMPLES = ["twcs_first5000.csv", "twcs_kaggle_sample.csv"]
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def load_threads(shared: Path) -> list[list[dict[str, str]]]:
    """Threads (lists of rows, in time order) from the shared samples."""
    rows: dict[str, dict[str, str]] = {}
    for name in SAMPLES:
        with (shared / "data" / "twcs_samples" / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                rows[row["tweet_id"]] = row
    parent = {tid: r["in_response_to_tweet_id"] for tid, r in rows.items()}

    def root(tid: str) -> str:
        seen = 0
        while parent.get(tid) and parent[tid] in rows and seen < 100:
            tid, seen = parent[tid], seen + 1
        return tid

    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for tid, row in rows.items():
        groups[root(tid)].append(row)
    threads = []
    for members in groups.values():
        members.sort(key=lambda r: datetime.strptime(r["created_at"], TIME_FORMAT))
        threads.append(members)
    threads.sort(key=lambda t: int(t[0]["tweet_id"]))
    return threads


def generate(path: Path, n_rows: int, shared: Path, seed: int = 42) -> int:
    rng = random.Random(seed)
    threads = load_threads(shared)
    start = datetime(2017, 10, 1, tzinfo=UTC)
    next_id = 10_000_000
    next_customer = 5_000_000
    returning: list[str] = []
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        while written < n_rows:
            thread = threads[rng.randrange(len(threads))]
            base = datetime.strptime(thread[0]["created_at"], TIME_FORMAT)
            shift = start + timedelta(seconds=written * 3 + rng.randrange(600)) - base
            if returning and rng.random() < 0.15:
                customer = rng.choice(returning)
            else:
                customer = str(next_customer)
                next_customer += 1
                if rng.random() < 0.3:
                    returning.append(customer)
                    if len(returning) > 5000:
                        returning.pop(0)
            ids = {}
            for row in thread:
                ids[row["tweet_id"]] = str(next_id)
                next_id += 1
            authors: dict[str, str] = {}
            for row in thread:
                if written >= n_rows:
                    break
                inbound = row["inbound"] == "True"
                author = row["author_id"]
                if inbound:
                    author = authors.setdefault(
                        author, customer if not authors else str(next_customer)
                    )
                    if author == str(next_customer):
                        next_customer += 1
                created = datetime.strptime(row["created_at"], TIME_FORMAT) + shift
                parent = ids.get(row["in_response_to_tweet_id"], "")
                responses = ",".join(
                    ids[r] for r in row["response_tweet_id"].split(",") if r in ids
                )
                writer.writerow(
                    [
                        ids[row["tweet_id"]],
                        author,
                        row["inbound"],
                        created.strftime(TIME_FORMAT),
                        row["text"],
                        responses,
                        parent,
                    ]
                )
                written += 1
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    shared = (
        Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parents[2] / "shared"
    )
    print(generate(out, n, shared))
