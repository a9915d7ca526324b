"""Runs an import: rows → batches → one transaction per batch → ingest service.

Each batch (its messages, conversations and quarantined rows) commits atomically, and the
ingest service skips what is already stored, so an import killed at any point and run again
ends with exactly the data of an uninterrupted run.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.services.importers.base import Row
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events, quarantine
from heedful.services.ingest_plan import CannotPlan, Overlay, Plan, Replan, plan_events, write_plan
from heedful.store import search
from heedful.store.db import Database, WriterLine
from heedful.store.deferred import DEFER_FROM_BYTES, drop_indexes, restore_indexes, store_is_empty
from heedful.store.dialect import hold_scope, refresh_statistics, release_scope, scope_wanted

DEFAULT_BATCH_SIZE = 5000
# Allocations between two young-generation collections during an import (Python's default is
# 700). An import allocates millions of short-lived objects while a few batches of long-lived
# ones wait in memory: at the default, the collector runs every few rows and scans the
# survivors again and again (about a tenth of the import's time), to find no cycles, since
# rows, events and their tuples make none.
IMPORT_GC_THRESHOLD = 20_000
# The tables an import grows, with the columns its lookups filter on (whose statistics must
# keep up with the growth; see refresh_statistics).
GROWING_TABLES = {
    "message": (
        "workspace_id",
        "channel",
        "external_id",
        "in_reply_to_external_id",
        "thread_ref",
        "conversation_id",
        "direction",
    ),
    "conversation": ("id", "contact_id", "channel", "status"),
    "contact": (),  # every column: the table is narrow
    "contact_identity": ("workspace_id", "channel", "external_id"),
}


@dataclass
class ImportReport:
    rows_read: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    rejected_rows: int = 0  # refused by the reader (bad CSV/JSON), before ingest
    reasons: dict[str, int] = field(default_factory=dict)
    planned_batches: int = 0  # stored by a plan made while the batch before was written

    @property
    def quarantined(self) -> int:
        return self.rejected_rows + self.ingest.quarantined

    def all_reasons(self) -> dict[str, int]:
        merged = dict(self.reasons)
        for reason, count in self.ingest.reasons.items():
            merged[reason] = merged.get(reason, 0) + count
        return merged

    def as_json(self) -> dict[str, object]:
        return {
            "rows_read": self.rows_read,
            "messages_stored": self.ingest.stored,
            "duplicates_skipped": self.ingest.duplicates,
            "conversations_created": self.ingest.conversations_created,
            "conversations_merged": self.ingest.conversations_merged,
            "rows_quarantined": self.quarantined,
            "quarantine_reasons": self.all_reasons(),
        }


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_DONE = object()


def read_ahead(batches: Iterator[list[Row]], depth: int = 2) -> Iterator[list[Row]]:
    """Read and parse the next batches in a thread while this one is written: the database
    driver releases the GIL while it works, so parsing and writing overlap. At most ``depth``
    batches wait in memory."""
    pending: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join(timeout=5)


def run_import(
    db: Database,
    workspace_id: int,
    rows: Iterable[Row],
    *,
    clock: Clock,
    source: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    window: timedelta = timedelta(hours=24),
    on_batch: Callable[[ImportReport], None] | None = None,
    size_hint: int | None = None,
    bulk_index_bytes: int = DEFER_FROM_BYTES,
) -> ImportReport:
    """Import ``rows`` into the workspace, one transaction per batch.

    ``size_hint``: the input's size in bytes, when known. An import of at least
    ``bulk_index_bytes`` into an empty store builds the inbox's and search's indexes once at
    the end rather than row by row (see heedful.store.deferred)."""
    report = ImportReport()
    options = IngestOptions(window=window, source=source, actor="import", prevalidated=True)
    with db.bulk_load(), _fewer_collections():
        deferred = _indexes_for(db, size_hint, bulk_index_bytes)
        try:
            _import_batches(db, workspace_id, rows, report, options, clock, batch_size, on_batch)
            with db.write() as session:
                search.index_pending(session)
        finally:
            if deferred:
                with db.write() as session:
                    restore_indexes(session.connection())
    return report


def _indexes_for(db: Database, size_hint: int | None, bulk_index_bytes: int) -> list[str]:
    """The indexes this import builds at its end: the deferrable ones if it is large and the
    store empty (dropped now), else none, after building any that an import that died left
    out (its lookups would not need them, the inbox would)."""
    with db.write() as session:
        connection = session.connection()
        if (size_hint or 0) >= bulk_index_bytes and store_is_empty(connection):
            return drop_indexes(connection)
        restore_indexes(connection)
        return []


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector's young generation less often (see IMPORT_GC_THRESHOLD), and
    put the thresholds back as they were after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], IMPORT_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _import_batches(
    db: Database,
    workspace_id: int,
    rows: Iterable[Row],
    report: ImportReport,
    options: IngestOptions,
    clock: Clock,
    batch_size: int,
    on_batch: Callable[[ImportReport], None] | None,
) -> None:
    """On PostgreSQL, batch N+1 is planned (read, threaded, its rows built) while batch N is
    written on the writer line, in its own thread: the server works on one while Python works
    on the other. Each batch still commits alone and in order, with exactly what the serial
    path would have stored (see heedful.services.ingest_plan).

    SQLite takes every batch through the serial path: its work runs in this process, and a
    planning thread only takes the GIL from the writing one (measured: no faster)."""
    line = WriterLine(db)
    writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
    committer = _Committer(db, line, workspace_id, report, options, clock, on_batch)
    pending: tuple[Future[bool], list[Row]] | None = None
    try:
        if committer.postgres:  # nobody else ingests into the workspace while plans are made
            hold_scope(line.connection, workspace_id)
        overlay = Overlay()
        # a reader in a child process works ahead by itself; any other is read in a thread
        reading = batched(rows, batch_size)
        if not getattr(rows, "reads_ahead", False):
            reading = read_ahead(reading)
        for batch in reading:
            report.rows_read += len(batch)
            events = [row.event for row in batch if row.event is not None]
            plan = _plan(db, workspace_id, events, options, clock, overlay)
            if pending is not None:
                if not _settle(pending, committer):
                    plan = None  # planned on what the refused batch would have stored
                pending = None
            if plan is None:  # the serial path, nothing in flight
                committer.commit(batch, None)
                overlay = Overlay()
                committer.step_aside_if_wanted()
                continue
            pending = (writes.submit(committer.commit, batch, plan), batch)
            overlay = plan.overlay
            if committer.wanted:  # others wait for the workspace: let them in after this one
                _settle(pending, committer)
                pending = None
                overlay = Overlay()
                committer.step_aside_if_wanted()
        if pending is not None:
            _settle(pending, committer)
    finally:
        writes.shutdown(wait=True)  # after an error too: the write in flight ends first
        line.close()


def _plan(
    db: Database,
    workspace_id: int,
    events: list[InboundEvent],
    options: IngestOptions,
    clock: Clock,
    overlay: Overlay,
) -> Plan | None:
    """The batch's plan, on PostgreSQL, unless it must take the serial path."""
    if db.dialect != "postgresql":
        return None
    try:
        with db.session() as reads:
            return plan_events(
                reads, workspace_id, events, clock=clock, options=options, overlay=overlay
            )
    except CannotPlan:
        return None


