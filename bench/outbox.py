"""Outbox delivery throughput: 3 `heedful worker` processes on PostgreSQL deliver replies to a
local fake platform that fails 5 % of posts (errors before posting, errors after posting —
the response is lost —, and rate limits with Retry-After: 1 s). Counts at the platform prove
zero duplicates.

    .venv/bin/python bench/outbox.py --replies 10000 --workers 3
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
    wait_until,
    worker_env,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--faults", type=float, default=0.05)
    parser.add_argument(
        "--skip-job",
        action="append",
        default=[],
        help="leave a job out of the workers (e.g. triage.sweep, the background refine)",
    )
    args = parser.parse_args()
    skip = [a for name in args.skip_job for a in ("--skip-job", name)]
    platform = start_platform(args.faults)
    try:
        with throwaway_database() as (url, db), tempfile.TemporaryDirectory() as logs:
            brand = create_brand(db, SECRET_KEY, platform.url, "whsec-" + "k" * 24)
            queue = EngineQueue(build_registry(), db)
            queue.ensure_schema()
            conversations = create_conversations(db, brand, min(1000, args.replies))
            made = time.monotonic()
            queue_replies(db, None, conversations, args.replies)
            made = time.monotonic() - made
            pool = Workers(worker_env(url, SECRET_KEY), args.concurrency, Path(logs), skip)
            pool.start(args.workers)
            time.sleep(3)  # let them start: the figure is delivery, not Python start-up
            started = time.monotonic()
            queue.defer("delivery.drain", key="delivery.drain")
            try:
                wait_until(lambda: read_books(db).settled, timeout=3600, every=0.25)
                elapsed = time.monotonic() - started
                books = read_books(db)
            finally:
                pool.stop()
        stats = platform.stats()
    finally:
        platform.stop()
    print(f"send_reply (message + outbox row): {args.replies / made:,.0f} replies/s")
    print(
        f"{args.workers} workers x {args.concurrency}: {args.replies:,} replies delivered in "
        f"{elapsed:.1f} s = {args.replies / elapsed:,.1f} replies/s"
    )
    print(f"outbox: {books.outbox}")
    print(
        f"platform: {stats['posts']:,} posts, {stats['unique_keys']:,} distinct replies, "
        f"{stats['duplicates']} duplicates; injected: {stats['injected']}"
    )


if __name__ == "__main__":
    main()
