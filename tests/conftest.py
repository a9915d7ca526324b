"""Shared fixtures. The suite runs on SQLite by default and again on PostgreSQL with
``--db=postgresql`` (``make test`` does both). Tests that use the database get the ``db`` mark
automatically, so the PostgreSQL pass runs just those (``-m db``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from heedful.clock import FrozenClock
from heedful.config import Settings, load_settings
from heedful.store.db import Database
from heedful.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEEDFUL_SHARED_DIR", REPO.parent / "shared"))
SHARED_DATA = SHARED / "data"
PG_ADMIN_URL = os.environ.get(
    "HEEDFUL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

DB_FIXTURES = {"db", "database_url", "engine", "session", "app_client", "pg_database_url"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("HEEDFUL_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database the db-marked tests run on",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a clear reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (clone ../shared beside the repo)")
    return path


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def require_postgres() -> None:
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem})")


def create_pg_database() -> str:
    """A throwaway database on the local server; returns its URL."""
    require_postgres()
    name = f"heedful_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def _migrated_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per session; each test gets an empty copy of its schema."""
    if backend == "postgresql":
        url = create_pg_database()
        db = Database.from_url(url)
        upgrade(db.engine)
        db.dispose()
        yield url
        drop_pg_database(url)
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        db = Database.from_url(url)
        upgrade(db.engine)
        db.dispose()
        yield url


def _truncate_all(url: str) -> None:
    """Empty every table that has rows (keeping the schema and its migration stamp) and reset
    its id sequence: far cheaper than a new database per test. Triggers (the event log's
    append-only guard) and foreign-key checks are off for this cleanup only."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        probe = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
        )
        used = conn.execute(text(probe)).scalars().all() if tables else []
        with_id = set(
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND column_name = 'id'"
                )
            ).scalars()
        )
        if used:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in used:
                conn.execute(text(f'DELETE FROM "{table}"'))
                if table not in with_id:
                    continue
                conn.execute(
                    text(
                        "SELECT setval(s, 1, false) FROM pg_get_serial_sequence(:t, 'id') AS s "
                        "WHERE s IS NOT NULL"
                    ),
                    {"t": f'"{table}"'},
                )
    engine.dispose()


@pytest.fixture
def database_url(backend: str, _migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test (PostgreSQL: the session's database, emptied
    after each test; SQLite: a fresh copy of a migrated file)."""
    if backend == "postgresql":
        yield _migrated_template
        _truncate_all(_migrated_template)
    else:
        import shutil

        source = make_url(_migrated_template).database
        assert source
        target = tmp_path / "heedful.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    from datetime import UTC, datetime

    return FrozenClock(datetime(2026, 11, 20, 16, 5, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
    )
