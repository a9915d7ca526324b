"""One way to write the care workflow's entries in the event log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.store.tables import Event


def log_event(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    subject: tuple[str, int],
    clock: Clock,
    agent_id: int | None = None,
    **data: Any,
) -> Event:
    """Append ``kind`` ("conversation.assigned", "promise.broken"…) to the event log."""
    event = Event(
        workspace_id=workspace_id,
        actor_agent_id=agent_id,
        actor=f"agent:{agent_id}" if agent_id else "system",
        kind=kind,
        subject_type=subject[0],
        subject_id=subject[1],
        data=data,
        created_at=clock.now(),
    )
    session.add(event)
    return event
