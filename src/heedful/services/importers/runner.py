"""Runs an import: rows → batches → one transaction per batch → ingest service.

Each batch (its messages, conversations and quarantined rows) commits atomically, and the
ingest service skips what is already stored, so an import killed at any point and run again
ends with exactly the data of an uninterrupted run.
"""

from __future__ import annotations

import gc
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO, NamedTuple, Self

from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events, quarantine
from heedful.store import search
from heedful.store.db import Database
from heedful.store.dialect import refresh_statistics

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


class Row(NamedTuple):
    """One input row: an event, or the raw input and why it was refused. (A named tuple, not a
    frozen dataclass: an import builds one per row, and this is about twice as fast to build.)"""

    locator: str  # "row 17", "line 9"
    event: InboundEvent | None = None
    raw: bytes = b""
    reason: str | None = None


class FileReader(ABC):
    """Base of the file readers: a context manager over a binary stream that yields
    :class:`Row` objects, with the position (bytes read so far) for progress bars."""

    stream: BinaryIO
    name: str

    @abstractmethod
    def __iter__(self) -> Iterator[Row]: ...

    @property
    def position(self) -> int:
        return self.stream.tell()

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class ImportReport:
    rows_read: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    rejected_rows: int = 0  # refused by the reader (bad CSV/JSON), before ingest
    reasons: dict[str, int] = field(default_factory=dict)

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
) -> ImportReport:
    report = ImportReport()
    options = IngestOptions(window=window, source=source, actor="import", prevalidated=True)
    with db.bulk_load(), _fewer_collections():
        _import_batches(db, workspace_id, rows, report, options, clock, batch_size, on_batch)
        with db.write() as session:
            search.index_pending(session)
    return report


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
    source = options.source
    analyze_at = 1
    for number, batch in enumerate(read_ahead(batched(rows, batch_size)), 1):
        report.rows_read += len(batch)
        with db.write() as session:
            events = []
            for row in batch:
                if row.event is not None:
                    events.append(row.event)
                    continue
                reason = row.reason or "unreadable row"
                quarantine(
                    session,
                    workspace_id=workspace_id,
                    source=source,
                    raw=row.raw,
                    reason=reason,
                    now=clock.now(),
                    locator=row.locator,
                )
                report.rejected_rows += 1
                report.reasons[reason] = report.reasons.get(reason, 0) + 1
            report.ingest.add(
                ingest_events(session, workspace_id, events, clock=clock, options=options)
            )
        if number == analyze_at:  # after batches 1, 2, 4, 8…: estimates keep up with growth
            analyze_at *= 2
            with db.write() as session:
                refresh_statistics(session, GROWING_TABLES)
        if on_batch is not None:
            on_batch(report)
