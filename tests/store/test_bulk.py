"""Bulk inserts: on PostgreSQL a racing insert keeps what another writer stored first and stores
the rest; on SQLite, whose one writer reads under its lock, a clash raises."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from heedful.clock import FrozenClock
from heedful.services.workspaces import create_workspace
from heedful.store.base import table_of
from heedful.store.bulk import allocate_ids, insert_rows, insert_rows_racing
from heedful.store.db import Database
from heedful.store.tables import Contact, ContactIdentity

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
COLUMNS = ("id", "workspace_id", "contact_id", "channel", "external_id", "created_at", "updated_at")


def test_a_racing_insert_stores_the_rows_nobody_stored_first(
    db: Database, backend: str, clock: FrozenClock
) -> None:
    identity = table_of(ContactIdentity)
    with db.write() as s:
        ws = create_workspace(s, slug="w", name="W", clock=clock).id
        contact = allocate_ids(s, table_of(Contact), 1)[0]
        insert_rows(
            s, table_of(Contact), ("id", "workspace_id", "created_at"), [(contact, ws, NOW)]
        )
        first = allocate_ids(s, identity, 1)[0]
        insert_rows(s, identity, COLUMNS, [(first, ws, contact, "x", "a", NOW, NOW)])
    unique = ("workspace_id", "channel", "external_id")
    if backend == "sqlite":  # one writer, which read under its lock: a clash is a bug, and raises
        with pytest.raises(sqlite3.IntegrityError), db.write() as s:
            ids = allocate_ids(s, identity, 2)
            rows = [(i, ws, contact, "x", ext, NOW, NOW) for i, ext in zip(ids, "ab", strict=True)]
            insert_rows_racing(s, identity, COLUMNS, rows, unique)
        return
    with db.write() as s:
        ids = allocate_ids(s, identity, 2)
        rows = [(i, ws, contact, "x", ext, NOW, NOW) for i, ext in zip(ids, "ab", strict=True)]
        inserted = insert_rows_racing(s, identity, COLUMNS, rows, unique)
    assert inserted == {ids[1]}  # "a" was there first: only "b" is new
    with db.session() as s:
        stored = s.query(ContactIdentity.external_id, ContactIdentity.id).order_by("external_id")
        assert [tuple(r) for r in stored] == [("a", first), ("b", ids[1])]
