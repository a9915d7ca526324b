"""The one access path: every request loads workspace-owned rows through these functions, so
tenant isolation is decided in one place (and tested once, as a matrix over every route).

A row the viewer may not see is reported as missing (:class:`NotFound`), never as forbidden:
an agent of one brand cannot even learn that another brand's conversation 42 exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.domain import AgentRole
from heedful.errors import NotFound, PermissionDenied
from heedful.store.dialect import driver_sql
from heedful.store.tables import (
    Agent,
    ApiToken,
    ChannelAccount,
    Contact,
    ContactIdentity,
    Conversation,
    InternalNote,
    Membership,
    Message,
    SavedView,
    Workspace,
)


@dataclass(frozen=True)
class Viewer:
    """Who is asking. ``workspace_ids`` are the workspaces they may see (None: all, for the
    instance's own CLI and jobs — never for a web request). ``roles`` maps each of those
    workspaces to the viewer's role there; ``role`` is the instance-wide role."""

    agent_id: int | None
    workspace_ids: frozenset[int] | None
    role: str = "agent"
    roles: Mapping[int, str] = field(default_factory=dict)
    name: str = ""
    initials: str = ""
    email: str = ""
    via: str = "system"  # "session" (browser, CSRF-checked), "token" (API) or "system"
    csrf_token: str = ""
    slugs: Mapping[str, int] = field(default_factory=dict)  # slug → id of workspace_ids

    def can_see(self, workspace_id: int) -> bool:
        return self.workspace_ids is None or workspace_id in self.workspace_ids

    def role_in(self, workspace_id: int) -> AgentRole | None:
        if self.workspace_ids is None:
            return AgentRole.ADMIN
        role = self.roles.get(workspace_id)
        return AgentRole(role) if role else None

    def is_at_least(self, workspace_id: int, role: AgentRole) -> bool:
        mine = self.role_in(workspace_id)
        return mine is not None and mine.at_least(role)

    @property
    def is_instance_admin(self) -> bool:
        return self.workspace_ids is None or self.role == AgentRole.ADMIN.value


SYSTEM = Viewer(agent_id=None, workspace_ids=None, role="admin", name="system")


def viewer_for_agent(session: Session, agent: Agent, *, via: str, csrf_token: str = "") -> Viewer:
    """The viewer an agent is: the workspaces they belong to, with their role in each."""
    rows = session.execute(
        select(Membership.workspace_id, Membership.role, Workspace.slug)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.agent_id == agent.id)
    ).all()
    roles = {int(ws): str(role) for ws, role, _ in rows}
    return Viewer(
        agent_id=agent.id,
        workspace_ids=frozenset(roles),
        role=agent.role,
        roles=roles,
        name=agent.name,
        initials=agent.initials,
        email=agent.email,
        via=via,
        csrf_token=csrf_token,
        slugs={str(slug): int(ws) for ws, _, slug in rows},
    )


def require_role(viewer: Viewer, workspace_id: int, role: AgentRole) -> None:
    """Refuse unless the viewer has at least ``role`` in the workspace (which they can see)."""
    if not viewer.can_see(workspace_id):
        raise NotFound(f"no workspace {workspace_id}")
    if not viewer.is_at_least(workspace_id, role):
        raise PermissionDenied(f"this needs the {role.value} role in this workspace")


def visible_workspace_ids(session: Session, viewer: Viewer) -> list[int]:
    if viewer.workspace_ids is not None:
        return sorted(viewer.workspace_ids)
    return list(session.scalars(select(Workspace.id).order_by(Workspace.id)))


def visible_workspaces(session: Session, viewer: Viewer) -> list[Workspace]:
    ids = visible_workspace_ids(session, viewer)
    if not ids:
        return []
    return list(
        session.scalars(select(Workspace).where(Workspace.id.in_(ids)).order_by(Workspace.name))
    )


def access_workspace_by_slug(session: Session, viewer: Viewer, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None or not viewer.can_see(workspace.id):
        raise NotFound(f"no workspace {slug!r}")
    return workspace


def access_workspace_id_by_slug(session: Session, viewer: Viewer, slug: str) -> int:
    """:func:`access_workspace_by_slug`'s id, without loading the row (hot paths)."""
    found = session.execute(
        select(Workspace.__table__.c.id).where(Workspace.__table__.c.slug == slug)
    ).scalar()
    if found is None or not viewer.can_see(int(found)):
        raise NotFound(f"no workspace {slug!r}")
    return int(found)


def workspace_id_on_cursor(cursor: Any, dialect: str, viewer: Viewer, slug: str) -> int:
    """:func:`access_workspace_id_by_slug` on a driver cursor (the inbox API's hot path); the
    viewer's own workspaces are known without asking."""
    known = viewer.slugs.get(slug)
    if known is not None and viewer.can_see(known):
        return known
    sql = driver_sql(dialect, "SELECT id FROM workspace WHERE slug = :slug")
    cursor.execute(sql, {"slug": slug})
    found = cursor.fetchone()
    if found is None or not viewer.can_see(int(found[0])):
        raise NotFound(f"no workspace {slug!r}")
    return int(found[0])


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


def access_identity_by_id(session: Session, viewer: Viewer, identity_id: int) -> ContactIdentity:
    identity = session.get(ContactIdentity, identity_id)
    if identity is None or not viewer.can_see(identity.workspace_id):
        raise NotFound(f"no identity {identity_id}")
    return identity


def access_message_by_id(session: Session, viewer: Viewer, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or not viewer.can_see(message.workspace_id):
        raise NotFound(f"no message {message_id}")
    return message


def access_note_by_id(session: Session, viewer: Viewer, note_id: int) -> InternalNote:
    note = session.get(InternalNote, note_id)
    if note is None or not viewer.can_see(note.workspace_id):
        raise NotFound(f"no note {note_id}")
    return note


def access_channel_account_by_id(
    session: Session, viewer: Viewer, account_id: int
) -> ChannelAccount:
    account = session.get(ChannelAccount, account_id)
    if account is None or not viewer.can_see(account.workspace_id):
        raise NotFound(f"no channel account {account_id}")
    return account


def access_agent_by_id(session: Session, viewer: Viewer, agent_id: int) -> Agent:
    """An agent who shares a workspace with the viewer (or the viewer themself)."""
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    if viewer.workspace_ids is None or agent.id == viewer.agent_id:
        return agent
    shared = session.scalar(
        select(Membership.workspace_id)
        .where(Membership.agent_id == agent.id, Membership.workspace_id.in_(viewer.workspace_ids))
        .limit(1)
    )
    if shared is None:
        raise NotFound(f"no agent {agent_id}")
    return agent


def access_saved_view_by_id(session: Session, viewer: Viewer, view_id: int) -> SavedView:
    """Saved views are personal: only their owner sees them."""
    view = session.get(SavedView, view_id)
    if view is None or view.agent_id != viewer.agent_id:
        raise NotFound(f"no saved view {view_id}")
    return view


def access_api_token_by_id(session: Session, viewer: Viewer, token_id: int) -> ApiToken:
    """API tokens are personal: only their owner sees them."""
    token = session.get(ApiToken, token_id)
    if token is None or token.agent_id != viewer.agent_id:
        raise NotFound(f"no API token {token_id}")
    return token
