"""Internal notes on a conversation: for the team, never sent to the customer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ValidationFailed
from heedful.store.tables import Conversation, Event, InternalNote

MAX_NOTE_CHARS = 5000


def add_note(
    session: Session, conversation: Conversation, text: str, *, agent_id: int | None, clock: Clock
) -> InternalNote:
    text = text.strip()
    if not text:
        raise ValidationFailed("a note needs some text")
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationFailed(f"a note is at most {MAX_NOTE_CHARS} characters")
    note = InternalNote(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        agent_id=agent_id,
        text=text,
        created_at=clock.now(),
    )
    session.add(note)
    session.flush()
    session.add(
        Event(
            workspace_id=conversation.workspace_id,
            actor=f"agent:{agent_id}" if agent_id else "system",
            actor_agent_id=agent_id,
            kind="conversation.note_added",
            subject_type="conversation",
            subject_id=conversation.id,
            data={"note_id": note.id},
            created_at=clock.now(),
        )
    )
    return note
