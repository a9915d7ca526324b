"""Sustained webhook ingest on PostgreSQL with 1 and with 3 `heedful worker` processes.

A backlog of stored webhook bodies (one event each, as the endpoint stores them) is drained by
the workers through the queue engine; the figure is events stored per second (parse, ingest
with threading and identities, the on-ingest triage and care steps, status change).

    .venv/bin/python bench/ingest_workers.py --events 20000 --workers 1 3
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
    read_books,
    store_bodies,
    wait_until,
    worker_env,
)
from heedful.workers.webhooks import nudge

CHUNK = 5000


def run(events: int, workers: int, concurrency: int, skip: list[str]) -> float:
    with throwaway_database() as (url, db), tempfile.TemporaryDirectory() as logs:
        brand = create_brand(db, SECRET_KEY, "http://127.0.0.1:9", "whsec-" + "k" * 24)
        queue = EngineQueue(build_registry(), db)
        queue.ensure_schema()
        for start in range(0, events, CHUNK):
            store_bodies(db, brand, start, min(CHUNK, events - start))
        pool = Workers(worker_env(url, SECRET_KEY), concurrency, Path(logs), skip)
        started = time.monotonic()
        pool.start(workers)
        nudge(queue, brand.workspace_id)
        try:
            wait_until(lambda: read_books(db).raw_pending == 0, timeout=1800, every=0.25)
            elapsed = time.monotonic() - started
            books = read_books(db)
        finally:
            pool.stop()
        assert books.inbound_messages == books.distinct_inbound == events, books
        return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--concurrency", type=int, default=2, help="jobs at a time per worker")
    parser.add_argument(
        "--skip-job",
        action="append",
        default=[],
        help="leave a job out of the workers (e.g. triage.sweep, the background refine)",
    )
    args = parser.parse_args()
    skip = [a for name in args.skip_job for a in ("--skip-job", name)]
    base = None
    for count in args.workers:
        rate = run(args.events, count, args.concurrency, skip)
        base = base or rate
        print(
            f"{count} worker(s): {args.events:,} events in backlog, {rate:,.0f} events/s "
            f"(x{rate / base:.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
