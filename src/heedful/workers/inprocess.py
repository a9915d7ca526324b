"""The default runner: jobs run on a few threads inside ``heedful serve`` (one process; SQLite
is fine, its single writer serialises the jobs' transactions).

Tests use it without threads: :meth:`InProcessQueue.run_pending` runs everything that is due
by the injected clock, in the calling thread, so a test advances a ``FrozenClock`` instead of
sleeping.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ConfigError
from heedful.workers.context import JobContext
from heedful.workers.registry import JobRegistry

log = logging.getLogger("heedful.workers")

IDLE_WAIT_SECONDS = 0.5


@dataclass(order=True)
class _Timed:
    run_at: datetime
    seq: int
    name: str = field(compare=False)
    args: dict[str, Any] = field(compare=False)
    key: str | None = field(compare=False)


class InProcessQueue:
    """A :class:`~heedful.workers.context.JobQueue` that runs jobs in this process."""

    def __init__(self, registry: JobRegistry, clock: Clock) -> None:
        self.registry = registry
        self.clock = clock
        self.context: JobContext | None = None
        self._ready: deque[tuple[str, dict[str, Any], str | None]] = deque()
        self._timed: list[_Timed] = []
        self._keys: set[str] = set()
        self._seq = itertools.count()
        self._next_periodic: dict[str, datetime] = {}
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def bind(self, context: JobContext) -> None:
        self.context = context

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
        job = self.registry.get(name)  # unknown names fail at the caller, not in a thread
        with self._cond:
            if key is not None:
                if key in self._keys:
                    return
                self._keys.add(key)
            if run_at is not None and run_at > self.clock.now():
                heapq.heappush(
                    self._timed, _Timed(run_at, next(self._seq), name, dict(args or {}), key)
                )
            elif job.priority > 0:  # replies before backlog
                self._ready.appendleft((name, dict(args or {}), key))
            else:
                self._ready.append((name, dict(args or {}), key))
            self._cond.notify()

    # -- running -------------------------------------------------------------------------

    def run_pending(self, max_jobs: int = 10_000) -> int:
        """Run every job that is due now (periodic ones included), in this thread, until none
        is left; returns how many ran. For tests and one-off commands."""
        ran = 0
        while ran < max_jobs:
            item = self._take_due()
            if item is None:
                return ran
            self._run(*item)
            ran += 1
        return ran

    def start(self, threads: int = 2) -> None:
        """Run jobs on ``threads`` background threads until :meth:`stop`."""
        self._stopping = False
        for n in range(threads):
            thread = threading.Thread(target=self._loop, name=f"heedful-jobs-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                item = self._take_due_locked()
                if item is None:
                    self._cond.wait(IDLE_WAIT_SECONDS)
                    continue
            self._run(*item)

    def _take_due(self) -> tuple[str, dict[str, Any], str | None] | None:
        with self._cond:
            return self._take_due_locked()

    def _take_due_locked(self) -> tuple[str, dict[str, Any], str | None] | None:
        now = self.clock.now()
        self._queue_periodic(now)
        while self._timed and self._timed[0].run_at <= now:
            timed = heapq.heappop(self._timed)
            self._ready.append((timed.name, timed.args, timed.key))
        if not self._ready:
            return None
        item = self._ready.popleft()
        if item[2] is not None:
            self._keys.discard(item[2])  # a key only dedupes jobs that wait, as in the engine
        return item

    def _queue_periodic(self, now: datetime) -> None:
        for job in self.registry.periodic_jobs:
            due = self._next_periodic.get(job.name, now)
            if due <= now and job.every is not None:
                self._next_periodic[job.name] = now + job.every
                if job.name not in self._keys:
                    self._keys.add(job.name)
                    self._ready.append((job.name, {}, job.name))

    def _run(self, name: str, args: dict[str, Any], key: str | None) -> None:
        if self.context is None:
            raise ConfigError("the in-process job runner has no context: call bind() first")
        try:
            self.registry.get(name).func(self.context, args)
        except Exception:
            log.exception("job %s failed; its work is retried by the next sweep", name)
