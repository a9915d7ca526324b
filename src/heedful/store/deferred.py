"""Indexes a first bulk load builds once, at the end, instead of row by row.

An import into an empty store (a care team's first export, a migration from another tool)
writes every conversation and message of the store. The inbox, dashboard, SLA and search
indexes of those tables serve reads, not the import's own lookups (by platform id, reply,
thread, contact), and building each of them once over the finished tables is cheaper than
keeping it up to date with every batch, as ``pg_restore`` and ``mysqldump`` files do.

Only an import into an empty store defers them: there is no inbox yet to slow down, for this
workspace or any other. If the import dies before rebuilding them (kill -9, power loss),
:func:`restore_indexes` builds what is missing: ``heedful serve``, ``heedful worker`` and
``heedful db upgrade`` run it at start (``heedful.cli.common.open_database``), and so does the
next import. Other commands do not, so that ``heedful stats`` run during a first import does
not build the indexes under it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Index, inspect, select, text

import heedful.store.tables  # noqa: F401 - registers every table and index
from heedful.store.base import metadata

# Kept during a bulk load: the import's own lookups (open conversations of a contact).
KEPT = frozenset({"ix_conversation_contact"})
# Message indexes no ingest lookup uses: by author, by agent, full-text (PostgreSQL; SQLite's
# full-text table is built in bulk already, see heedful.store.search).
MESSAGE_DEFERRED = ("ix_message_author", "ix_message_agent", "ix_message_text_search")
# Identity indexes for people search and the "looks like the same person" suggestion: ingest
# finds identities by platform id (the unique constraint, kept).
IDENTITY_DEFERRED = ("ix_contact_identity_handle", "ix_contact_identity_name")
# An import of fewer bytes than this keeps its indexes: rebuilding costs more than it saves.
DEFER_FROM_BYTES = 16 * 1024 * 1024


def deferrable_indexes(dialect: str) -> list[Index]:
    """The indexes a bulk load into an empty store may build at the end, in a stable order."""
    found = [ix for ix in metadata.tables["conversation"].indexes if ix.name not in KEPT]
    found += [ix for ix in metadata.tables["message"].indexes if ix.name in MESSAGE_DEFERRED]
    found += [
        ix for ix in metadata.tables["contact_identity"].indexes if ix.name in IDENTITY_DEFERRED
    ]
    if dialect != "postgresql":
        found = [ix for ix in found if ix.name != "ix_message_text_search"]
    return sorted(found, key=lambda ix: str(ix.name))


def store_is_empty(connection: Connection) -> bool:
    tables = metadata.tables
    for name in ("conversation", "message"):
        if connection.execute(select(tables[name].c.id).limit(1)).first() is not None:
            return False
    return True


def drop_indexes(connection: Connection) -> list[str]:
    """Drop the deferrable indexes (the caller checked the store is empty); their names."""
    dropped = []
    for ix in deferrable_indexes(connection.dialect.name):
        connection.execute(text(f'DROP INDEX IF EXISTS "{ix.name}"'))
        dropped.append(str(ix.name))
    return dropped


def restore_indexes(connection: Connection) -> list[str]:
    """Build the deferrable indexes the database lacks; returns their names (usually none)."""
    dialect = connection.dialect.name
    inspector = inspect(connection)
    present: dict[str, set[str]] = {}
    missing = []
    for ix in deferrable_indexes(dialect):
        table = ix.table.name  # type: ignore[union-attr]
        if table not in present:
            present[table] = {str(i["name"]) for i in inspector.get_indexes(table)}
        if ix.name not in present[table]:
            missing.append(ix)
    if missing and dialect == "postgresql":  # room to sort the whole table at once
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for ix in missing:
        ix.create(connection)
    return [str(ix.name) for ix in missing]


__all__ = [
    "DEFER_FROM_BYTES",
    "deferrable_indexes",
    "drop_indexes",
    "restore_indexes",
    "store_is_empty",
]
