"""The kill test, scaled down for the suite (the full 100,000 / 10,000 run is
``bench/kill_workers.py``): three ``heedful worker`` processes on PostgreSQL and the queue
engine, inbound webhook bodies and outbound replies to a local platform that fails 5 % of
posts, one worker SIGKILLed mid-run and restarted. Every event is stored once, every reply is
posted once, nothing is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from heedful.config import Settings
from heedful.store.db import Database
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
from tests.conftest import require_postgres

EVENTS, REPLIES, CHUNK = 2000, 200, 500


@pytest.mark.slow
def test_sigkill_one_of_three_workers_loses_and_doubles_nothing(
    backend: str, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("scale-out runs on PostgreSQL (run with --db=postgresql)")
    require_postgres()
    secret = settings.secret_key.get_secret_value()
    db = Database.from_url(database_url)
    platform = start_platform(0.05)
    workers = Workers(worker_env(database_url, secret), concurrency=3, log_dir=tmp_path)
    try:
        brand = create_brand(db, secret, platform.url, "whsec-" + "k" * 24)
        queue = EngineQueue(build_registry(), db)
        queue.ensure_schema()
        conversations = create_conversations(db, brand, 50)
        workers.start(3)
        for start in range(0, EVENTS // 2, CHUNK):
            store_bodies(db, brand, start, CHUNK)
            nudge(queue, brand.workspace_id)
        queue_replies(db, queue, conversations, REPLIES // 2)
        wait_until(lambda: read_books(db).raw_processed >= EVENTS // 4, timeout=60)
        workers.kill(0)
        for start in range(EVENTS // 2, EVENTS, CHUNK):
            store_bodies(db, brand, start, CHUNK)
            nudge(queue, brand.workspace_id)
        queue_replies(db, queue, conversations, REPLIES - REPLIES // 2)
        workers.restart(0)
        wait_until(lambda: read_books(db).settled, timeout=180, what="the scaled-down kill run")
        books = read_books(db)
        stats = platform.stats()
    finally:
        workers.stop()
        platform.stop()
        db.dispose()
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("worker-*.log"))
    assert books.raw_processed == EVENTS and books.raw_pending == 0
    assert books.inbound_messages == books.distinct_inbound == EVENTS
    assert books.outbox == {"sent": REPLIES}, logs[-3000:]
    assert stats["posts"] == stats["unique_keys"] == REPLIES
    assert stats["duplicates"] == 0
    assert sum(stats["injected"].values()) > 0
