"""Sticky ownership: one named person owns a case, and stays its owner until an explicit hand-over.

* The first agent who replies to (or claims) an unowned conversation owns it.
* A contact's new conversation, on any channel (identities linked to one contact), goes to the
  owner of that contact's most recent owned conversation while that agent is on shift.
* Otherwise unowned work is assigned automatically (workspace setting ``assignment``):
  ``least_loaded`` (fewest open conversations for their capacity, then the longest since their
  last assignment) or ``round_robin`` (the longest since their last assignment), among members
  who are active, accept assignments, are on shift and have room; ``off`` leaves it in the
  queue.
* Re-assignment is explicit and, when the conversation had an owner, carries a hand-over note
  that the next owner sees first.

On shift: an agent with shift records is on shift inside a shift (clocked in, not yet out);
an agent who never clocks in is taken to work the workspace's business hours.
Every assignment and hand-over is written to the event log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from heedful.care.calendars import load_calendar
from heedful.care.config import care_settings
from heedful.care.events import log_event
from heedful.clock import Clock
from heedful.domain import ConversationStatus
from heedful.errors import ConflictError, NotFound, ValidationFailed
from heedful.store.tables import (
    Agent,
    AgentCapacity,
    AgentShift,
    Conversation,
    HandoverNote,
    Membership,
    Workspace,
)

DEFAULT_CAPACITY = 10


@dataclass(frozen=True, slots=True)
class Routing:
    conversation_id: int
    agent_id: int
    reason: str  # "sticky", "least_loaded", "round_robin"


# ---- explicit actions ------------------------------------------------------------------------


def claim_conversation(
    session: Session, conversation: Conversation, agent: Agent, *, clock: Clock
) -> bool:
    """Take an unowned conversation (also done by an agent's first reply). False when it
    already has an owner: taking it from them is a hand-over (:func:`assign_conversation`)."""
    _require_member(session, conversation.workspace_id, agent.id)
    if conversation.owner_id == agent.id:
        return True
    if conversation.owner_id is not None:
        return False
    _set_owner(session, conversation, agent.id, clock=clock, by=agent.id, reason="claimed")
    return True


def assign_conversation(
    session: Session,
    conversation: Conversation,
    to_agent: Agent,
    *,
    by_agent: Agent | None,
    note: str | None,
    clock: Clock,
) -> HandoverNote | None:
    """Give the conversation to ``to_agent``. Taking it from another owner is a hand-over and
    needs a note for the next owner (returned); assigning unowned work needs none."""
    _require_member(session, conversation.workspace_id, to_agent.id)
    previous = conversation.owner_id
    if previous == to_agent.id:
        return None
    text = (note or "").strip()
    if previous is not None and not text:
        raise ValidationFailed("a hand-over needs a note for the next owner: what is going on?")
    by = by_agent.id if by_agent else None
    handover = None
    if text:
        handover = HandoverNote(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            from_agent_id=previous if previous is not None else by,
            to_agent_id=to_agent.id,
            note=text[:5000],
            created_at=clock.now(),
        )
        session.add(handover)
    reason = "handed over" if previous is not None else "assigned"
    _set_owner(session, conversation, to_agent.id, clock=clock, by=by, reason=reason)
    return handover


def _set_owner(
    session: Session,
    conversation: Conversation,
    agent_id: int,
    *,
    clock: Clock,
    by: int | None,
    reason: str,
) -> None:
    previous = conversation.owner_id
    conversation.owner_id = agent_id
    if conversation.status == ConversationStatus.NEW.value:
        conversation.status = ConversationStatus.OPEN.value
    _touch_assignment(session, conversation.workspace_id, agent_id, clock)
    kind = "conversation.handed_over" if previous is not None else "conversation.assigned"
    log_event(
        session,
        workspace_id=conversation.workspace_id,
        kind=kind,
        subject=("conversation", conversation.id),
        clock=clock,
        agent_id=by,
        owner_id=agent_id,
        previous_owner_id=previous,
        reason=reason,
    )


def _require_member(session: Session, workspace_id: int, agent_id: int) -> None:
    member = session.get(Membership, (workspace_id, agent_id))
    agent = session.get(Agent, agent_id)
    if member is None or agent is None:
        raise NotFound(f"agent {agent_id} is not a member of this workspace")
    if not agent.is_active:
        raise ConflictError(f"{agent.name} is deactivated")


# ---- shifts and capacity ---------------------------------------------------------------------


def clock_in(session: Session, workspace_id: int, agent_id: int, *, clock: Clock) -> AgentShift:
    """Start a shift (a no-op while one is open)."""
    _require_member(session, workspace_id, agent_id)
    current = _open_shift(session, workspace_id, agent_id)
    if current is not None:
        return current
    shift = AgentShift(workspace_id=workspace_id, agent_id=agent_id, starts_at=clock.now())
    session.add(shift)
    log_event(
        session,
        workspace_id=workspace_id,
        kind="agent.clocked_in",
        subject=("agent", agent_id),
        clock=clock,
        agent_id=agent_id,
    )
    return shift


def clock_out(session: Session, workspace_id: int, agent_id: int, *, clock: Clock) -> None:
    shift = _open_shift(session, workspace_id, agent_id)
    if shift is None:
        return
    shift.ends_at = clock.now()
    log_event(
        session,
        workspace_id=workspace_id,
        kind="agent.clocked_out",
        subject=("agent", agent_id),
        clock=clock,
        agent_id=agent_id,
    )


def _open_shift(session: Session, workspace_id: int, agent_id: int) -> AgentShift | None:
    return session.scalar(
        select(AgentShift).where(
            AgentShift.workspace_id == workspace_id,
            AgentShift.agent_id == agent_id,
            AgentShift.ends_at.is_(None),
        )
    )


def set_capacity(
    session: Session,
    workspace_id: int,
    agent_id: int,
    *,
    capacity: int,
    accepts_assignments: bool = True,
    clock: Clock,
) -> AgentCapacity:
    if not 0 <= capacity <= 1000:
        raise ValidationFailed("capacity is a number of open conversations, 0 to 1000")
    _require_member(session, workspace_id, agent_id)
    row = _capacity_row(session, workspace_id, agent_id, clock)
    row.capacity, row.accepts_assignments, row.updated_at = (
        capacity,
        accepts_assignments,
        clock.now(),
    )
    return row


def _capacity_row(
    session: Session, workspace_id: int, agent_id: int, clock: Clock
) -> AgentCapacity:
    row = session.get(AgentCapacity, (workspace_id, agent_id))
    if row is None:
        row = AgentCapacity(
            workspace_id=workspace_id,
            agent_id=agent_id,
            capacity=DEFAULT_CAPACITY,
            accepts_assignments=True,
            updated_at=clock.now(),
        )
        session.add(row)
    return row


def _touch_assignment(session: Session, workspace_id: int, agent_id: int, clock: Clock) -> None:
    _capacity_row(session, workspace_id, agent_id, clock).last_assigned_at = clock.now()


def on_shift(
    session: Session, workspace_id: int, agent_ids: Iterable[int], now: datetime
) -> set[int]:
    """Which of these agents are on shift at ``now``."""
    ids = list(agent_ids)
    if not ids:
        return set()
    with_shifts = set(
        session.scalars(
            select(AgentShift.agent_id).where(
                AgentShift.workspace_id == workspace_id, AgentShift.agent_id.in_(ids)
            )
        )
    )
    inside = set(
        session.scalars(
            select(AgentShift.agent_id).where(
                AgentShift.workspace_id == workspace_id,
                AgentShift.agent_id.in_(ids),
                AgentShift.starts_at <= now,
                or_(AgentShift.ends_at.is_(None), AgentShift.ends_at > now),
            )
        )
    )
    without = set(ids) - with_shifts
    if without and load_calendar(session, workspace_id).is_open(now):
        inside |= without
    return inside


def open_loads(session: Session, workspace_id: int, agent_ids: Sequence[int]) -> dict[int, int]:
    """Open (unresolved) conversations each agent owns."""
    rows = session.execute(
        select(Conversation.owner_id, func.count())
        .where(
            Conversation.workspace_id == workspace_id,
            Conversation.owner_id.in_(list(agent_ids)),
            Conversation.status != ConversationStatus.RESOLVED.value,
        )
        .group_by(Conversation.owner_id)
    ).all()
    loads = {int(owner): int(count) for owner, count in rows if owner is not None}
    return {agent_id: loads.get(agent_id, 0) for agent_id in agent_ids}


# ---- routing unowned work ----------------------------------------------------------------------


def route_conversations(
    session: Session, workspace_id: int, conversation_ids: Iterable[int], *, clock: Clock
) -> list[Routing]:
    """Give each unowned, unresolved conversation an owner: the contact's sticky owner while on
    shift, else by the workspace's assignment mode. Returns what was done.

    Set-based: one query finds every sticky owner of the batch and one checks who of them is
    on shift, whatever the batch size (this runs on every live ingest)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"workspace {workspace_id} not found")
    mode = care_settings(workspace).assignment
    conversations = session.scalars(
        select(Conversation)
        .where(
            Conversation.id.in_(list(conversation_ids)),
            Conversation.workspace_id == workspace_id,
            Conversation.owner_id.is_(None),
            Conversation.status != ConversationStatus.RESOLVED.value,
        )
        .order_by(Conversation.id)
    ).all()
    if not conversations:
        return []
    now = clock.now()
    latest = _latest_owned(session, workspace_id, conversations)
    candidates = sorted({owner for _, _, owner in latest.values()})
    on_duty = set(_available(session, workspace_id, candidates, now)) if candidates else set()
    routed: list[Routing] = []
    nobody_free = False
    for conversation in conversations:
        found = latest.get(conversation.contact_id) if conversation.contact_id else None
        owner: int | None = found[2] if found and found[1] != conversation.id else None
        if owner is not None and owner in on_duty:
            reason = "sticky"
        elif mode == "off" or nobody_free:
            continue
        else:
            owner = pick_agent(session, workspace_id, now, mode=mode)
            reason = mode
            if owner is None:
                nobody_free = True  # capacity only shrinks within a batch
                continue
        _set_owner(session, conversation, owner, clock=clock, by=None, reason=reason)
        if conversation.contact_id is not None:
            latest[conversation.contact_id] = (
                conversation.last_activity_at,
                conversation.id,
                owner,
            )
        routed.append(Routing(conversation.id, owner, reason))
    return routed


