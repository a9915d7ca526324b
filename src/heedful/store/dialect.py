"""The dialect-specific statements Heedful needs, in one place (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, func, select, text
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


LOCK_BUCKETS = 256


def lock_keys(session: Session, scope: int, keys: Iterable[str]) -> None:
    """Serialise concurrent writers on the same logical keys until the transaction ends.

    PostgreSQL: transaction-scoped advisory locks on (scope, bucket), the keys hashed into
    LOCK_BUCKETS buckets (a batch of thousands of keys takes at most 256 locks, well within
    the server's lock table), taken in sorted order so two writers never deadlock. Related
    keys (a reply and its parent's id, an author) always meet in the same bucket.
    SQLite: nothing to do, a writer already holds the database's single write lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    buckets = sorted({zlib.crc32(key.encode("utf-8")) % LOCK_BUCKETS for key in keys})
    if buckets:
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(:scope, b) "
                "FROM unnest(CAST(:buckets AS integer[])) AS b ORDER BY b"
            ),
            {"scope": scope, "buckets": buckets},
        )


def count_rows(session: Session, table: Table, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def refresh_statistics(session: Session, tables: Iterable[str]) -> None:
    """Update the planner's statistics after a bulk load. On PostgreSQL, autovacuum lags
    behind a long import and stale estimates turn index lookups into table scans as the
    tables grow; SQLite needs nothing (its planner does not depend on them here)."""
    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f'ANALYZE "{table}"'))


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


def driver_time(dialect: str, value: datetime) -> Any:
    """An aware time as the driver must be given it to compare with stored times: SQLite
    stores UTC wall time as text (SQLAlchemy's format, see ``UTCDateTime``)."""
    if dialect == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value
