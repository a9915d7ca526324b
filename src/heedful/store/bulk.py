"""Set-based writes for the ingest hot path, below the ORM: ids allocated up front, rows sent
with the driver's fastest bulk path (sqlite3 ``executemany``; PostgreSQL ``COPY``), and
membership tests that bind one array instead of thousands of parameters.

Values must already be plain Python values of the column types; on SQLite, datetimes are
written in exactly the text form SQLAlchemy's ``DateTime`` uses, so ORM reads see them as usual.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import JSON, DateTime

from heedful.store.base import UTCDateTime


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Reserve ``count`` new primary keys for ``table``.

    SQLite: the caller holds the database's write lock, so max(id)+1… is free.
    PostgreSQL: drawn from the table's sequence, safe with concurrent writers.
    """
    if count <= 0:
        return []
    if dialect_name(session) == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count},
        )
        return [int(r[0]) for r in rows]
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()  # noqa: S608 - table name from metadata
    return list(range(int(top) + 1, int(top) + 1 + count))


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_rows(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Convert only the columns that need it (datetimes to SQLAlchemy's text form, JSON)."""
    times = [
        i for i, c in enumerate(columns) if isinstance(table.c[c].type, DateTime | UTCDateTime)
    ]
    docs = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    out = []
    memo: dict[datetime | None, str | None] = {None: None}  # many rows share a time
    for row in rows:
        values = list(row)
        for i in times:
            value = values[i]
            text_value = memo.get(value)
            if text_value is None and value is not None:
                text_value = memo[value] = _sqlite_datetime(value)
            values[i] = text_value
        for i in docs:
            values[i] = json.dumps(values[i])
        out.append(values)
    return out


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the driver allows.

    A unique-constraint violation raises (IntegrityError): callers that may race another
    writer wrap this in a savepoint and fall back to an ``ON CONFLICT`` insert.
    """
    if not rows:
        return
    raw: Any = session.connection().connection.driver_connection
    if dialect_name(session) == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        json_cols = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)}
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                if json_cols:
                    row = [json.dumps(v) if i in json_cols else v for i, v in enumerate(row)]
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})",  # noqa: S608 - names from metadata
            _sqlite_rows(table, columns, rows),
        )
    finally:
        cursor.close()


def in_values(
    session: Session, column: ColumnElement[Any], values: Iterable[Any], *, name: str
) -> ColumnElement[bool]:
    """``column IN (values)`` bound as ONE parameter (a JSON array on SQLite, an array on
    PostgreSQL), so a 5,000-value test compiles once and is cached like any statement."""
    items = list(values)
    if dialect_name(session) == "postgresql":
        return column == any_(bindparam(name, items, type_=ARRAY(column.type)))
    table = func.json_each(bindparam(name, json.dumps(items))).table_valued("value")
    return column.in_(select(table.c.value))


def insert_rows_racing(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict_columns: Sequence[str],
) -> set[int]:
    """Insert rows whose first column is ``id``; return the ids actually inserted.

    The fast path (``insert_rows``) runs in a savepoint on PostgreSQL; if another writer got
    there first (unique violation), it is rolled back and the rows go in with
    ``ON CONFLICT DO NOTHING``: the database's unique constraint is the final word.
    """
    if not rows:
        return set()
    if dialect_name(session) != "postgresql":
        insert_rows(session, table, columns, rows)  # the write lock is ours: no race
        return {int(r[0]) for r in rows}
    from sqlalchemy.exc import IntegrityError

    from heedful.store.dialect import insert_ignoring_conflicts

    try:
        with session.begin_nested():
            insert_rows(session, table, columns, rows)
        return {int(r[0]) for r in rows}
    except IntegrityError:
        stmt = insert_ignoring_conflicts(session, table, *conflict_columns)
        result = session.execute(
            stmt.returning(table.c.id), [dict(zip(columns, r, strict=True)) for r in rows]
        )
        return {int(i) for i in result.scalars()}
