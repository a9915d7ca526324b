"""The dialect-specific statements Heedful needs, in one place (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from heedful.errors import ConfigError


def insert_ignoring_conflicts(session: Session, table: Table, *index_elements: str) -> Insert:
    """``INSERT … ON CONFLICT (cols) DO NOTHING`` for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    raise ConfigError(f"unsupported database {dialect}")


def upsert(
    session: Session, table: Table, index_elements: Iterable[str], update_columns: Iterable[str]
) -> Insert:
    """``INSERT … ON CONFLICT (cols) DO UPDATE SET col = excluded.col``."""
    keys = list(index_elements)
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover
        raise ConfigError(f"unsupported database {dialect}")
    updates = {name: stmt.excluded[name] for name in update_columns}
    result: Insert = stmt.on_conflict_do_update(index_elements=keys, set_=updates)
    return result


# Up to this many keys, a writer locks each key; above it (bulk imports), the whole scope.
MAX_KEY_LOCKS = 400
_SCOPE_GATE = 0  # the second half of the scope-wide lock (keys hash to non-zero 31-bit values)


def lock_keys(session: Session, scope: int, keys: Iterable[str], *, at_least: int = 0) -> None:
    """Serialise concurrent writers on the same logical keys until the transaction ends.

    PostgreSQL, with transaction-scoped advisory locks taken in sorted order (no deadlocks):
    - a small batch (live traffic) takes the scope's gate in *shared* mode, then one lock per
      key, so unrelated batches run side by side and related ones (a reply and its parent,
      two messages of one author) wait for each other;
    - a big batch (an import) takes the gate in *exclusive* mode instead: it waits for the
      small batches in flight and keeps the scope to itself, with a single lock, however many
      thousand keys it holds (the server's lock table is small).
    SQLite: nothing to do, a writer already holds the database's single write lock.

    ``at_least``: how many distinct keys the caller knows ``keys`` holds; above
    ``MAX_KEY_LOCKS`` the scope lock is taken without hashing every key of the batch.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if at_least > MAX_KEY_LOCKS:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:scope, :gate)"),
            {"scope": scope, "gate": _SCOPE_GATE},
        )
        return
    hashed = sorted({(zlib.crc32(key.encode("utf-8")) & 0x7FFFFFFF) or 1 for key in keys})
    if not hashed:
        return
    if len(hashed) > MAX_KEY_LOCKS:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:scope, :gate)"),
            {"scope": scope, "gate": _SCOPE_GATE},
        )
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock_shared(:scope, :gate)"),
        {"scope": scope, "gate": _SCOPE_GATE},
    )
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(:scope, k) "
            "FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k"
        ),
        {"scope": scope, "keys": hashed},
    )


def hold_scope(connection: Connection, scope: int) -> None:
    """PostgreSQL: take the scope's gate exclusively for the whole session of ``connection``,
    across its transactions, until ``release_scope`` (or the connection closes). Other
    writers of the scope (``lock_keys``) wait; this connection's own ``lock_keys`` goes
    through, since a session's advisory locks do not conflict with each other."""
    connection.execute(
        text("SELECT pg_advisory_lock(:scope, :gate)"), {"scope": scope, "gate": _SCOPE_GATE}
    )
    connection.commit()


def release_scope(connection: Connection, scope: int) -> None:
    connection.execute(
        text("SELECT pg_advisory_unlock(:scope, :gate)"), {"scope": scope, "gate": _SCOPE_GATE}
    )
    connection.commit()


def scope_wanted(connection: Connection, scope: int) -> bool:
    """PostgreSQL: whether another session is waiting for the scope's gate (held by
    ``hold_scope``), so the holder can step aside between two of its transactions."""
    wanted = connection.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid::bigint = :scope AND objid::bigint = :gate AND objsubid = 2)"
        ),
        {"scope": scope, "gate": _SCOPE_GATE},
    ).scalar_one()
    connection.commit()
    return bool(wanted)


def count_rows(session: Session, table: Table, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def refresh_statistics(
    session: Session, tables: Iterable[str] | Mapping[str, Sequence[str]]
) -> None:
    """Update the planner's statistics after a bulk load. On PostgreSQL, autovacuum lags
    behind a long import and stale estimates turn index lookups into table scans as the
    tables grow; SQLite needs nothing (its planner does not depend on them here).

    Given a mapping of table → columns, only those columns are analysed: the ones the
    caller's lookups filter on. A plain ``ANALYZE message`` also samples the full-text
    expression index, running ``to_tsvector`` over 30,000 texts (0.45 s against 0.07 s at
    100,000 messages, eight times in a million-row import); autovacuum's own analyse brings
    those statistics up to date after the load."""
    if session.get_bind().dialect.name != "postgresql":
        return
    columns: Mapping[str, Sequence[str]] = (
        tables if isinstance(tables, Mapping) else dict.fromkeys(tables, ())
    )
    for table, names in columns.items():
        listed = f" ({', '.join(names)})" if names else ""
        session.execute(text(f'ANALYZE "{table}"{listed}'))


def utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a stored time, as ``YYYY-MM-DD`` text (to group by)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite stores UTC wall time as text


# -- statements run on the driver's own cursor (hot read paths) ------------------------------

_NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def driver_sql(dialect: str, sql: str) -> str:
    """A statement written with ``:name`` parameters, in the driver's parameter style (for
    ``cursor.execute(sql, mapping)``): sqlite3 takes ``:name`` itself, psycopg ``%(name)s``."""
    if dialect == "postgresql":
        if "%" in sql:
            raise ConfigError("escape % before running a statement on psycopg's cursor")
        return _NAMED_PARAMETER.sub(r"%(\1)s", sql)
    if dialect == "sqlite":
        return sql
    raise ConfigError(f"unsupported database {dialect}")


@contextmanager
def reads_without_transaction(dbapi_connection: Any, dialect: str) -> Iterator[None]:
    """Run a few reads on a pooled driver connection without BEGIN and ROLLBACK round trips
    (psycopg opens a transaction before the first statement; sqlite3 is already in
    autocommit, see heedful.store.db). The connection goes back to the pool as it came."""
    if dialect != "postgresql":
        yield
        return
    dbapi_connection.autocommit = True
    try:
        yield
    finally:
        dbapi_connection.autocommit = False


def driver_time(dialect: str, value: datetime) -> Any:
    """An aware time as the driver must be given it to compare with stored times: SQLite
    stores UTC wall time as text (SQLAlchemy's format, see ``UTCDateTime``)."""
    if dialect == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value
