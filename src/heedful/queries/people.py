"""Agents, saved views, notes and "looks like the same person" suggestions, for the pages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from heedful.store.tables import (
    Agent,
    ApiToken,
    Contact,
    ContactIdentity,
    InternalNote,
    Membership,
    SavedView,
    Workspace,
)

_NON_WORD = re.compile(r"[^a-z0-9]+")


def workspace_agents(session: Session, workspace_ids: list[int]) -> list[dict[str, Any]]:
    """Active agents who belong to any of these workspaces, by name."""
    if not workspace_ids:
        return []
    rows = session.execute(
        select(Agent.id, Agent.name, Agent.initials, Membership.workspace_id, Membership.role)
        .join(Membership, Membership.agent_id == Agent.id)
        .where(Membership.workspace_id.in_(workspace_ids), Agent.is_active.is_(True))
        .order_by(Agent.name, Agent.id)
    ).all()
    agents: dict[int, dict[str, Any]] = {}
    for agent_id, name, initials, workspace_id, role in rows:
        entry = agents.setdefault(
            agent_id, {"id": agent_id, "name": name, "initials": initials, "roles": {}}
        )
        entry["roles"][workspace_id] = role
    return list(agents.values())


def members_of(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Agent, Membership.role)
        .join(Membership, Membership.agent_id == Agent.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Agent.name, Agent.id)
    ).all()
    return [
        {
            "id": a.id,
            "name": a.name,
            "email": a.email,
            "initials": a.initials,
            "role": role,
            "active": a.is_active,
            "has_password": bool(a.password_hash),
        }
        for a, role in rows
    ]


def saved_views(session: Session, agent_id: int | None) -> list[SavedView]:
    if agent_id is None:
        return []
    return list(
        session.scalars(
            select(SavedView).where(SavedView.agent_id == agent_id).order_by(SavedView.name)
        )
    )


def api_tokens(session: Session, agent_id: int | None) -> list[ApiToken]:
    if agent_id is None:
        return []
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.agent_id == agent_id).order_by(ApiToken.id.desc())
        )
    )


def conversation_notes(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(InternalNote, Agent.name)
        .outerjoin(Agent, Agent.id == InternalNote.agent_id)
        .where(InternalNote.conversation_id == conversation_id)
        .order_by(InternalNote.created_at, InternalNote.id)
    ).all()
    return [
        {"id": n.id, "text": n.text, "agent": name, "created_at": n.created_at.isoformat()}
        for n, name in rows
    ]


def handle_stem(handle: str | None) -> str:
    """ "@Maya_Reads", "maya.reads@mail.example", "mayareads.bsky.social" → "mayareads"."""
    if not handle:
        return ""
    base = handle.lstrip("@").split("@")[0].lower()
    base = base.removesuffix(".bsky.social")
    return _NON_WORD.sub("", base)


def identity_suggestions(
    session: Session, contact: Contact, identities: list[dict[str, Any]], limit: int = 5
) -> list[dict[str, Any]]:
    """Identities of *other* contacts in the workspace that look like this person: the same
    display name, or the same handle on another channel. Uses the (workspace, display name)
    and (workspace, handle) indexes; the agent decides by linking."""
    names = {i["display_name"] for i in identities if i["display_name"]}
    handles = {i["handle"] for i in identities if i["handle"]}
    stems = {handle_stem(h) for h in handles} - {""}
    locals_ = {h.lstrip("@").split("@")[0] for h in handles}
    variants = handles | stems | locals_ | {f"@{s}" for s in locals_}
    if not names and not variants:
        return []
    conditions = []
    if names:
        conditions.append(ContactIdentity.display_name.in_(names))
    if variants:
        conditions.append(ContactIdentity.handle.in_(variants))
    rows = session.scalars(
        select(ContactIdentity)
        .where(
            ContactIdentity.workspace_id == contact.workspace_id,
            ContactIdentity.contact_id != contact.id,
            or_(*conditions),
        )
        .order_by(ContactIdentity.id)
        .limit(limit)
    ).all()
    return [_suggestion(row, names, stems) for row in rows]


def _suggestion(row: ContactIdentity, names: set[str], stems: set[str]) -> dict[str, Any]:
    why = []
    if row.display_name in names:
        why.append(f"same name, {row.display_name}")
    if handle_stem(row.handle) in stems:
        why.append(f"same handle, {row.handle}")
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "channel": row.channel,
        "handle": row.handle or row.external_id,
        "display_name": row.display_name,
        "why": " and ".join(why) or "similar",
    }


def workspace_names(session: Session, ids: list[int]) -> dict[int, Workspace]:
    if not ids:
        return {}
    return {w.id: w for w in session.scalars(select(Workspace).where(Workspace.id.in_(ids)))}


def count_members(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id)
        )
        or 0
    )
