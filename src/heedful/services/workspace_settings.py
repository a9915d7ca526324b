"""Per-workspace settings documents (``workspace.settings[<area>]``), changed in one place so
every change is validated by its area and logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.store.tables import Event, Workspace


def set_area_settings(
    session: Session,
    workspace: Workspace,
    area: str,
    document: dict[str, Any],
    *,
    validate: Callable[[dict[str, Any]], object],
    clock: Clock,
    actor_agent_id: int | None = None,
) -> None:
    """Replace ``workspace.settings[area]`` with ``document`` once ``validate`` accepts it
    (it raises the area's own error otherwise)."""
    validate(document)
    workspace.settings = {**(workspace.settings or {}), area: document}
    session.add(
        Event(
            workspace_id=workspace.id,
            actor=f"agent:{actor_agent_id}" if actor_agent_id else "system",
            actor_agent_id=actor_agent_id,
            kind="workspace.settings_changed",
            subject_type="workspace",
            subject_id=workspace.id,
            data={"area": area},
            created_at=clock.now(),
        )
    )
