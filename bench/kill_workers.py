"""The kill test at full size: 3 `heedful worker` processes on PostgreSQL and the queue
engine; 100,000 inbound webhook bodies (one event each) and 10,000 outbound replies to a
local fake platform that fails 5 % of posts (errors before posting, errors after posting,
rate limits); worker 0 is SIGKILLed mid-run and restarted. Prints the books: every event
stored once, every reply posted once (counted at the platform), nothing left behind.

    .venv/bin/python bench/kill_workers.py --events 100000 --replies 10000

(`tests/workers/test_kill.py` runs the same harness with 2,000 / 200 in the suite.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import SECRET_KEY, throwaway_database

from heedful.workers.queue import EngineQueue
from heedful.workers.registry import build_registry
from heedful.workers.scaleout import (
    Workers,
    create_brand,
    create_conversations,
    queue_replies,
    read_books,
    start_platform,
    store_bodies,
    wait_until,
    worker_env,
)
from heedful.workers.webhooks import nudge

CHUNK = 2000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--skip-job",
        action="append",
        default=[],
        help="leave a job out of the workers (e.g. triage.sweep, the background refine)",
    )
    args = parser.parse_args()
    skip = [a for name in args.skip_job for a in ("--skip-job", name)]
    platform = start_platform(0.05)
    try:
        with throwaway_database() as (url, db), tempfile.TemporaryDirectory() as logs:
            brand = create_brand(db, SECRET_KEY, platform.url, "whsec-" + "k" * 24)
            queue = EngineQueue(build_registry(), db)
            queue.ensure_schema()
            conversations = create_conversations(db, brand, 1000)
            pool = Workers(worker_env(url, SECRET_KEY), args.concurrency, Path(logs), skip)
            started = time.monotonic()
            pool.start(args.workers)
            try:
                books, elapsed = run(args, db, brand, queue, conversations, pool, started)
            finally:
                pool.stop()
        stats = platform.stats()
    finally:
        platform.stop()
    report(args, books, stats, elapsed)


def run(args, db, brand, queue, conversations, pool, started):  # type: ignore[no-untyped-def]
    half_events, half_replies = args.events // 2, args.replies // 2
    feed(db, brand, queue, conversations, 0, half_events, 0, half_replies)
    wait_until(lambda: read_books(db).raw_processed >= half_events // 2, timeout=3600)
    before = read_books(db)
    pool.kill(0)
    print(f"{time.monotonic() - started:6.1f} s  SIGKILL worker 0 at {before}", flush=True)
    feed(db, brand, queue, conversations, half_events, args.events, half_replies, args.replies)
    pool.restart(0)
    print(f"{time.monotonic() - started:6.1f} s  worker 0 restarted", flush=True)
    wait_until(lambda: read_books(db).settled, timeout=7200, every=1)
    return read_books(db), time.monotonic() - started


def feed(db, brand, queue, conversations, e0, e1, r0, r1) -> None:  # type: ignore[no-untyped-def]
    for start in range(e0, e1, CHUNK):
        store_bodies(db, brand, start, min(CHUNK, e1 - start))
        nudge(queue, brand.workspace_id)
    queue_replies(db, queue, conversations, r1 - r0)


def report(args, books, stats, elapsed) -> None:  # type: ignore[no-untyped-def]
    print(f"finished in {elapsed:.0f} s")
    print(
        f"inbound: {args.events:,} sent, {books.raw_processed:,} raw bodies processed, "
        f"{books.inbound_messages:,} messages stored ({books.distinct_inbound:,} distinct), "
        f"{books.raw_pending} pending"
    )
    print(f"outbound: {args.replies:,} replies, outbox {books.outbox}")
    print(
        f"platform: {stats['posts']:,} posts, {stats['unique_keys']:,} distinct replies, "
        f"{stats['duplicates']} duplicates; injected failures: {stats['injected']}"
    )
    print(f"jobs left in the queue: {books.jobs_waiting}")
    ok = (
        books.inbound_messages == books.distinct_inbound == args.events
        and books.outbox == {"sent": args.replies}
        and stats["posts"] == stats["unique_keys"] == args.replies
        and books.jobs_waiting == 0
    )
    print("RESULT:", "every event stored once, every reply sent once" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
