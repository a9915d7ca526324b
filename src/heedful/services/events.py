"""The event log's one writer: who did what, when (append-only; see the 0001 migration)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from heedful.store.tables import Event


def record_event(
    session: Session,
    kind: str,
    *,
    workspace_id: int | None,
    actor: str,
    now: datetime,
    subject: tuple[str, int] | None = None,
    data: dict[str, Any] | None = None,
    actor_agent_id: int | None = None,
) -> Event:
    """Append one event. ``subject`` is (type, id), e.g. ("conversation", 42)."""
    event = Event(
        workspace_id=workspace_id,
        actor=actor,
        actor_agent_id=actor_agent_id,
        kind=kind,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        data=data or {},
        created_at=now,
    )
    session.add(event)
    return event
