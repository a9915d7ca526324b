"""Scaled-out mode (``HEEDFUL_WORKER_MODE=queue``): jobs go through procrastinate, a job queue
that lives in PostgreSQL, and ``heedful worker`` processes on any number of machines run them.

Why procrastinate: the store is already PostgreSQL when Heedful scales out, so the queue adds
no second stateful service to run, back up and watch; a job can be deferred in the same
transaction as the rows it is about (a reply and its delivery job commit together, or neither
does); workers fetch with ``SELECT … FOR UPDATE SKIP LOCKED`` and wake on LISTEN/NOTIFY (no
polling delay); periodic jobs are deferred once per tick whichever worker sees the tick first;
a queueing lock keeps one waiting job per key; dead workers are found by their heartbeats and
their jobs retried. The queue's tables (``procrastinate_*``) are created on first use.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as pq_exceptions
from procrastinate.jobs import JobDeferrer, Status
from procrastinate.manager import JobManager
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from heedful.errors import ConfigError
from heedful.store.db import Database
from heedful.workers.context import JobContext
from heedful.workers.registry import JobDef, JobRegistry

log = logging.getLogger("heedful.workers")
POLL_SECONDS = 0.2  # see run_worker

QUEUE = "heedful"
STALLED_CHECK = "heedful_reap_stalled"
SCHEMA_LOCK = 7_310_442_001  # advisory lock id: one process creates the queue's tables
RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=1)


def libpq_conninfo(database_url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a libpq connection string for the queue's own pool."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("HEEDFUL_WORKER_MODE=queue needs PostgreSQL (HEEDFUL_DATABASE_URL)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_for(every: timedelta) -> str:
    """A procrastinate cron line (6th field: seconds) for "about every ``every``"."""
    seconds = int(every.total_seconds())
    if seconds < 60:
        return f"* * * * * */{seconds}"
    if seconds < 3600:
        return f"*/{seconds // 60} * * * *"
    return f"0 */{min(seconds // 3600, 23)} * * *"


class EngineQueue:
    """A :class:`~heedful.workers.context.JobQueue` on procrastinate."""

    def __init__(
        self,
        registry: JobRegistry,
        db: Database,
        *,
        pool_size: int = 4,
        heartbeat_seconds: float = 5.0,
        stalled_after_seconds: float = 20.0,
    ) -> None:
        self.registry = registry
        self.db = db
        self.heartbeat_seconds = heartbeat_seconds
        self.stalled_after_seconds = stalled_after_seconds
        self.context: JobContext | None = None
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_conninfo(db.engine.url.render_as_string(hide_password=False)),
            min_size=1,
            max_size=pool_size,
        )
        self.app = procrastinate.App(connector=connector)
        self._sync_jobs = JobManager(connector=procrastinate.SyncPsycopgConnector())
        for job in registry:
            self._register(job)
        self._register_stalled_check()

    def bind(self, context: JobContext) -> None:
        self.context = context

    # -- schema --------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the queue's tables if this database has none yet (safe to race)."""
        with self.db.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
            if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
                return
            sql = self.app.schema_manager.get_schema()
            conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]

    # -- JobQueue ------------------------------------------------------------------------

    def defer(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        run_at: datetime | None = None,
        session: Session | None = None,
    ) -> None:
        job = self.registry.get(name)
        options: dict[str, Any] = {"priority": job.priority} if job.priority else {}
        if job.exclusive and args and job.exclusive in args:
            options["lock"] = f"{name}:{args[job.exclusive]}"
        if key is not None:
            options["queueing_lock"] = key
        if run_at is not None:
            options["schedule_at"] = run_at
        if session is not None:
            self._defer_in(session, name, dict(args or {}), options)
            return
        with self.db.engine.begin() as conn:
            self._defer_on(conn.connection.driver_connection, name, dict(args or {}), options)

    def _defer_in(
        self, session: Session, name: str, args: dict[str, Any], options: dict[str, Any]
    ) -> None:
        # A refused queueing lock is an error in PostgreSQL's eyes: it happens inside a
        # savepoint, rolled back, and the caller's transaction goes on.
        with contextlib.suppress(pq_exceptions.AlreadyEnqueued), session.begin_nested():
            raw = session.connection().connection.driver_connection
            self._defer_on(raw, name, args, options, quiet=False)

    def _defer_on(
        self,
        connection: Any,
        name: str,
        args: dict[str, Any],
        options: dict[str, Any],
        *,
        quiet: bool = True,
    ) -> None:
        configured = self.app.tasks[name].configure(connection=connection, **options)
        # Deferring on a caller's connection is synchronous, even inside a worker whose own
        # connector is asynchronous: go through a sync job manager that never opens a pool.
        deferrer = JobDeferrer(self._sync_jobs, configured.job, connection=connection)
        try:
            deferrer.defer(**args)
        except pq_exceptions.AlreadyEnqueued:  # one is already waiting
            if not quiet:
                raise

    # -- running -------------------------------------------------------------------------

    def run_worker(
        self,
        *,
        concurrency: int = 4,
        name: str | None = None,
        wait: bool = True,
    ) -> None:
        """Run jobs until stopped (SIGINT/SIGTERM finish the running jobs first)."""
        self.ensure_schema()
        self.app.run_worker(
            queues=[QUEUE],
            concurrency=concurrency,
            name=name,
            wait=wait,
            update_heartbeat_interval=self.heartbeat_seconds,
            stalled_worker_timeout=self.stalled_after_seconds,
            delete_jobs="successful",
            # A worker wakes on LISTEN/NOTIFY, but the wake-up of an exclusive job deferred
            # while another job of its key runs is spent (the fetch skips the locked job), and
            # nothing wakes the worker when the running one ends: the next poll finds it. A
            # short poll (one cheap indexed query per idle worker, 5 a second) keeps that
            # hand-over, which webhook traffic meets every drain slice, from adding a second
            # to a live message's latency.
            fetch_job_polling_interval=POLL_SECONDS,
        )

    def _register(self, job: JobDef) -> None:
        task = self.app.task(name=job.name, queue=QUEUE, retry=RETRY)(self._runner(job))
        if job.every is not None:
            self.app.periodic(
                cron=cron_for(job.every), periodic_id=job.name, priority=job.priority
            )(task)

    def _runner(self, job: JobDef) -> Callable[..., None]:
        def run(**kwargs: Any) -> None:
            if self.context is None:
                raise ConfigError("the queue worker has no context: call bind() first")
            kwargs.pop("timestamp", None)  # given to periodic jobs by the engine
            job.func(self.context, kwargs)

        run.__name__ = job.name.replace(".", "_")
        run.__qualname__ = run.__name__
        return run

    def _register_stalled_check(self) -> None:
        """Jobs of a worker that died (no heartbeat) go back to the queue; every job is
        idempotent, so running one again is safe. When the same job already waits (its
        queueing lock is taken), the dead one is simply closed: the waiting one does its
        work."""

        async def reap_stalled(timestamp: int) -> None:
            manager = self.app.job_manager
            stalled = await manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=self.stalled_after_seconds
            )
            for job in stalled:
                log.warning("job %s (%s) of a dead worker is retried", job.id, job.task_name)
                try:
                    await manager.retry_job(job)
                except pq_exceptions.UniqueViolation:
                    assert job.id is not None
                    await manager.finish_job_by_id_async(
                        job.id, status=Status.ABORTED, delete_job=True
                    )

        task = self.app.task(name=STALLED_CHECK, queue=QUEUE)(reap_stalled)
        self.app.periodic(cron="* * * * * */5", periodic_id=STALLED_CHECK)(task)
