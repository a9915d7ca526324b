"""Alembic environment: run by heedful.store.migrate (``heedful db upgrade``), no alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import heedful.store.tables  # noqa: F401 - registers every table on the metadata
from heedful.store.base import metadata
from heedful.store.db import create_db_engine
from heedful.store.schema_filter import include_object

config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move in batches
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            run_with(conn)
    finally:
        engine.dispose()


run_migrations_online()
