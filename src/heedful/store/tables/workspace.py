"""Workspaces (brands, the tenants) and the channel accounts they connect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, JSONDoc


class Workspace(Base):
    """A brand: the unit of tenancy. Every other row belongs to exactly one workspace."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Per-workspace configuration documents (signature format, triage weights, coach rules…),
    # each owned by the module that reads it, keyed by that module's name.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[datetime]


class ChannelAccount(Base):
    """A brand's connected account on one channel (an X handle, a Facebook page, a mailbox)."""

    __tablename__ = "channel_account"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))  # the platform's id for the account
    handle: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    followers: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|paused|disabled
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Non-secret settings (poll interval, listening keywords…)
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # Secrets (tokens, passwords), encrypted with the instance key: see heedful.store.crypto
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)  # polling position
    created_at: Mapped[datetime]