def _latest_owned(
    session: Session, workspace_id: int, conversations: Sequence[Conversation]
) -> dict[int, tuple[datetime, int, int]]:
    """For each contact of the batch: (last activity, id, owner) of their most recent owned
    conversation, on any channel (see :func:`sticky_owner`)."""
    contacts = sorted({c.contact_id for c in conversations if c.contact_id is not None})
    if not contacts:
        return {}
    rows = session.execute(
        select(
            Conversation.contact_id,
            Conversation.last_activity_at,
            Conversation.id,
            Conversation.owner_id,
        ).where(
            Conversation.workspace_id == workspace_id,
            Conversation.contact_id.in_(contacts),
            Conversation.owner_id.is_not(None),
        )
    ).all()
    latest: dict[int, tuple[datetime, int, int]] = {}
    for contact_id, last_activity, conversation_id, owner_id in rows:
        if contact_id is None or owner_id is None:
            continue
        entry = (last_activity, conversation_id, owner_id)
        if contact_id not in latest or entry[:2] > latest[contact_id][:2]:
            latest[contact_id] = entry
    return latest


def sticky_owner(session: Session, conversation: Conversation) -> int | None:
    """The owner of the contact's most recent other owned conversation, on any channel."""
    if conversation.contact_id is None:
        return None
    return session.scalar(
        select(Conversation.owner_id)
        .where(
            Conversation.workspace_id == conversation.workspace_id,
            Conversation.contact_id == conversation.contact_id,
            Conversation.id != conversation.id,
            Conversation.owner_id.is_not(None),
        )
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(1)
    )


