"""The care workflow's tables: business hours and SLA policies per workspace, promises, hand-over
notes, agents' capacity and shifts, who is drafting where, and SLA escalations done.

Rows that point at a conversation have no unique constraint on it, so the ingest service can
fold one conversation into another (reply threading) by re-pointing them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId, JSONDoc


class BusinessHours(Base):
    """A workspace's opening hours (see ``heedful.care.hours.BusinessCalendar``)."""

    __tablename__ = "business_hours"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # {"mon": ["09:00-17:00"], …}
    closed_dates: Mapped[list[str]] = mapped_column(JSONDoc)  # ["2026-12-24", …]
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    always_open: Mapped[bool] = mapped_column(default=False)
    always_open_channels: Mapped[list[str]] = mapped_column(JSONDoc)  # 24/7 channels
    updated_at: Mapped[datetime]


class SlaPolicyRow(Base):
    """One SLA policy of a workspace; the first matching one (by ``position``) applies."""

    __tablename__ = "sla_policy"
    __table_args__ = (Index("ix_sla_policy_order", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    channels: Mapped[list[str]] = mapped_column(JSONDoc)  # empty: every channel
    visibility: Mapped[str | None] = mapped_column(String(8))  # None: public and private
    min_priority: Mapped[int] = mapped_column(default=0)
    max_priority: Mapped[int] = mapped_column(default=100)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    business_hours: Mapped[bool] = mapped_column(default=False)
    at_risk_fraction: Mapped[float] = mapped_column(default=0.25)
    created_at: Mapped[datetime]


class Promise(Base):
    """A commitment made to a customer, tracked until kept, broken or cancelled."""

    __tablename__ = "promise"
    __table_args__ = (
        Index("ix_promise_due", "workspace_id", "state", "due_at"),
        Index("ix_promise_reminder", "state", "remind_at"),
        Index("ix_promise_conversation", "conversation_id", "created_at"),
        # The inbox's "has an open promise" filter (0005c_web_filters migration).
        Index("ix_promise_conversation_state", "conversation_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("message.id", ondelete="SET NULL")
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="message")  # message|ack|manual
    action: Mapped[str] = mapped_column(String(32))
    span: Mapped[str] = mapped_column(Text)
    time_text: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    tolerance_seconds: Mapped[int | None]
    vague: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="open")  # PromiseState
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]  # when it was kept, broken or cancelled
    settled_by_message_id: Mapped[int | None] = mapped_column(BigId)
    settled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class HandoverNote(Base):
    """What the previous owner wants the next one to know, shown to them first."""

    __tablename__ = "handover_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    from_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    to_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class AgentCapacity(Base):
    """How much work an agent takes in a workspace, and whether they take new work at all."""

    __tablename__ = "agent_capacity"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    capacity: Mapped[int] = mapped_column(default=10)  # open conversations at most
    accepts_assignments: Mapped[bool] = mapped_column(default=True)
    last_assigned_at: Mapped[datetime | None]  # round-robin order
    updated_at: Mapped[datetime]


class AgentShift(Base):
    """A period an agent is on shift (clocked in); ``ends_at`` is empty while it lasts."""

    __tablename__ = "agent_shift"
    __table_args__ = (Index("ix_agent_shift_agent", "workspace_id", "agent_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class DraftPresence(Base):
    """An agent has a conversation open (and maybe a draft): for collision warnings."""

    __tablename__ = "draft_presence"
    __table_args__ = (Index("ix_draft_presence_conversation", "conversation_id", "agent_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    drafting: Mapped[bool] = mapped_column(default=False)
    seen_message_id: Mapped[int | None] = mapped_column(BigId)  # newest message when opened
    opened_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class SlaEscalation(Base):
    """An escalation that has happened (so each happens once per clock and level)."""

    __tablename__ = "sla_escalation"
    __table_args__ = (Index("ix_sla_escalation_key", "conversation_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160))
    metric: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
