"""The one access path: every request loads workspace-owned rows through these functions, so
tenant isolation is decided in one place (and tested once, as a matrix over every route)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.errors import NotFound
from heedful.store.tables import Contact, Conversation, Message, Workspace


@dataclass(frozen=True)
class Viewer:
    """Who is asking. ``workspace_ids`` are the workspaces they may see (None: all, for the
    instance's own CLI and jobs — never for a web request once authentication is on)."""

    agent_id: int | None
    workspace_ids: frozenset[int] | None
    role: str = "agent"

    def can_see(self, workspace_id: int) -> bool:
        return self.workspace_ids is None or workspace_id in self.workspace_ids


SYSTEM = Viewer(agent_id=None, workspace_ids=None, role="admin")


def visible_workspace_ids(session: Session, viewer: Viewer) -> list[int]:
    if viewer.workspace_ids is not None:
        return sorted(viewer.workspace_ids)
    return list(session.scalars(select(Workspace.id).order_by(Workspace.id)))


def access_workspace_by_slug(session: Session, viewer: Viewer, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None or not viewer.can_see(workspace.id):
        raise NotFound(f"no workspace {slug!r}")
    return workspace


def access_workspace_by_id(session: Session, viewer: Viewer, workspace_id: int) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None or not viewer.can_see(workspace.id):
        raise NotFound(f"no workspace {workspace_id}")
    return workspace


def access_conversation_by_id(
    session: Session, viewer: Viewer, conversation_id: int
) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not viewer.can_see(conversation.workspace_id):
        raise NotFound(f"no conversation {conversation_id}")
    return conversation


def access_contact_by_id(session: Session, viewer: Viewer, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or not viewer.can_see(contact.workspace_id):
        raise NotFound(f"no contact {contact_id}")
    return contact


def access_message_by_id(session: Session, viewer: Viewer, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or not viewer.can_see(message.workspace_id):
        raise NotFound(f"no message {message_id}")
    return message
