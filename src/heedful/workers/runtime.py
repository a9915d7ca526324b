"""Putting the workers together: which queue (in-process or the engine), the context jobs
get, hooking them into the web app, and the ``heedful worker`` loop."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Mount

from heedful.channels.registry import adapter_class
from heedful.clock import Clock, SystemClock
from heedful.config import Settings, WorkerMode
from heedful.services.channel_accounts import AdapterResolver
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.workers.context import ChannelDirectory, JobContext, JobQueue, Tuning
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import JobRegistry, build_registry

log = logging.getLogger("heedful.workers")

SQLITE_WEBHOOK_BATCH = 25


def build_queue(
    settings: Settings,
    db: Database,
    clock: Clock,
    registry: JobRegistry | None = None,
    **engine_options: Any,
) -> JobQueue:
    """The queue for ``settings.worker_mode``: in-process (default) or the queue engine
    (``engine_options`` go to :class:`~heedful.workers.queue.EngineQueue`)."""
    registry = registry or build_registry()
    if settings.worker_mode is WorkerMode.QUEUE:
        from heedful.workers.queue import EngineQueue

        return EngineQueue(registry, db, **engine_options)
    return InProcessQueue(registry, clock)


def build_context(
    settings: Settings,
    db: Database,
    clock: Clock,
    queue: JobQueue,
    *,
    resolve: AdapterResolver = adapter_class,
    tuning: Tuning | None = None,
    worker_id: str | None = None,
) -> JobContext:
    """The context every job gets, bound to ``queue`` so it can run them."""
    box = SecretBox(settings.secret_key_value())
    channels = ChannelDirectory(box, clock, resolve=resolve)
    context = JobContext(db=db, clock=clock, queue=queue, channels=channels)
    if tuning is not None:
        context.tuning = tuning
    elif db.dialect == "sqlite":
        # One writer: short ingest transactions, so webhook requests never wait long for it.
        context.tuning = Tuning(webhook_batch=SQLITE_WEBHOOK_BATCH)
    if worker_id is not None:
        context.worker_id = worker_id
    bind = getattr(queue, "bind", None)
    if bind is not None:
        bind(context)
    return context


def install(app: FastAPI) -> None:
    """Give the web app its job queue and channel directory (``app.state.jobs``,
    ``app.state.channels``) and mount the webhook endpoints under ``/webhooks``. Called once
    by ``create_app``; starts no thread (see :func:`run_jobs_in_process`)."""
    from heedful.web.api.webhooks import webhook_app

    settings: Settings = app.state.settings
    queue = build_queue(settings, app.state.db, app.state.clock)
    context = build_context(settings, app.state.db, app.state.clock, queue)
    app.state.jobs = queue
    app.state.channels = context.channels
    app.state.job_context = context
    # First in the routing table: a platform's webhook traffic (hundreds of requests a second)
    # is matched at once, not after every page and API route of the app.
    app.router.routes.insert(0, Mount("/webhooks", app=webhook_app(app)))


def run_jobs_in_process(app: FastAPI, threads: int = 2) -> FastAPI:
    """In the default mode, run the jobs on threads of this server process for as long as the
    app lives (``heedful serve``). With the queue engine, ``heedful worker`` runs them."""
    queue = app.state.jobs
    if not isinstance(queue, InProcessQueue):
        return app
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        queue.start(threads)
        try:
            async with inner(application) as state:
                yield state
        finally:
            queue.stop()

    app.router.lifespan_context = lifespan
    return app


def run_worker(
    settings: Settings,
    *,
    concurrency: int = 4,
    resolve: AdapterResolver = adapter_class,
    tuning: Tuning | None = None,
    clock: Clock | None = None,
    registry: JobRegistry | None = None,
    **engine_options: Any,
) -> None:
    """``heedful worker``: run jobs until stopped (SIGINT / SIGTERM)."""
    configure_logging(settings.log_level)
    clock = clock or SystemClock()
    db = Database.from_url(settings.resolved_database_url, pool_size=concurrency + 2)
    queue = build_queue(settings, db, clock, registry, **engine_options)
    context = build_context(settings, db, clock, queue, resolve=resolve, tuning=tuning)
    try:
        if isinstance(queue, InProcessQueue):
            _run_in_foreground(queue, concurrency)
        else:
            from heedful.workers.queue import EngineQueue

            assert isinstance(queue, EngineQueue)
            queue.run_worker(concurrency=concurrency, name=context.worker_id)
    finally:
        context.channels.close()
        db.dispose()


def configure_logging(level: str) -> None:
    """Workers log to stderr; the queue engine's per-job lines only when debugging."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if level.upper() != "DEBUG":
        for noisy in ("procrastinate", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _run_in_foreground(queue: InProcessQueue, threads: int) -> None:
    import threading

    stop = threading.Event()
    queue.start(threads)
    try:
        stop.wait()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        queue.stop()
