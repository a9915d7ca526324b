"""Rejected input, kept whole with its reason: never dropped, never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId


class Quarantine(Base):
    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(255))  # "import:twcs:twcs.csv", "webhook:facebook"
    locator: Mapped[str | None] = mapped_column(String(255))  # "row 1734", "line 9"
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text)
    # sha256 of workspace, source and raw: the same bad input quarantined twice is kept once
    # (heedful.services.ingest.quarantine_fingerprint)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