def _settle(pending: tuple[Future[bool], list[Row]], committer: _Committer) -> bool:
    """Wait for a planned batch's write. If the store refused its plan (another writer came
    in between), store the batch through the serial path instead; returns False then."""
    future, batch = pending
    if future.result():
        return True
    committer.commit(batch, None)
    return False


class _Committer:
    """Writes batches on the writer line, one transaction each, and keeps the report."""

    def __init__(
        self,
        db: Database,
        line: WriterLine,
        workspace_id: int,
        report: ImportReport,
        options: IngestOptions,
        clock: Clock,
        on_batch: Callable[[ImportReport], None] | None,
    ) -> None:
        self.db, self.line, self.ws = db, line, workspace_id
        self.report, self.options, self.clock, self.on_batch = report, options, clock, on_batch
        self.postgres = db.dialect == "postgresql"
        self.committed = 0
        self.analyze_at = 1
        self.wanted = False  # another session waits for the workspace (PostgreSQL)

    def commit(self, batch: list[Row], plan: Plan | None) -> bool:
        """Store one batch: its plan if it has one, else through the serial path. Returns
        False, having stored nothing, when the store refused the plan."""
        report, source, now = self.report, self.options.source, self.clock.now()
        try:
            with self.line.transaction() as session:
                rejected: dict[str, int] = {}
                for row in batch:
                    if row.event is None:
                        reason = row.reason or "unreadable row"
                        quarantine(
                            session,
                            workspace_id=self.ws,
                            source=source,
                            raw=row.raw,
                            reason=reason,
                            now=now,
                            locator=row.locator,
                        )
                        rejected[reason] = rejected.get(reason, 0) + 1
                if plan is None:
                    events = [row.event for row in batch if row.event is not None]
                    result = ingest_events(
                        session, self.ws, events, clock=self.clock, options=self.options
                    )
                else:
                    result = write_plan(session, plan, self.clock)
        except Replan:
            return False
        report.ingest.add(result)
        report.planned_batches += plan is not None
        for reason, count in rejected.items():
            report.rejected_rows += count
            report.reasons[reason] = report.reasons.get(reason, 0) + count
        self.committed += 1
        if self.committed == self.analyze_at:  # after batches 1, 2, 4, 8…: estimates keep up
            self.analyze_at *= 2
            if self.postgres:
                with self.line.transaction() as session:
                    refresh_statistics(session, GROWING_TABLES)
        if self.postgres:
            self.wanted = scope_wanted(self.line.connection, self.ws)
        if self.on_batch is not None:
            self.on_batch(report)
        return True

    def step_aside_if_wanted(self) -> None:
        """PostgreSQL: nothing in flight, and others wait for the workspace: release it and
        queue for it again behind them."""
        if self.postgres and self.wanted:
            release_scope(self.line.connection, self.ws)
            hold_scope(self.line.connection, self.ws)
            self.wanted = False
