"""The migrations produce exactly the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from heedful.store.db import Database
from heedful.store.migrate import current_revision, schema_diff


def test_migrated_schema_matches_models(db: Database) -> None:
    assert schema_diff(db.engine) == []


def test_database_is_at_head(db: Database) -> None:
    assert current_revision(db.engine) is not None
