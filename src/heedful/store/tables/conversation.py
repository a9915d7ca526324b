"""Conversations (cases): the messages of one matter, with a status, an owner and a priority."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, JSONDoc


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        # The inbox: newest activity first, keyset-paginated on (last_activity_at, id).
        Index("ix_conversation_activity", "workspace_id", "last_activity_at", "id"),
        Index("ix_conversation_priority", "workspace_id", "priority", "last_activity_at", "id"),
        Index("ix_conversation_status", "workspace_id", "status", "last_activity_at", "id"),
        # Threading: "does this contact have an open conversation on this channel?"
        Index("ix_conversation_contact", "contact_id", "channel", "last_activity_at"),
        # Care: the SLA tick's queue (see heedful.care.clocks; 0003b_care_sla migration).
        Index("ix_conversation_sla_next", "sla_next_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(32))
    channel_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="new")  # ConversationStatus
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL"), index=True
    )
    priority: Mapped[int] = mapped_column(default=0)  # 0-100, set by triage
    subject: Mapped[str | None] = mapped_column(String(500))
    message_count: Mapped[int] = mapped_column(default=0)
    first_inbound_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # Care (0003b_care_sla): the SLA clocks as of their last computation, which pages evaluate
    # at any later time without loading the timeline, and when the SLA tick must next look at
    # the conversation (NULL: never computed; written only by heedful.care.clocks).
    sla_state: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    sla_next_at: Mapped[datetime | None]
