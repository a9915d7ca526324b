"""Messages: one post, reply, DM, review or e-mail, inbound or outbound."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        # Idempotency: a platform's message id is unique on its channel, so the same message
        # twice is stored once, enforced by the database, not by a read-then-write.
        UniqueConstraint("workspace_id", "channel", "external_id"),
        Index("ix_message_conversation", "conversation_id", "created_at", "id"),
        # Out-of-order threading: "who was waiting for this parent?"
        Index("ix_message_reply_to", "workspace_id", "channel", "in_reply_to_external_id"),
        Index("ix_message_author", "author_identity_id", "created_at"),
        # Full-text search on PostgreSQL; SQLite uses an FTS5 table (see heedful.store.search).
        Index(
            "ix_message_text_search",
            text("to_tsvector('simple', text)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    channel_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_account.id", ondelete="SET NULL")
    )
    external_id: Mapped[str] = mapped_column(String(255))
    in_reply_to_external_id: Mapped[str | None] = mapped_column(String(255))
    thread_ref: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # MessageKind
    direction: Mapped[str] = mapped_column(String(3))  # Direction
    visibility: Mapped[str] = mapped_column(String(8))  # Visibility
    author_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_identity.id", ondelete="SET NULL")
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    unsolicited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    ingested_at: Mapped[datetime]
    raw_ref: Mapped[str | None] = mapped_column(String(500))
