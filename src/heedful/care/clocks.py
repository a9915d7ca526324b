"""SLA clocks on the store: each conversation's timeline, its live SLA state, status changes
(logged, because waiting and resolved pause the clocks), and the escalation tick.

The pure rules are in ``heedful.care.sla``; this module loads what they need in a few
set-based queries, so the inbox can show a page of conversations' clocks at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.calendars import load_calendar, load_policies
from heedful.care.events import log_event
from heedful.care.hours import BusinessCalendar
from heedful.care.sla import (
    ConversationSla,
    Escalation,
    EscalationAction,
    SlaPolicy,
    Timeline,
    escalations,
    match_policy,
    sla_state,
)
from heedful.clock import Clock, as_utc
from heedful.domain import AgentRole, ConversationStatus, Direction, MessageKind, Visibility
from heedful.errors import ValidationFailed
from heedful.store.tables import Conversation, Event, Membership, Message, SlaEscalation

STATUS_EVENTS = {
    "conversation.status_changed": None,  # the new status is in data["to"]
    "conversation.reopened": ConversationStatus.OPEN,
    "conversation.reraised": ConversationStatus.OPEN,
}
TICK_BATCH = 500


# ---- status --------------------------------------------------------------------------------


def set_conversation_status(
    session: Session,
    conversation: Conversation,
    status: ConversationStatus | str,
    *,
    agent_id: int | None,
    clock: Clock,
) -> bool:
    """Change the status (waiting on the customer and resolved pause the SLA clocks); logged.
    Returns False when it already had that status."""
    try:
        new = ConversationStatus(status)
    except ValueError:
        raise ValidationFailed(
            f"unknown status {status!r} (new, open, waiting, resolved)"
        ) from None
    previous = conversation.status
    if previous == new.value:
        return False
    conversation.status = new.value
    conversation.resolved_at = clock.now() if new is ConversationStatus.RESOLVED else None
    log_event(
        session,
        workspace_id=conversation.workspace_id,
        kind="conversation.status_changed",
        subject=("conversation", conversation.id),
        clock=clock,
        agent_id=agent_id,
        to=new.value,
        **{"from": previous},
    )
    return True


# ---- timelines and states ------------------------------------------------------------------------


def load_timelines(session: Session, conversations: Sequence[Conversation]) -> dict[int, Timeline]:
    """Each conversation's customer and brand message times and status changes."""
    ids = [c.id for c in conversations]
    inbound: dict[int, list[datetime]] = defaultdict(list)
    outbound: dict[int, list[datetime]] = defaultdict(list)
    for conv, direction, at in session.execute(
        select(Message.conversation_id, Message.direction, Message.created_at).where(
            Message.conversation_id.in_(ids), Message.kind != MessageKind.NOTE.value
        )
    ):
        (inbound if direction == Direction.INBOUND.value else outbound)[conv].append(as_utc(at))
    statuses = _status_changes(session, ids)
    timelines = {}
    for c in conversations:
        changes = statuses.get(c.id, [])
        timelines[c.id] = Timeline.build(inbound[c.id], outbound[c.id], _with_current(c, changes))
    return timelines


def _status_changes(
    session: Session, ids: list[int]
) -> dict[int, list[tuple[datetime, ConversationStatus]]]:
    found: dict[int, list[tuple[datetime, ConversationStatus]]] = defaultdict(list)
    rows = session.execute(
        select(Event.subject_id, Event.kind, Event.data, Event.created_at).where(
            Event.subject_type == "conversation",
            Event.subject_id.in_(ids),
            Event.kind.in_(list(STATUS_EVENTS)),
        )
    )
    for conv, kind, data, at in rows:
        status = STATUS_EVENTS[kind] or _status(data)
        if conv is not None and status is not None:
            found[conv].append((as_utc(at), status))
    return found


def _status(data: dict[str, Any] | None) -> ConversationStatus | None:
    try:
        return ConversationStatus(str((data or {}).get("to")))
    except ValueError:
        return None


def _with_current(
    conversation: Conversation, changes: list[tuple[datetime, ConversationStatus]]
) -> list[tuple[datetime, ConversationStatus]]:
    """Add the current status when no logged change explains it (set by an import, say)."""
    current = ConversationStatus(conversation.status)
    latest = max(changes, default=None)
    if current in {ConversationStatus.WAITING, ConversationStatus.RESOLVED} and (
        latest is None or latest[1] is not current
    ):
        at = conversation.resolved_at or conversation.last_activity_at
        return [*changes, (as_utc(at), current)]
    return changes


def conversation_visibility(session: Session, ids: Iterable[int]) -> dict[int, Visibility]:
    """A conversation is public when its first message was public (the SLA's visibility)."""
    found: dict[int, tuple[datetime, int, str]] = {}
    for conv, msg_id, at, visibility in session.execute(
        select(Message.conversation_id, Message.id, Message.created_at, Message.visibility).where(
            Message.conversation_id.in_(list(ids))
        )
    ):
        key = (as_utc(at), msg_id, visibility)
        if conv not in found or key < found[conv]:
            found[conv] = key
    return {conv: Visibility(v[2]) for conv, v in found.items()}


