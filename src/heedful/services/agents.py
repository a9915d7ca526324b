"""Agents and their roles: create an agent or the first admin, set a password, add an agent to
a workspace (brand) with a role there, change that role, take them out, deactivate them."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import AgentRole
from heedful.errors import ConflictError, ValidationFailed
from heedful.services.auth import end_all_sessions, hash_password
from heedful.store.tables import Agent, Event, Membership, Workspace

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_role(role: str) -> AgentRole:
    try:
        return AgentRole(role)
    except ValueError:
        raise ValidationFailed(f"unknown role {role!r} (agent, lead or admin)") from None


def initials_of(name: str) -> str:
    parts = [p for p in re.split(r"[\s\-]+", name.strip()) if p]
    letters = "".join(p[0] for p in parts[:3]).upper()
    return letters or "?"


def find_agent_by_email(session: Session, email: str) -> Agent | None:
    return session.scalar(select(Agent).where(func.lower(Agent.email) == email.strip().lower()))


def create_agent(
    session: Session,
    *,
    email: str,
    name: str,
    clock: Clock,
    password: str | None = None,
    role: str = "agent",
    initials: str | None = None,
    actor_agent_id: int | None = None,
) -> Agent:
    """A new agent (instance-wide ``role``). They see nothing until added to a workspace."""
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 320:
        raise ValidationFailed(f"{email!r} is not an e-mail address")
    if not name.strip():
        raise ValidationFailed("an agent needs a name")
    if find_agent_by_email(session, email) is not None:
        raise ConflictError(f"an agent with the e-mail address {email} already exists")
    agent = Agent(
        email=email,
        name=name.strip()[:200],
        initials=(initials or initials_of(name)).strip()[:8],
        role=check_role(role).value,
        password_hash=hash_password(password) if password is not None else None,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(agent)
    session.flush()
    session.add(_event(None, actor_agent_id, "agent.created", agent.id, clock.now(), {}))
    return agent


def create_admin(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    clock: Clock,
    workspaces: list[Workspace] | None = None,
) -> Agent:
    """An instance admin, admin of ``workspaces`` (default: every workspace there is).
    An existing agent with this e-mail is promoted and given the new password."""
    agent = find_agent_by_email(session, email)
    if agent is None:
        agent = create_agent(
            session, email=email, name=name, clock=clock, password=password, role="admin"
        )
    else:
        agent.role = AgentRole.ADMIN.value
        set_password(session, agent, password, clock=clock)
    targets = workspaces if workspaces is not None else list(session.scalars(select(Workspace)))
    for workspace in targets:
        add_member(session, agent, workspace, role="admin", clock=clock)
    return agent


def set_password(
    session: Session,
    agent: Agent,
    password: str,
    *,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> None:
    """Set a new password and sign the agent out everywhere."""
    agent.password_hash = hash_password(password)
    end_all_sessions(session, agent)
    session.add(
        _event(None, actor_agent_id or agent.id, "agent.password_set", agent.id, clock.now(), {})
    )


def add_member(
    session: Session,
    agent: Agent,
    workspace: Workspace,
    *,
    role: str,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> Membership:
    """Give ``agent`` access to ``workspace`` with ``role`` there (or change that role)."""
    checked = check_role(role).value
    membership = session.get(Membership, (workspace.id, agent.id))
    if membership is None:
        membership = Membership(
            workspace_id=workspace.id, agent_id=agent.id, role=checked, created_at=clock.now()
        )
        session.add(membership)
    else:
        membership.role = checked
    session.add(
        _event(
            workspace.id, actor_agent_id, "membership.set", agent.id, clock.now(), {"role": checked}
        )
    )
    session.flush()
    return membership


def remove_member(
    session: Session,
    agent: Agent,
    workspace: Workspace,
    *,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> None:
    membership = session.get(Membership, (workspace.id, agent.id))
    if membership is None:
        return
    if membership.role == AgentRole.ADMIN.value and _admin_count(session, workspace.id) <= 1:
        raise ConflictError("a workspace keeps at least one admin")
    session.delete(membership)
    session.add(
        _event(workspace.id, actor_agent_id, "membership.removed", agent.id, clock.now(), {})
    )


def set_active(
    session: Session,
    agent: Agent,
    active: bool,
    *,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> None:
    agent.is_active = active
    if not active:
        end_all_sessions(session, agent)
    kind = "agent.activated" if active else "agent.deactivated"
    session.add(_event(None, actor_agent_id, kind, agent.id, clock.now(), {}))


def _admin_count(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.role == "admin")
        )
        or 0
    )


def _event(
    workspace_id: int | None,
    actor_agent_id: int | None,
    kind: str,
    agent_id: int,
    now: datetime,
    data: dict[str, object],
) -> Event:
    return Event(
        workspace_id=workspace_id,
        actor=f"agent:{actor_agent_id}" if actor_agent_id else "system",
        actor_agent_id=actor_agent_id,
        kind=kind,
        subject_type="agent",
        subject_id=agent_id,
        data=data,
        created_at=now,
    )
