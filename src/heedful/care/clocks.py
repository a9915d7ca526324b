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
from typing import Any, NamedTuple

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from heedful.care import snapshot
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
from heedful.store.tables import (
    BusinessHours,
    Conversation,
    Event,
    Membership,
    Message,
    SlaEscalation,
    SlaPolicyRow,
    Workspace,
)

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
    refresh_sla(session, [conversation], clock=clock)
    return True


# ---- timelines and states ------------------------------------------------------------------------


def load_timelines(session: Session, conversations: Sequence[Conversation]) -> dict[int, Timeline]:
    """Each conversation's customer and brand message times and status changes."""
    return _load_facts(session, conversations)[0]


def _load_facts(
    session: Session, conversations: Sequence[Conversation]
) -> tuple[dict[int, Timeline], dict[int, Visibility]]:
    """Timelines and visibilities from one pass over the conversations' messages."""
    ids = [c.id for c in conversations]
    inbound: dict[int, list[datetime]] = defaultdict(list)
    outbound: dict[int, list[datetime]] = defaultdict(list)
    first: dict[int, tuple[datetime, int, str]] = {}
    unanswering = {MessageKind.NOTE.value, MessageKind.AUTO.value}  # neither answers anyone
    rows = session.execute(
        select(
            Message.conversation_id,
            Message.id,
            Message.direction,
            Message.kind,
            Message.visibility,
            Message.created_at,
        ).where(Message.conversation_id.in_(ids))
    )
    for conv, msg_id, direction, kind, visibility, created in rows:
        at = as_utc(created)
        key = (at, msg_id, visibility)
        if conv not in first or key < first[conv]:
            first[conv] = key
        if kind not in unanswering:
            (inbound if direction == Direction.INBOUND.value else outbound)[conv].append(at)
    statuses = _status_changes(session, ids)
    timelines = {}
    for c in conversations:
        changes = statuses.get(c.id, [])
        timelines[c.id] = Timeline.build(inbound[c.id], outbound[c.id], _with_current(c, changes))
    return timelines, {conv: Visibility(v[2]) for conv, v in first.items()}


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


