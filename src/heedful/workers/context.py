"""What a job is given (:class:`JobContext`) and how work is handed to the workers
(:class:`JobQueue`)."""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
import orjson
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter
from heedful.channels.registry import adapter_class
from heedful.clock import Clock
from heedful.services.channel_accounts import AdapterResolver, build_adapter
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount


class JobQueue(Protocol):
    """Where jobs are deferred: the in-process runner or the queue engine."""

    def defer(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        run_at: datetime | None = None,
        session: Session | None = None,
    ) -> None:
        """Ask for job ``name`` to run with ``args`` (JSON values).

        ``key``: at most one job with this key waits in the queue (a second defer is dropped).
        ``run_at``: not before then. ``session``: defer inside that transaction, so the job
        exists exactly when the caller's writes commit (on PostgreSQL with the queue engine;
        in-process the job is simply queued, and finds the rows once they commit)."""
        ...


@dataclass(frozen=True)
class Tuning:
    """Batch sizes, leases and retry timing; the defaults suit production."""

    webhook_batch: int = 200  # raw events ingested per transaction
    delivery_batch: int = 10  # outbox rows claimed at a time by one job
    drain_seconds: float = 10.0  # a draining job hands over to a fresh one after this long
    lease: timedelta = timedelta(seconds=120)  # a sending row belongs to its worker this long
    retry_base: timedelta = timedelta(seconds=2)  # first retry delay (doubles, with jitter)
    retry_cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 10  # transient failures before a reply is marked failed
    poll_every: timedelta = timedelta(seconds=60)  # default polling interval per account


ADAPTER_CACHE_SIZE = 256


class ChannelDirectory:
    """Builds the configured adapter for a channel account (secrets decrypted here only)."""

    def __init__(
        self,
        box: SecretBox,
        clock: Clock,
        *,
        resolve: AdapterResolver = adapter_class,
        http: httpx.Client | None = None,
    ) -> None:
        self.box = box
        self.clock = clock
        self.resolve = resolve
        self._http = http
        self._adapters: OrderedDict[tuple[Any, ...], ChannelAdapter[Any]] = OrderedDict()
        self._adapters_lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        """One client for every adapter (connection pooling); made on first use."""
        if self._http is None:
            self._http = httpx.Client(timeout=httpx.Timeout(20.0, connect=5.0))
        return self._http

    def adapter_for(self, account: ChannelAccount) -> ChannelAdapter[Any]:
        """The account's adapter, built once per version of its settings and secrets: a
        webhook request or a poll does not decrypt the secrets again, and an adapter that
        signs in (Bluesky allows a few hundred sign-ins a day) keeps its session. Any change
        to the account's settings or secrets builds a new one."""
        key = (
            account.id,
            account.channel,
            orjson.dumps(account.config or {}, option=orjson.OPT_SORT_KEYS),
            account.secrets_encrypted or "",
        )
        with self._adapters_lock:
            found = self._adapters.get(key)
            if found is not None:
                self._adapters.move_to_end(key)
                return found
        adapter = build_adapter(
            account, box=self.box, clock=self.clock, http=self.http, resolve=self.resolve
        )
        with self._adapters_lock:
            self._adapters[key] = adapter
            while len(self._adapters) > ADAPTER_CACHE_SIZE:
                self._adapters.popitem(last=False)
        return adapter

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class JobContext:
    """Everything a job may use. Jobs open their own transactions on ``db``."""

    db: Database
    clock: Clock
    queue: JobQueue
    channels: ChannelDirectory
    tuning: Tuning = field(default_factory=Tuning)
    worker_id: str = field(default_factory=default_worker_id)
