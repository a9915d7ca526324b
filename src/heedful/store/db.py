"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MMAP_BYTES = 268435456
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MiB page cache per connection
    f"PRAGMA mmap_size={MMAP_BYTES}",
)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see SQLAlchemy's
    # "Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Writers BEGIN IMMEDIATE: they take the write lock up front and queue on busy_timeout
    # instead of failing half-way with "database is locked" when a reader upgrades to a writer.
    # Readers BEGIN DEFERRED, so they never wait for a writer (WAL).
    if conn.get_execution_options().get("heedful_writer"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


# While a bulk load runs (an import), SQLite connections:
# - checkpoint the WAL every 16,384 pages instead of every 1,000 (SQLite's default). A
#   checkpoint copies the WAL into the database file and syncs both; at the default interval
#   an import checkpoints after every batch, writing the same hot index pages (and paying the
#   syncs) again and again. What this trades: after a power loss (not a crash of the process:
#   the WAL is in the OS's cache either way) up to 64 MiB of the latest committed batches may
#   be gone, never half of one (WAL + synchronous=NORMAL keeps the file consistent), and
#   re-running the import stores them again;
# - read through the page cache, not a memory map: a load that reads back what it wrote (the
#   full-text index is built from the whole message table) would otherwise keep up to 256 MiB
#   of the file mapped and resident, and an import must run in constant memory.
BULK_PRAGMAS = {"wal_autocheckpoint": 16384, "mmap_size": 0}
USUAL_PRAGMAS = {"wal_autocheckpoint": 1000, "mmap_size": MMAP_BYTES}

PING_AFTER_IDLE_SECONDS = 5.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["heedful_checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("heedful_checked_in")
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:  # the server went away: the pool opens a fresh connection
        raise DisconnectionError(str(exc)) from exc


def create_db_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """An engine with the settings Heedful needs on each backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False},
            # Enough pooled connections for the web app's thread pool: a connection opened
            # for a burst and closed after it costs its pragmas, schema and page cache again.
            pool_size=20,
            max_overflow=40,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, echo=echo, pool_size=pool_size, max_overflow=pool_size)
        # Pessimistic disconnect handling, as pool_pre_ping but only for a connection that has
        # been idle a while: a busy pool (the web app's hot paths) skips a round trip a request.
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkin", _note_checkin)
        return engine
    return create_engine(url, echo=echo, poolclass=NullPool)


@dataclass
class Database:
    """An engine and its session factory: what services and the web app are given."""

    engine: Engine
    sessions: sessionmaker[Session]  # readers (and writers on PostgreSQL)
    writer_sessions: sessionmaker[Session]  # on SQLite: transactions that BEGIN IMMEDIATE
    # SQLite has one writer; its waiting writers poll with sleeps, which is unfair under load
    # (a writer can starve past busy_timeout). Threads of this process queue here instead, in
    # order; other processes still meet at SQLite's own lock.
    _writer_turn: threading.RLock = field(default_factory=threading.RLock)
    _bulk_loads: int = 0  # bulk loads in progress (SQLite: they widen the checkpoint interval)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        engine = create_db_engine(url, **kwargs)
        writer = engine.execution_options(heedful_writer=True)
        db = cls(
            engine=engine,
            sessions=sessionmaker(engine, expire_on_commit=False),
            writer_sessions=sessionmaker(writer, expire_on_commit=False),
        )
        if engine.dialect.name == "sqlite":
            event.listen(engine, "checkout", db._set_bulk_pragmas)
        return db

    def _set_bulk_pragmas(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """Each connection handed out gets the settings of the moment, bulk load or not (the
        pragmas are per connection, and pooled connections outlive a bulk load)."""
        bulk = bool(self._bulk_loads)
        if record.info.get("heedful_bulk", False) != bulk:
            cursor = dbapi_connection.cursor()
            for name, value in (BULK_PRAGMAS if bulk else USUAL_PRAGMAS).items():
                cursor.execute(f"PRAGMA {name}={value}")
            cursor.close()
            record.info["heedful_bulk"] = bulk

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Sessions opened inside this block are a bulk load's: on SQLite they checkpoint the
        WAL rarely and read without a memory map (see ``BULK_PRAGMAS``), and the WAL is
        checkpointed once at the end, so the next reader does not pay for it. Nothing changes
        on PostgreSQL."""
        with self._writer_turn:
            self._bulk_loads += 1
        try:
            yield
        finally:
            with self._writer_turn:
                self._bulk_loads -= 1
                done = not self._bulk_loads
            if done and self.dialect == "sqlite":
                raw = self.engine.raw_connection()  # autocommit: no transaction in the way
                try:
                    cursor = raw.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.close()
                finally:
                    raw.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session that will write: takes SQLite's write lock at BEGIN, so it never deadlocks."""
        if self.engine.dialect.name != "sqlite":
            with self.writer_sessions() as session, session.begin():
                yield session
            return
        with self._writer_turn, self.writer_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


class WriterLine:
    """One connection that writes a run of transactions in order: an import's batches, while
    the next one is planned on other connections (see heedful.services.ingest_plan). On
    PostgreSQL the import holds the workspace's scope lock on this connection for the whole
    run (``heedful.store.dialect.hold_scope``), so nobody else writes there between a plan and
    its write."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.connection: Connection = db.engine.execution_options(heedful_writer=True).connect()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session writing on this line, committed on success, rolled back on error."""
        turn = self._db._writer_turn if self._db.dialect == "sqlite" else nullcontext()
        with (
            turn,
            Session(bind=self.connection, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def close(self) -> None:
        """Give the connection back, without the session locks taken on it: the pool keeps the
        server session open, and a lock left there would outlive the import."""
        try:
            if self._db.dialect == "postgresql" and not self.connection.invalidated:
                self.connection.rollback()
                self.connection.execute(text("SELECT pg_advisory_unlock_all()"))
                self.connection.commit()
        except Exception:  # the server is gone or the session broken: end the session, and
            self.connection.invalidate()  # its locks with it (the import's error is the news)
        finally:
            self.connection.close()