class _Rules:
    """Each workspace's policies and per-channel calendars, loaded once per call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.workspaces: dict[int, _WorkspaceRules] = {}

    def of(self, workspace_id: int) -> _WorkspaceRules:
        rules = self.workspaces.get(workspace_id)
        if rules is None:
            rules = _WorkspaceRules(load_policies(self.session, workspace_id), {})
            self.workspaces[workspace_id] = rules
        return rules

    def calendar(self, workspace_id: int, channel: str) -> BusinessCalendar:
        calendars = self.of(workspace_id).calendars
        if channel not in calendars:
            calendars[channel] = load_calendar(self.session, workspace_id, channel)
        return calendars[channel]


def sla_states_of(
    session: Session, conversations: Sequence[Conversation], *, now: datetime
) -> dict[int, ConversationSla]:
    """The live SLA state of each conversation at ``now``."""
    return _live_states(session, conversations, now, _Rules(session))[0]


def _live_states(
    session: Session, conversations: Sequence[Conversation], now: datetime, rules: _Rules
) -> tuple[dict[int, ConversationSla], dict[int, Timeline]]:
    timelines, visibility = _load_facts(session, conversations)
    states = {}
    for c in conversations:
        seen = visibility.get(c.id, Visibility.PUBLIC)
        policy = match_policy(rules.of(c.workspace_id).policies, c.channel, seen, c.priority)
        calendar = rules.calendar(c.workspace_id, c.channel)
        states[c.id] = sla_state(timelines[c.id], policy, calendar, now)
    return states, timelines


def sla_states(
    session: Session, conversation_ids: Sequence[int], clock: Clock
) -> dict[int, dict[str, Any]]:
    """For the pages: each conversation's most urgent clock as plain data (see sla_json),
    from the stored snapshots where they are current, else from the timelines."""
    rows = session.execute(
        select(*(getattr(Conversation, name) for name in SlaRow._fields)).where(
            Conversation.id.in_(list(conversation_ids))
        )
    ).all()
    return sla_summaries(session, [SlaRow(*row) for row in rows], now=clock.now())


class SlaRow(NamedTuple):
    """What :func:`sla_summaries` needs of a conversation row."""

    id: int
    workspace_id: int
    channel: str
    status: str
    priority: int
    message_count: int
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    sla_state: Any  # the snapshot: a dict, JSON text (SQLite, raw) or None


def row_key(row: SlaRow | Conversation) -> str:
    return snapshot.conversation_key(
        row.status,
        row.priority,
        row.message_count,
        _utc(row.last_inbound_at),
        _utc(row.last_outbound_at),
    )


def sla_summaries(
    session: Session, rows: Sequence[SlaRow], *, now: datetime
) -> dict[int, dict[str, Any]]:
    """The most urgent clock of each row at ``now``: its snapshot evaluated when usable, the
    timeline's state computed otherwise (a stale or missing snapshot is not written back
    here: pages only read; the SLA tick and the write paths keep snapshots current)."""
    if not rows:
        return {}
    rules = _Rules(session)
    versions = rules_versions(session, {row.workspace_id for row in rows})
    found: dict[int, dict[str, Any]] = {}
    stale: list[int] = []
    for row in rows:
        doc = row.sla_state
        if isinstance(doc, str):
            doc = orjson.loads(doc)
        key = row_key(row)
        if not snapshot.usable(doc, key=key, rules=versions.get(row.workspace_id, ""), now=now):
            stale.append(row.id)
            continue
        calendar = rules.calendar(row.workspace_id, row.channel) if doc["b"] else None
        summary = snapshot.summary(doc, snapshot.evaluate(doc, now, calendar))
        if summary is not None:
            found[row.id] = summary
    if stale:
        conversations = list(
            session.scalars(select(Conversation).where(Conversation.id.in_(stale)))
        )
        states, _ = _live_states(session, conversations, now, rules)
        for conv, state in states.items():
            if (summary := sla_json(state)) is not None:
                found[conv] = summary
    return found


def rules_versions(session: Session, workspace_ids: Iterable[int]) -> dict[int, str]:
    """A fingerprint of each workspace's SLA policies and business calendar: a snapshot made
    under other rules is stale. (Saving either also queues every conversation of the
    workspace for the tick: :func:`rules_changed`.)"""
    ids = sorted(set(workspace_ids))
    policies = (
        select(
            SlaPolicyRow.workspace_id,
            func.count().label("n"),
            func.max(SlaPolicyRow.created_at).label("latest"),
        )
        .where(SlaPolicyRow.workspace_id.in_(ids))
        .group_by(SlaPolicyRow.workspace_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Workspace.id,
            Workspace.timezone,
            BusinessHours.updated_at,
            policies.c.n,
            policies.c.latest,
        )
        .outerjoin(BusinessHours, BusinessHours.workspace_id == Workspace.id)
        .outerjoin(policies, policies.c.workspace_id == Workspace.id)
        .where(Workspace.id.in_(ids))
    ).all()
    return {row[0]: snapshot.rules_version(row[1:]) for row in rows}


def rules_changed(session: Session, workspace_id: int) -> None:
    """The workspace's policies or calendar changed: every snapshot is stale, so queue every
    conversation for the tick to compute again (pages meanwhile compute from timelines)."""
    session.execute(
        update(Conversation)
        .where(Conversation.workspace_id == workspace_id)
        .values(sla_next_at=None)
        .execution_options(synchronize_session=False)
    )


def refresh_sla(
    session: Session,
    conversations: Sequence[Conversation],
    *,
    clock: Clock,
    escalations_pending: bool = True,
) -> dict[int, ConversationSla]:
    """Compute the conversations' SLA states now and store them as snapshots, with when the
    tick must next look (called in the transaction of every change the clocks depend on:
    messages in and out, status changes, escalations)."""
    if not conversations:
        return {}
    session.flush()
    now = clock.now()
    rules = _Rules(session)
    states, timelines = _live_states(session, conversations, now, rules)
    versions = rules_versions(session, {c.workspace_id for c in conversations})
    for c in conversations:
        doc = snapshot.snapshot(
            states[c.id],
            timelines[c.id],
            now=now,
            key=row_key(c),
            rules=versions.get(c.workspace_id, ""),
        )
        calendar = rules.calendar(c.workspace_id, c.channel) if doc["b"] else None
        c.sla_state = doc
        c.sla_next_at = snapshot.next_check(doc, calendar, escalations_pending=escalations_pending)
    return states


def snapshot_missing(
    session: Session, *, clock: Clock, limit: int = TICK_BATCH, workspace_id: int | None = None
) -> int:
    """Snapshot up to ``limit`` conversations that have none yet (after a bulk import, or a
    change of rules), without escalating (the tick does that at their next check, which is
    now for clocks already at risk or breached); returns how many. The tick does this too."""
    stmt = select(Conversation).where(Conversation.sla_next_at.is_(None))
    if workspace_id is not None:
        stmt = stmt.where(Conversation.workspace_id == workspace_id)
    batch = list(session.scalars(stmt.order_by(Conversation.id).limit(limit)))
    refresh_sla(session, batch, clock=clock)
    return len(batch)


def refresh_sla_by_id(session: Session, conversation_ids: Iterable[int], *, clock: Clock) -> None:
    """:func:`refresh_sla` for conversations known by id."""
    ids = sorted(set(conversation_ids))
    if ids:
        conversations = session.scalars(select(Conversation).where(Conversation.id.in_(ids)))
        refresh_sla(session, list(conversations), clock=clock)


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


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
    session: Session,
    *,
    clock: Clock,
    workspace_id: int | None = None,
    limit: int | None = None,
) -> list[tuple[int, Escalation]]:
    """Apply the escalations that are due (each once per clock and level): raise the priority,
    log ``sla.at_risk`` / ``sla.breached`` with whom to notify. Idempotent.

    Looks only at the conversations whose ``sla_next_at`` has come (a clock turns at risk or
    breaches, or a change may have made an escalation due) or was never computed (``NULL``:
    after a bulk import, or a change of policies), oldest first, at most ``limit`` of them
    (all when None); it stores their snapshots and next check as it goes."""
    return tick_some(session, clock=clock, workspace_id=workspace_id, limit=limit)[1]


def tick_some(
    session: Session,
    *,
    clock: Clock,
    workspace_id: int | None = None,
    limit: int | None = None,
) -> tuple[int, list[tuple[int, Escalation]]]:
    """:func:`sla_tick`, also saying how many conversations it looked at."""
    now = clock.now()
    applied: list[tuple[int, Escalation]] = []
    queues = (
        Conversation.sla_next_at <= now,
        Conversation.sla_next_at.is_(None),
    )
    seen = 0
    for condition in queues:
        while limit is None or seen < limit:
            size = TICK_BATCH if limit is None else min(TICK_BATCH, limit - seen)
            stmt = select(Conversation).where(condition)
            if workspace_id is not None:
                stmt = stmt.where(Conversation.workspace_id == workspace_id)
            batch = list(session.scalars(stmt.order_by(Conversation.sla_next_at).limit(size)))
            if not batch:
                break
            applied.extend(_tick_batch(session, batch, clock))
            session.flush()
            seen += len(batch)
    return seen, applied


def _tick_batch(
    session: Session, batch: list[Conversation], clock: Clock
) -> list[tuple[int, Escalation]]:
    states = refresh_sla(session, batch, clock=clock, escalations_pending=False)
    done = _done_keys(session, [c.id for c in batch])
    applied = []
    changed = []
    for c in batch:
        if c.status == ConversationStatus.RESOLVED.value or c.first_inbound_at is None:
            continue
        for escalation in escalations(
            states[c.id], c.priority, owned=c.owner_id is not None, already=done[c.id]
        ):
            _apply(session, c, escalation, clock)
            applied.append((c.id, escalation))
            changed.append(c)
    if changed:
        # A raised priority may match another policy: snapshot again, and look again soon.
        refresh_sla(session, list(dict.fromkeys(changed)), clock=clock)
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
