"""What the worker benches share: a throwaway PostgreSQL database, migrated."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from heedful.store.db import Database
from heedful.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "HEEDFUL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = "bench-secret-key-" + "b" * 32


@contextmanager
def throwaway_database() -> Iterator[tuple[str, Database]]:
    name = f"heedful_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db = Database.from_url(url)
    try:
        upgrade(db.engine)
        yield url, db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
