"""The jobs Heedful runs in the background, by name: registered the same way by every area.

A job is a plain function ``func(ctx: JobContext, args: Mapping[str, Any]) -> None`` whose work
is idempotent (running it twice, or after a crash half-way, changes nothing more than running
it once). A module that has jobs exposes ``register(jobs: JobRegistry)`` and is listed in
:data:`JOB_MODULES` (one line), exactly like the CLI's ``COMMAND_MODULES``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from heedful.errors import ConfigError

if TYPE_CHECKING:
    from heedful.workers.context import JobContext

JobArgs = Mapping[str, Any]
JobFunc = Callable[["JobContext", JobArgs], None]

# One module per area that has jobs; each exposes ``register(jobs: JobRegistry)``.
JOB_MODULES: tuple[str, ...] = (
    "heedful.workers.webhooks",
    "heedful.workers.delivery",
    "heedful.workers.polling",
    "heedful.workers.listening",
    "heedful.triage.jobs",  # triage area: background first pass + refine
    "heedful.care.jobs",  # care area: SLA escalations, promise reminders and broken promises
)

# How often the safety-net jobs look for work whose wake-up was lost (a crash between a commit
# and its nudge, a retry that came due): the worst-case delay, not the usual one.
SWEEP_EVERY = timedelta(seconds=5)

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True, slots=True)
class JobDef:
    """A named job; ``every`` makes it periodic (run about that often, by one worker at a time
    when scaled out)."""

    name: str
    func: JobFunc
    every: timedelta | None = None
    priority: int = 0  # higher runs first when workers are busy (replies before backlog)
    # The name of an argument: jobs with the same value of it never run at the same time
    # (e.g. one ingest stream per workspace, since ingest serialises a workspace's writers).
    exclusive: str | None = None

    @property
    def is_periodic(self) -> bool:
        return self.every is not None


class JobRegistry:
    """Job definitions by name. Build one with :func:`build_registry`."""

    def __init__(self) -> None:
        self._jobs: dict[str, JobDef] = {}

    def job(
        self, name: str, *, priority: int = 0, exclusive: str | None = None
    ) -> Callable[[JobFunc], JobFunc]:
        """Decorator: register ``func`` as the job ``name`` ("area.what", e.g. "care.remind")."""

        def add(func: JobFunc) -> JobFunc:
            self.add(JobDef(name, func, priority=priority, exclusive=exclusive))
            return func

        return add

    def periodic(
        self, name: str, every: timedelta, *, priority: int = 0
    ) -> Callable[[JobFunc], JobFunc]:
        """Decorator: run ``func`` about every ``every`` (at least one second)."""
        if every < timedelta(seconds=1):
            raise ConfigError(f"periodic job {name}: run it at most once a second")

        def add(func: JobFunc) -> JobFunc:
            self.add(JobDef(name, func, every, priority))
            return func

        return add

    def add(self, job: JobDef) -> None:
        if not _NAME.match(job.name):
            raise ConfigError(f"job name {job.name!r}: use dotted lower-case, e.g. 'care.remind'")
        if job.name in self._jobs:
            raise ConfigError(f"job {job.name!r} is registered twice")
        self._jobs[job.name] = job

    def get(self, name: str) -> JobDef:
        try:
            return self._jobs[name]
        except KeyError:
            raise ConfigError(f"unknown job {name!r}") from None

    def __iter__(self) -> Iterator[JobDef]:
        return iter(sorted(self._jobs.values(), key=lambda j: j.name))

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    @property
    def periodic_jobs(self) -> list[JobDef]:
        return [job for job in self if job.is_periodic]

    def without(self, names: set[str]) -> JobRegistry:
        """A copy without the jobs named (benchmarks that measure one area alone)."""
        copy = JobRegistry()
        for job in self:
            if job.name not in names:
                copy.add(job)
        return copy


def build_registry(modules: tuple[str, ...] = JOB_MODULES) -> JobRegistry:
    """A registry holding the jobs of every module in ``modules``."""
    registry = JobRegistry()
    for name in modules:
        importlib.import_module(name).register(registry)
    return registry
