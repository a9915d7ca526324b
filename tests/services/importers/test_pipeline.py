"""The import's planned path (PostgreSQL: batch N+1 planned while N is written) stores exactly
what the serial path stores, gives way to other writers of the workspace, and refuses a plan
the store changed under; a large first import builds its deferred indexes at the end, and the
next command rebuilds any that an interrupted one left out."""

from __future__ import annotations

import csv
import io
import random
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, update

from heedful.cli.common import open_database
from heedful.clock import FrozenClock
from heedful.domain import Author, InboundEvent
from heedful.services.importers.base import Row
from heedful.services.importers.runner import batched, run_import
from heedful.services.importers.twcs import open_twcs
from heedful.services.ingest import IngestOptions, ingest_events, quarantine
from heedful.services.ingest_plan import Overlay, Replan, plan_events, write_plan
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.deferred import deferrable_indexes, drop_indexes, restore_indexes
from heedful.store.migrate import schema_diff
from heedful.store.tables import (
    ChannelAccount,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    Quarantine,
)
from tests.conftest import shared_data

BATCH = 97
OPTIONS = IngestOptions(source="test", actor="import", prevalidated=True)


def _shuffled_file(tmp_path: Path, rows: int, seed: int, window: int = 400) -> Path:
    """A TWCS file from the shared samples, shuffled in windows of ``window`` rows (replies
    before their parents, across batches), with 40 rows repeated and two bad rows."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from _twcs_gen import generate

    source = tmp_path / f"ordered-{seed}.csv"
    generate(source, rows, shared_data("twcs_samples").parents[1], seed=seed)
    with source.open(encoding="utf-8", newline="") as f:
        header, *records = list(csv.reader(f))
    lines = [_record(r) for r in records]
    rng = random.Random(seed)
    windows = [lines[i : i + window] for i in range(0, len(lines), window)]
    for window in windows:
        rng.shuffle(window)
    mixed = [line for window in windows for line in window]
    mixed += rng.sample(lines, 40)
    mixed.insert(len(mixed) // 2, b"999,115712,True,yesterday,hi,,\n")
    mixed.insert(len(mixed) // 3, b"998,115712\n")
    path = tmp_path / f"mixed-{seed}.csv"
    path.write_bytes(_record(header) + b"".join(mixed))
    return path


def _record(fields: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue().encode("utf-8")


def _rows(path: Path) -> list[Row]:
    with open_twcs(path) as reader:
        return list(reader)


def _serial(db: Database, ws: int, rows: list[Row], clock: FrozenClock) -> None:
    """The serial path, batch for batch: what run_import did before it planned ahead."""
    for batch in batched(rows, BATCH):
        with db.write() as session:
            for row in batch:
                if row.event is None:
                    quarantine(
                        session,
                        workspace_id=ws,
                        source=f"ws{ws}",
                        raw=row.raw,
                        reason=row.reason or "unreadable row",
                        now=clock.now(),
                    )
            events = [row.event for row in batch if row.event is not None]
            ingest_events(session, ws, events, clock=clock, options=OPTIONS)


def _snapshot(db: Database, ws: int) -> dict[str, Any]:
    """The workspace's store, with the ids that differ between workspaces replaced by what
    they stand for (platform ids)."""
    with db.session() as s:
        identity = dict(
            s.execute(
                select(ContactIdentity.id, ContactIdentity.external_id).where(
                    ContactIdentity.workspace_id == ws
                )
            ).all()
        )
        account = dict(
            s.execute(
                select(ChannelAccount.id, ChannelAccount.external_id).where(
                    ChannelAccount.workspace_id == ws
                )
            ).all()
        )
        members: dict[int, set[str]] = {}
        messages = {}
        for conv, ext, author, acct, reply in s.execute(
            select(
                Message.conversation_id,
                Message.external_id,
                Message.author_identity_id,
                Message.channel_account_id,
                Message.in_reply_to_external_id,
            ).where(Message.workspace_id == ws)
        ):
            members.setdefault(conv, set()).add(ext)
            messages[ext] = (identity.get(author), account.get(acct), reply)
        contact_of = dict(
            s.execute(
                select(ContactIdentity.contact_id, ContactIdentity.external_id).where(
                    ContactIdentity.workspace_id == ws
                )
            ).all()
        )
        conversations = {}
        for c in s.scalars(select(Conversation).where(Conversation.workspace_id == ws)):
            conversations[frozenset(members.get(c.id, ()))] = (
                c.status,
                c.message_count,
                c.first_inbound_at,
                c.first_response_at,
                c.last_inbound_at,
                c.last_outbound_at,
                c.last_activity_at,
                c.resolved_at,
                contact_of.get(c.contact_id),
                account.get(c.channel_account_id),
            )
        identities = {
            ext: (handle, name, followers)
            for ext, handle, name, followers in s.execute(
                select(
                    ContactIdentity.external_id,
                    ContactIdentity.handle,
                    ContactIdentity.display_name,
                    ContactIdentity.followers,
                ).where(ContactIdentity.workspace_id == ws)
            )
        }
        events = dict(
            s.execute(
                select(Event.kind, func.count())
                .where(Event.workspace_id == ws, Event.kind != "ingest.batch")
                .group_by(Event.kind)
            ).all()
        )
        quarantined = s.scalar(
            select(func.count()).select_from(Quarantine).where(Quarantine.workspace_id == ws)
        )
    return {
        "conversations": conversations,
        "messages": messages,
        "identities": identities,
        "events": events,
        "quarantined": quarantined,
    }


def _resolve_some(db: Database, ws: int, at: datetime) -> int:
    """Resolve every other conversation (by its first message's platform id), as agents would."""
    with db.write() as s:
        firsts = s.execute(
            select(Message.conversation_id, func.min(Message.external_id))
            .where(Message.workspace_id == ws)
            .group_by(Message.conversation_id)
        ).all()
        chosen = [conv for conv, first in firsts if int(first) % 2 == 0]
        s.execute(
            update(Conversation)
            .where(Conversation.id.in_(chosen))
            .values(status="resolved", resolved_at=at)
        )
    return len(chosen)


@pytest.mark.slow
def test_the_planned_import_stores_what_the_serial_path_stores(
    db: Database, clock: FrozenClock, tmp_path: Path, backend: str
) -> None:
    rows = _rows(_shuffled_file(tmp_path, 4000, seed=7))
    # two rows in five first: most threads and customers run across the two imports
    first = [row for i, row in enumerate(rows) if i % 5 in (0, 3)]
    second = [row for i, row in enumerate(rows) if i % 5 not in (0, 3)]
    with db.write() as s:
        planned = create_workspace(s, slug="planned", name="Planned", clock=clock).id
        serial = create_workspace(s, slug="serial", name="Serial", clock=clock).id
    # the same history in both: an import, then agents resolve half of it
    for ws in (planned, serial):
        _serial(db, ws, first, clock)
        assert _resolve_some(db, ws, datetime(2017, 10, 1, tzinfo=UTC)) > 10
    report = run_import(db, planned, second, clock=clock, source=f"ws{planned}", batch_size=BATCH)
    _serial(db, serial, second, clock)

    expected = _snapshot(db, serial)
    assert _snapshot(db, planned) == expected
    # the file exercises what the overlay stands in for
    assert expected["events"].get("conversation.reopened", 0) > 0
    assert expected["events"].get("conversation.merged", 0) > 0
    assert expected["quarantined"] == 2
    if backend == "postgresql":  # most batches were planned ahead, not sent the serial way
        assert report.planned_batches > report.rows_read // BATCH // 2
    else:
        assert report.planned_batches == 0


def _event(external_id: str, author: str = "c1", **kw: Any) -> InboundEvent:
    return InboundEvent(
        channel="x",
        external_id=external_id,
        author=Author(external_id=author, handle=f"@{author}"),
        text=f"message {external_id}",
        created_at=datetime(2026, 11, 20, 12, tzinfo=UTC) + timedelta(minutes=int(external_id)),
        **kw,
    )


def test_a_plan_the_store_changed_under_is_refused(db: Database, clock: FrozenClock) -> None:
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
    events = [_event("1"), _event("2", in_reply_to="1"), _event("3", author="c2")]
    with db.session() as reads:
        plan = plan_events(reads, ws, events, clock=clock, options=OPTIONS, overlay=Overlay())
    with db.write() as s:  # another writer stores one of its messages first
        ingest_events(s, ws, [events[1]], clock=clock, options=OPTIONS)
    with pytest.raises(Replan), db.write() as s:
        write_plan(s, plan, clock)
    with db.session() as s:  # nothing of the refused plan is left
        assert s.scalars(select(Message.external_id).where(Message.workspace_id == ws)).all() == [
            "2"
        ]


def test_a_plan_reads_what_the_batch_in_flight_will_store(db: Database, clock: FrozenClock) -> None:
    """Batch 2 is planned before batch 1 is written: its reply joins batch 1's conversation,
    its author is batch 1's identity, and its repeat of a batch-1 message is a duplicate."""
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
    one = [_event("1"), _event("2", author="c2")]
    two = [_event("3", in_reply_to="1", author="c3"), _event("4"), _event("2", author="c2")]
    with db.session() as reads:
        plan_one = plan_events(reads, ws, one, clock=clock, options=OPTIONS, overlay=Overlay())
        plan_two = plan_events(
            reads, ws, two, clock=clock, options=OPTIONS, overlay=plan_one.overlay
        )
    with db.write() as s:
        write_plan(s, plan_one, clock)
    with db.write() as s:
        result = write_plan(s, plan_two, clock)
    assert (result.stored, result.duplicates, result.conversations_created) == (2, 1, 0)
    with db.session() as s:
        conv = dict(
            s.execute(
                select(Message.external_id, Message.conversation_id).where(
                    Message.workspace_id == ws
                )
            ).all()
        )
        identities = s.scalar(
            select(func.count())
            .select_from(ContactIdentity)
            .where(ContactIdentity.workspace_id == ws)
        )
    assert conv["3"] == conv["1"]  # a reply to a message of the batch in flight
    assert conv["4"] == conv["1"]  # c1 again, within the window: their open conversation
    assert conv["2"] != conv["1"]
    assert identities == 3


@pytest.mark.slow
def test_an_import_steps_aside_for_other_writers_of_the_workspace(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """PostgreSQL: the import gives up the workspace's scope lock to a waiting writer.
    SQLite: the writer gets the database's write lock between two of the import's batches."""
    rows = _rows(_shuffled_file(tmp_path, 4000, seed=9))
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
    importer = threading.Thread(
        target=run_import,
        args=(db, ws, rows),
        kwargs={"clock": clock, "source": "t", "batch_size": 40},
    )
    importer.start()
    try:
        deadline = time.monotonic() + 60
        while _count(db, ws) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        with db.write() as s:  # a live event for the same workspace, as a webhook brings
            ingest_events(s, ws, [_event("50000000")], clock=clock, options=OPTIONS)
        # it got in while the import was still going, not after the import's last batch
        assert _count(db, ws) < len(rows) - 50
    finally:
        importer.join()
    assert _count(db, ws) >= len(rows) - 50


def _count(db: Database, ws: int) -> int:
    with db.session() as s:
        return int(
            s.scalar(select(func.count()).select_from(Message).where(Message.workspace_id == ws))
            or 0
        )


def _indexes(db: Database) -> set[str]:
    with db.engine.connect() as c:
        found = inspect(c)
        return {
            str(ix["name"])
            for table in ("conversation", "message", "contact_identity")
            for ix in found.get_indexes(table)
        }


@pytest.fixture
def deferred_names(db: Database) -> Iterator[set[str]]:
    names = {str(ix.name) for ix in deferrable_indexes(db.dialect)}
    assert names <= _indexes(db)
    yield names
    with db.engine.begin() as c:  # whatever a test left out, for the tests after it (PostgreSQL)
        restore_indexes(c)


def test_a_large_first_import_builds_its_deferred_indexes_at_the_end(
    db: Database, clock: FrozenClock, tmp_path: Path, deferred_names: set[str]
) -> None:
    path = _shuffled_file(tmp_path, 600, seed=3)
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
    seen: list[set[str]] = []
    with open_twcs(path) as reader:
        run_import(
            db,
            ws,
            reader,
            clock=clock,
            source="t",
            batch_size=100,
            size_hint=path.stat().st_size,
            bulk_index_bytes=path.stat().st_size,
            on_batch=lambda _report: seen.append(_indexes(db)),
        )
    assert seen and all(not (names & deferred_names) for names in seen)
    assert deferred_names <= _indexes(db)
    assert schema_diff(db.engine) == []
    # a second large import finds the store not empty: its indexes stay up to date throughout
    seen.clear()
    with open_twcs(_shuffled_file(tmp_path, 300, seed=4)) as reader:
        run_import(
            db,
            ws,
            reader,
            clock=clock,
            source="t",
            batch_size=100,
            size_hint=1 << 40,
            bulk_index_bytes=0,
            on_batch=lambda _report: seen.append(_indexes(db)),
        )
    assert seen and all(deferred_names <= names for names in seen)


def test_the_indexes_an_interrupted_import_left_out_are_built_again(
    db: Database,
    database_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    deferred_names: set[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted() -> None:  # what a bulk import killed half-way leaves
        with db.engine.begin() as c:
            assert set(drop_indexes(c)) == deferred_names
        assert not deferred_names & _indexes(db)

    # the commands that serve the store build them at start (serve, worker, db upgrade)
    interrupted()
    monkeypatch.setenv("HEEDFUL_DATABASE_URL", database_url)
    monkeypatch.setenv("HEEDFUL_DATA_DIR", str(tmp_path))
    with open_database(repair=True):
        assert deferred_names <= _indexes(db)
    assert schema_diff(db.engine) == []
    # others only migrate: `heedful stats` during a first import leaves its indexes alone
    interrupted()
    with open_database():
        assert not deferred_names & _indexes(db)
    # and the next import, small or into a store no longer empty, builds them first
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
    seen: list[set[str]] = []
    with open_twcs(_shuffled_file(tmp_path, 200, seed=5)) as reader:
        run_import(
            db, ws, reader, clock=clock, source="t", on_batch=lambda _: seen.append(_indexes(db))
        )
    assert seen and all(deferred_names <= names for names in seen)
