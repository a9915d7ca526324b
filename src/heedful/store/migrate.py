"""Schema migrations: ``upgrade`` to head, and the check that migrations equal the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import heedful.store.tables  # noqa: F401 - registers every table
from heedful.store.base import metadata
from heedful.store.schema_filter import include_object

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (default: every branch's newest)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The revisions the database is at, comma-separated (one per branch), or None if empty."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(sorted(heads)) or None


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty = in sync)."""
    import warnings

    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (the PostgreSQL-only full-text index).
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        ctx = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(ctx, metadata))