def _available(
    session: Session, workspace_id: int, agent_ids: list[int], now: datetime
) -> list[int]:
    """Members who are active and on shift (capacity is not checked for sticky routing: the
    customer's own person comes first)."""
    active = set(
        session.scalars(
            select(Agent.id)
            .join(
                Membership,
                and_(Membership.agent_id == Agent.id, Membership.workspace_id == workspace_id),
            )
            .where(Agent.id.in_(agent_ids), Agent.is_active.is_(True))
        )
    )
    return sorted(on_shift(session, workspace_id, active, now))


def pick_agent(session: Session, workspace_id: int, now: datetime, *, mode: str) -> int | None:
    """Who gets the next unowned conversation (see the module docstring), or None."""
    members = list(
        session.scalars(select(Membership.agent_id).where(Membership.workspace_id == workspace_id))
    )
    candidates = _available(session, workspace_id, members, now)
    if not candidates:
        return None
    caps = {
        row.agent_id: row
        for row in session.scalars(
            select(AgentCapacity).where(
                AgentCapacity.workspace_id == workspace_id, AgentCapacity.agent_id.in_(candidates)
            )
        )
    }
    loads = open_loads(session, workspace_id, candidates)
    free = [a for a in candidates if _has_room(caps.get(a), loads[a])]
    if not free:
        return None
    return min(free, key=lambda a: _rank(mode, caps.get(a), loads[a], a))


def _has_room(cap: AgentCapacity | None, load: int) -> bool:
    if cap is None:
        return load < DEFAULT_CAPACITY
    return cap.accepts_assignments and load < cap.capacity


def _rank(
    mode: str, cap: AgentCapacity | None, load: int, agent_id: int
) -> tuple[float, float, int]:
    last = cap.last_assigned_at.timestamp() if cap and cap.last_assigned_at else 0.0
    if mode == "round_robin":
        return (0.0, last, agent_id)
    capacity = cap.capacity if cap else DEFAULT_CAPACITY
    return (load / max(capacity, 1), last, agent_id)
