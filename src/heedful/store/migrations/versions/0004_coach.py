"""coach: help articles, with full-text indexes (SQLite FTS5 kept by triggers; PostgreSQL GIN)

Revision ID: 0004_coach
Revises: 0001_spine
Create Date: 2026-11-22 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import heedful.store.base

revision: str = "0004_coach"
down_revision: str | None = "0001_spine"
branch_labels: str | Sequence[str] | None = ("coach",)
depends_on: str | Sequence[str] | None = None

# Articles change rarely and one at a time, so triggers keep the SQLite index (unlike messages,
# which are indexed in bulk).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE help_article_fts USING fts5(title, body, content='help_article', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER help_article_ai AFTER INSERT ON help_article BEGIN "
    "INSERT INTO help_article_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER help_article_ad AFTER DELETE ON help_article BEGIN "
    "INSERT INTO help_article_fts (help_article_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER help_article_au AFTER UPDATE ON help_article BEGIN "
    "INSERT INTO help_article_fts (help_article_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO help_article_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
)


def upgrade() -> None:
    op.create_table(
        "help_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", heedful.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", heedful.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_help_article_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_article")),
        sa.UniqueConstraint("workspace_id", "url", name=op.f("uq_help_article_workspace_id_url")),
    )
    with op.batch_alter_table("help_article", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_article_workspace_id"), ["workspace_id"], unique=False
        )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for column in ("title", "body"):
            op.create_index(
                f"ix_help_article_{column}_search",
                "help_article",
                [sa.text(f"to_tsvector('english', {column})")],
                postgresql_using="gin",
            )
    elif dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_help_article_title_search", table_name="help_article")
        op.drop_index("ix_help_article_body_search", table_name="help_article")
    elif dialect == "sqlite":
        for name in ("help_article_ai", "help_article_ad", "help_article_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS help_article_fts")
    with op.batch_alter_table("help_article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_article_workspace_id"))
    op.drop_table("help_article")
