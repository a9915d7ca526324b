"""The canned check fed from the store: each workspace's sent (outbound) replies as a
:class:`~heedful.coach.canned.SentReplyIndex`, kept in memory per workspace and brought up to
date incrementally (only messages newer than the last one it saw are read).

A reply's recipient is its conversation's *contact* (``contact:<id>``), so the same person on
a second account — once the identities are linked to one contact — counts as the same person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.coach.canned import SentReplyIndex
from heedful.store.tables import Conversation, Message


def contact_key(contact_id: int | None, conversation_id: int) -> str:
    return f"contact:{contact_id}" if contact_id is not None else f"conversation:{conversation_id}"


@dataclass
class _Entry:
    index: SentReplyIndex
    last_message_id: int


class WorkspaceHistories:
    """Per-workspace sent-reply indexes. One per process (e.g. ``app.state``); thread-safe."""

    def __init__(self, window: timedelta = timedelta(days=30), batch: int = 5000) -> None:
        self.window = window
        self.batch = batch
        self._entries: dict[int, _Entry] = {}
        self._lock = Lock()

    def index_for(self, session: Session, workspace_id: int, now: datetime) -> SentReplyIndex:
        """The workspace's index, with every reply sent since the last call added."""
        with self._lock:
            entry = self._entries.get(workspace_id)
            if entry is None:
                entry = _Entry(SentReplyIndex(), 0)
                self._entries[workspace_id] = entry
            self._catch_up(session, workspace_id, entry, now - self.window)
            return entry.index

    def _catch_up(
        self, session: Session, workspace_id: int, entry: _Entry, since: datetime
    ) -> None:
        while True:
            rows = session.execute(
                select(
                    Message.id,
                    Message.text,
                    Message.created_at,
                    Message.conversation_id,
                    Conversation.contact_id,
                )
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Message.workspace_id == workspace_id,
                    Message.direction == "out",
                    Message.id > entry.last_message_id,
                    Message.created_at >= since,
                )
                .order_by(Message.id)
                .limit(self.batch)
            ).all()
            for row in rows:
                entry.index.add(
                    row.text, contact_key(row.contact_id, row.conversation_id), row.created_at
                )
            if rows:
                entry.last_message_id = rows[-1].id
            if len(rows) < self.batch:
                return

    def forget(self, workspace_id: int) -> None:
        with self._lock:
            self._entries.pop(workspace_id, None)
