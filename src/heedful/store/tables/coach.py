"""What the reply coach keeps: a workspace's help articles (title, URL, body), with their
embedding for semantic search. Keyword search is a full-text index kept by the database
(SQLite FTS5 table ``help_article_fts``; PostgreSQL GIN index) — see heedful.coach.fulltext."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base


class HelpArticle(Base):
    __tablename__ = "help_article"
    __table_args__ = (
        # Importing the same help centre again updates articles instead of adding copies.
        UniqueConstraint("workspace_id", "url"),
        # One GIN index per column: expression indexes over both compare unreliably in the
        # schema check, and a query can OR the two (heedful.coach.fulltext).
        Index(
            "ix_help_article_title_search",
            text("to_tsvector('english', title)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_help_article_body_search",
            text("to_tsvector('english', body)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    # float32 vector from triage's encoder (L2-normalised), or None where it was unavailable
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
