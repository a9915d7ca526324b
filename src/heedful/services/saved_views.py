"""Saved inbox views: an agent's named filters."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ValidationFailed
from heedful.store.tables import SavedView

MAX_VIEWS_PER_AGENT = 50


def save_view(
    session: Session, agent_id: int, name: str, filters: Mapping[str, str], *, clock: Clock
) -> SavedView:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("give the view a name (up to 100 characters)")
    count = session.scalar(
        select(func.count()).select_from(SavedView).where(SavedView.agent_id == agent_id)
    )
    if (count or 0) >= MAX_VIEWS_PER_AGENT:
        raise ValidationFailed(f"at most {MAX_VIEWS_PER_AGENT} saved views")
    kept = {k: str(v) for k, v in filters.items() if v not in ("", None)}
    view = SavedView(agent_id=agent_id, name=name, filters=kept, created_at=clock.now())
    session.add(view)
    session.flush()
    return view


def delete_view(session: Session, view: SavedView) -> None:
    session.delete(view)
