"""Triage results: per message (what the text and its context said) and per conversation (the
roll-up the inbox orders by). Written only by :mod:`heedful.triage.service`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId, JSONDoc


class MessageTriage(Base):
    """One inbound message's triage. ``stage`` is ``fast`` (first pass) until refined (``full``)."""

    __tablename__ = "message_triage"
    __table_args__ = (
        Index("ix_message_triage_stage", "workspace_id", "stage", "message_id"),
        Index("ix_message_triage_triaged_at", "workspace_id", "triaged_at"),
    )

    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(8))  # fast | full
    sentiment: Mapped[str] = mapped_column(String(8))
    sentiment_score: Mapped[float] = mapped_column(Float)
    complaint: Mapped[bool]
    complaint_probability: Mapped[float] = mapped_column(Float)
    severity: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(40))
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # [{"id", "reason"}]
    context: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # ContextSignals as a document
    priority: Mapped[int]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # [{"text", "points"}]
    triaged_at: Mapped[datetime]


class ConversationTriage(Base):
    """The conversation's priority reasons (``conversation.priority`` holds the number)."""

    __tablename__ = "conversation_triage"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    priority: Mapped[int]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime]


class TriageProgress(Base):
    """How far the background sweep of each stage got: every inbound message with an id up to
    ``after_id`` has had that stage. Shared by all workers; see heedful.triage.jobs."""

    __tablename__ = "triage_progress"

    stage: Mapped[str] = mapped_column(String(8), primary_key=True)
    after_id: Mapped[int] = mapped_column(BigId, default=0)
    rescanned_at: Mapped[datetime]
