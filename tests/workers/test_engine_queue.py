"""The queue engine (procrastinate on PostgreSQL): its tables are made on first use, a job
deferred in a transaction exists exactly when that transaction commits, keys dedupe waiting
jobs, and a worker runs them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from heedful.clock import FrozenClock
from heedful.store.db import Database
from heedful.workers.queue import EngineQueue
from heedful.workers.registry import JobRegistry
from tests.conftest import require_postgres


@pytest.fixture
def engine_queue(db: Database, backend: str) -> Iterator[tuple[EngineQueue, list[Any]]]:
    if backend != "postgresql":
        pytest.skip("the queue engine runs on PostgreSQL (run with --db=postgresql)")
    require_postgres()
    ran: list[Any] = []
    jobs = JobRegistry()
    jobs.job("test.record")(lambda ctx, args: ran.append(dict(args)))
    queue = EngineQueue(jobs, db)
    queue.bind(object())  # type: ignore[arg-type]
    queue.ensure_schema()
    queue.ensure_schema()  # safe to repeat
    yield queue, ran


def waiting(db: Database) -> list[Any]:
    with db.session() as session:
        return list(
            session.execute(
                text("SELECT task_name, args, queueing_lock FROM procrastinate_jobs ORDER BY id")
            ).all()
        )


def test_a_job_deferred_in_a_transaction_commits_with_it(
    db: Database, clock: FrozenClock, engine_queue: tuple[EngineQueue, list[Any]]
) -> None:
    queue, ran = engine_queue
    with pytest.raises(RuntimeError), db.write() as session:
        queue.defer("test.record", {"n": 1}, session=session)
        raise RuntimeError("rolled back")
    assert waiting(db) == []
    with db.write() as session:
        queue.defer("test.record", {"n": 2}, key="k", session=session)
        queue.defer("test.record", {"n": 3}, key="k", session=session)  # one waits already
        session.execute(text("SELECT 1"))  # the transaction is still usable
    queue.defer("test.record", {"n": 4})
    assert [(name, args) for name, args, _ in waiting(db)] == [
        ("test.record", {"n": 2}),
        ("test.record", {"n": 4}),
    ]
    queue.run_worker(concurrency=1, wait=False)
    assert sorted(r["n"] for r in ran) == [2, 4]
