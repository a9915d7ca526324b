"""What the web app keeps: sign-in sessions, API tokens, login attempts (for throttling),
saved inbox views and internal notes on conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId, JSONDoc
from heedful.store.tables.contact import ContactIdentity
from heedful.store.tables.conversation import Conversation
from heedful.store.tables.message import Message


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database cannot be used to sign in. Ending a session deletes the row."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A token for the REST API (``Authorization: Bearer hf_…``), hashed at rest."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists: "hf_AbC1…"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """A failed sign-in, by e-mail address and by client address, for rate limiting."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key", "key", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))  # "email:anna@…" or "ip:127.0.0.1"
    created_at: Mapped[datetime]


class SavedView(Base):
    """A named inbox filter an agent keeps (the query string of the inbox page)."""

    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[datetime]


class InternalNote(Base):
    """A note agents leave on a conversation for each other. Never sent to the customer."""

    __tablename__ = "internal_note"
    __table_args__ = (Index("ix_internal_note_conversation", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# Indexes the web app's read models need on spine tables (created by the 0005_web migration):
# the dashboard's figures by creation day, per-agent reply counts, and the "looks like the
# same person" suggestion by display name.
Index("ix_conversation_created", Conversation.workspace_id, Conversation.created_at)
Index("ix_message_agent", Message.agent_id, Message.created_at)
Index("ix_contact_identity_name", ContactIdentity.workspace_id, ContactIdentity.display_name)

# The inbox's keyset walks (0005b_web_inbox migration): every filter column the inbox offers
# in front of each sort's columns, so a filtered page reads its own rows and no others
# (heedful.queries.inbox). Activity and priority order without a filter, and the status
# filter in activity order, use the spine's ix_conversation_activity / _priority / _status.
_ACTIVITY = (Conversation.last_activity_at, Conversation.id)
_PRIORITY = (Conversation.priority, *_ACTIVITY)
Index("ix_conversation_status_priority", Conversation.workspace_id, Conversation.status, *_PRIORITY)
Index("ix_conversation_channel", Conversation.workspace_id, Conversation.channel, *_ACTIVITY)
Index(
    "ix_conversation_channel_priority", Conversation.workspace_id, Conversation.channel, *_PRIORITY
)
# The dashboard's open conversations still waiting for a first answer, oldest first.
Index(
    "ix_conversation_unanswered",
    Conversation.workspace_id,
    Conversation.first_response_at,
    Conversation.status,
    Conversation.first_inbound_at,
)
Index("ix_conversation_owner", Conversation.workspace_id, Conversation.owner_id, *_ACTIVITY)
Index(
    "ix_conversation_owner_priority", Conversation.workspace_id, Conversation.owner_id, *_PRIORITY
)
