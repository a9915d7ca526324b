"""Set-based writes for the ingest hot path, below the ORM: ids allocated up front, rows sent
with the driver's fastest bulk path (sqlite3 ``executemany``; PostgreSQL ``COPY``), and
membership tests that bind one array instead of thousands of parameters.

Values must already be plain Python values of the column types; on SQLite, datetimes are
written in exactly the text form SQLAlchemy's ``DateTime`` uses, so ORM reads see them as usual.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain
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
        # one row holding an array, not ``count`` rows fetched one by one (100,000 rows per
        # import batch: three quarters of a second of client time at a million rows), and the
        # sequence looked up once, not per value
        ids = session.execute(
            text(
                "WITH s AS (SELECT CAST(pg_get_serial_sequence(:t, 'id') AS regclass) AS seq) "
                "SELECT array_agg(nextval(s.seq) ORDER BY g) FROM s, generate_series(1, :n) AS g"
            ),
            {"t": table.name, "n": count},
        ).scalar_one()
        return [int(i) for i in ids]
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()  # noqa: S608 - table name from metadata
    return list(range(int(top) + 1, int(top) + 1 + count))


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" less its offset is the naive text form: no naive copy
    # to build first (this runs for every row of an import)
    text_value = value.isoformat(" ", "microseconds")
    if len(text_value) == 32:
        return text_value[:26]
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")  # pragma: no cover


def _sqlite_values(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """The rows' values in one flat list, row after row, with the columns that need it
    converted (datetimes to SQLAlchemy's text form, JSON documents to text)."""
    width = len(columns)
    flat = list(chain.from_iterable(rows))
    memo: dict[datetime | None, str | None] = {None: None}  # many rows share a time
    memo_get = memo.get
    for i, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, DateTime | UTCDateTime):
            converted = []
            for value in flat[i::width]:
                text_value = memo_get(value)
                if text_value is None and value is not None:
                    text_value = memo[value] = _sqlite_datetime(value)
                converted.append(text_value)
            flat[i::width] = converted
        elif isinstance(kind, JSON):
            flat[i::width] = [json.dumps(value) for value in flat[i::width]]
    return flat


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the driver allows.

    PostgreSQL: one ``COPY``. SQLite: multi-row ``INSERT … VALUES (…), (…), …`` statements
    of up to ``MAX_ROWS_PER_STATEMENT`` rows rather than ``executemany``: the values are bound
    in C and each statement runs in one call, where ``executemany`` steps, resets and gives
    the GIL back and takes it again for every row.

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
    width = len(columns)
    values = _sqlite_values(table, columns, rows)
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608 - names from metadata
    one = "(" + ", ".join("?" for _ in columns) + ")"
    cursor = raw.cursor()
    try:
        start = 0
        for count in _statement_sizes(len(rows), _sqlite_max_parameters(raw) // width):
            cursor.execute(
                head + ", ".join([one] * count), values[start * width : (start + count) * width]
            )
            start += count
    finally:
        cursor.close()


# Rows per multi-row INSERT: past a few hundred, the per-statement costs are amortised and
# bigger statements only hold more memory in the driver's statement cache.
MAX_ROWS_PER_STATEMENT = 512


def _statement_sizes(rows: int, max_rows: int) -> Iterator[int]:
    """Split ``rows`` into statements of a few fixed sizes (the largest power of two allowed,
    then the powers of two of the remainder), so the driver prepares and caches a handful of
    statement texts whatever the batch sizes, not one per distinct row count."""
    top = 1
    while top * 2 <= min(max(max_rows, 1), MAX_ROWS_PER_STATEMENT):
        top *= 2
    while rows >= top:
        yield top
        rows -= top
    size = top
    while rows:
        size //= 2
        if rows >= size:
            yield size
            rows -= size


def _sqlite_max_parameters(connection: sqlite3.Connection) -> int:
    """How many ``?`` one statement may hold on this build (32,766 since SQLite 3.32)."""
    return int(connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


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


def integrity_errors(session: Session) -> tuple[type[Exception], ...]:
    """What a refused insert raises: SQLAlchemy's IntegrityError for its statements, the
    driver's own for ``insert_rows``, which runs on the driver's cursor (COPY, multi-row
    INSERT) where SQLAlchemy does not wrap errors."""
    from sqlalchemy.exc import IntegrityError

    driver = session.get_bind().dialect.dbapi
    return (IntegrityError, driver.IntegrityError) if driver is not None else (IntegrityError,)


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
    from heedful.store.dialect import insert_ignoring_conflicts

    try:
        with session.begin_nested():
            insert_rows(session, table, columns, rows)
        return {int(r[0]) for r in rows}
    except integrity_errors(session):
        stmt = insert_ignoring_conflicts(session, table, *conflict_columns)
        result = session.execute(
            stmt.returning(table.c.id), [dict(zip(columns, r, strict=True)) for r in rows]
        )
        return {int(i) for i in result.scalars()}
