"""Hand-over notes: what the previous owner wants the next one to know, shown to them first."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.store.tables import HandoverNote


def handover_notes(
    session: Session, conversation_id: int, *, for_agent_id: int | None = None
) -> list[HandoverNote]:
    """The conversation's hand-over notes, newest first; notes addressed to ``for_agent_id``
    that they have not read come before everything else."""
    notes = session.scalars(
        select(HandoverNote)
        .where(HandoverNote.conversation_id == conversation_id)
        .order_by(HandoverNote.created_at.desc(), HandoverNote.id.desc())
    ).all()
    return sorted(notes, key=lambda n: not _unread_for(n, for_agent_id))


def _unread_for(note: HandoverNote, agent_id: int | None) -> bool:
    return agent_id is not None and note.to_agent_id == agent_id and note.read_at is None


def mark_handover_read(
    session: Session, conversation_id: int, agent_id: int, *, clock: Clock
) -> int:
    """The next owner has seen the notes addressed to them; returns how many were unread."""
    result = session.execute(
        update(HandoverNote)
        .where(
            HandoverNote.conversation_id == conversation_id,
            HandoverNote.to_agent_id == agent_id,
            HandoverNote.read_at.is_(None),
        )
        .values(read_at=clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