@dataclass
class _WorkspaceRules:
    policies: tuple[SlaPolicy, ...]
    calendars: dict[str, BusinessCalendar]


def sla_states_of(
    session: Session, conversations: Sequence[Conversation], *, now: datetime
) -> dict[int, ConversationSla]:
    """The live SLA state of each conversation at ``now``."""
    timelines = load_timelines(session, conversations)
    visibility = conversation_visibility(session, [c.id for c in conversations])
    rules: dict[int, _WorkspaceRules] = {}
    states = {}
    for c in conversations:
        ws = rules.setdefault(
            c.workspace_id, _WorkspaceRules(load_policies(session, c.workspace_id), {})
        )
        if c.channel not in ws.calendars:
            ws.calendars[c.channel] = load_calendar(session, c.workspace_id, c.channel)
        seen = visibility.get(c.id, Visibility.PUBLIC)
        policy = match_policy(ws.policies, c.channel, seen, c.priority)
        states[c.id] = sla_state(timelines[c.id], policy, ws.calendars[c.channel], now)
    return states


def sla_states(
    session: Session, conversation_ids: Sequence[int], clock: Clock
) -> dict[int, dict[str, Any]]:
    """For the pages: each conversation's most urgent clock as plain data (see sla_json)."""
    conversations = list(
        session.scalars(select(Conversation).where(Conversation.id.in_(list(conversation_ids))))
    )
    states = sla_states_of(session, conversations, now=clock.now())
    return {conv: summary for conv, state in states.items() if (summary := sla_json(state))}


def sla_json(state: ConversationSla) -> dict[str, Any] | None:
    clock = state.current
    if clock is None or state.policy is None:
        return None
    return {
        "status": clock.status.value,
        "metric": clock.metric.value,
        "policy": state.policy.name,
        "target_seconds": int(clock.target.total_seconds()),
        "remaining_seconds": int(clock.remaining.total_seconds()),
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "business_hours": state.policy.business_hours,
    }


# ---- escalation --------------------------------------------------------------------------------


def sla_tick(
    session: Session, *, clock: Clock, workspace_id: int | None = None
) -> list[tuple[int, Escalation]]:
    """Apply the escalations that are due (each once per clock and level): raise the priority,
    log ``sla.at_risk`` / ``sla.breached`` with whom to notify. Idempotent."""
    stmt = select(Conversation).where(
        Conversation.status != ConversationStatus.RESOLVED.value,
        Conversation.first_inbound_at.is_not(None),
    )
    if workspace_id is not None:
        stmt = stmt.where(Conversation.workspace_id == workspace_id)
    applied: list[tuple[int, Escalation]] = []
    conversations = list(session.scalars(stmt.order_by(Conversation.id)))
    for start in range(0, len(conversations), TICK_BATCH):
        applied.extend(_tick_batch(session, conversations[start : start + TICK_BATCH], clock))
    return applied


def _tick_batch(
    session: Session, batch: list[Conversation], clock: Clock
) -> list[tuple[int, Escalation]]:
    states = sla_states_of(session, batch, now=clock.now())
    done = _done_keys(session, [c.id for c in batch])
    applied = []
    for c in batch:
        for escalation in escalations(
            states[c.id], c.priority, owned=c.owner_id is not None, already=done[c.id]
        ):
            _apply(session, c, escalation, clock)
            applied.append((c.id, escalation))
    return applied


def _done_keys(session: Session, ids: list[int]) -> dict[int, set[str]]:
    done: dict[int, set[str]] = defaultdict(set)
    for conv, key in session.execute(
        select(SlaEscalation.conversation_id, SlaEscalation.key).where(
            SlaEscalation.conversation_id.in_(ids)
        )
    ):
        done[conv].add(key)
    return done


def _apply(
    session: Session, conversation: Conversation, escalation: Escalation, clock: Clock
) -> None:
    conversation.priority = max(conversation.priority, escalation.new_priority)
    session.add(
        SlaEscalation(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            key=escalation.key,
            metric=escalation.metric.value,
            level=escalation.level.value,
            created_at=clock.now(),
        )
    )
    notify = []
    if EscalationAction.NOTIFY_OWNER in escalation.actions and conversation.owner_id:
        notify.append(conversation.owner_id)
    if EscalationAction.NOTIFY_LEAD in escalation.actions:
        notify.extend(team_leads(session, conversation.workspace_id))
    log_event(
        session,
        workspace_id=conversation.workspace_id,
        kind=f"sla.{escalation.level.value}",
        subject=("conversation", conversation.id),
        clock=clock,
        metric=escalation.metric.value,
        reason=escalation.reason,
        priority=conversation.priority,
        notify_agent_ids=sorted(set(notify)),
    )


def team_leads(session: Session, workspace_id: int) -> list[int]:
    roles = [AgentRole.LEAD.value, AgentRole.ADMIN.value]
    return sorted(
        session.scalars(
            select(Membership.agent_id).where(
                Membership.workspace_id == workspace_id, Membership.role.in_(roles)
            )
        )
    )
