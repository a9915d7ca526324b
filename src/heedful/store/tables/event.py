"""The append-only event log: who did what, when. Never updated, never deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId, JSONDoc


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_subject", "subject_type", "subject_id", "id"),
        Index("ix_event_workspace", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    actor_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))  # "agent:3", "system", "import", "channel:x"
    kind: Mapped[str] = mapped_column(String(64))  # "conversation.assigned", "message.sent"…
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[datetime]
