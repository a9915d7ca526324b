"""Promises tracked on the store: recorded from every outbound message, reminded, kept or broken.

* **Recorded** — each commitment the extractor finds in an outbound message becomes an open
  promise owned by the sending agent (or the conversation's owner for automatic messages),
  due when the words say (``heedful.care.when``). Vague ones are stored with no due time and
  flagged; they never break by time.
* **Reminded** — the owner is reminded ``remind_before_minutes`` before the due time (or
  half-way there for promises due sooner than that).
* **Broken** — an open promise still open after its due time (plus the tolerance of its time
  phrase) is broken, and its conversation is re-raised: reopened and pushed up the queue.
* **Kept** — by the owner (or any agent) marking it kept, or automatically by a later outbound
  message to the same customer, on or before the due time, that fulfils it:

  - a promise to *get back in touch* (reply, update, DM, e-mail) is kept by the next message
    to the customer — a DM by a private message, an e-mail by an e-mail;
  - a promise to *do something* (call, refund, send, fix, visit, cancel, escalate, look into)
    is kept only by a message that reports it done, in the past or perfect tense ("I've just
    called you", "your refund has been processed", "we've sent a replacement", "that's now
    fixed"). Saying it again ("we'll call you tomorrow") keeps nothing.
* **Cancelled** — by an agent, with a reason (the customer no longer needs it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.calendars import load_calendar
from heedful.care.clocks import refresh_sla
from heedful.care.config import care_settings
from heedful.care.events import log_event
from heedful.care.promises import extract_promises
from heedful.clock import Clock, as_utc
from heedful.domain import ConversationStatus, Visibility
from heedful.domain.promises import ExtractedPromise, PromiseState
from heedful.errors import ConflictError, ValidationFailed
from heedful.store.tables import Conversation, Message, Promise, Workspace

REOPEN_PRIORITY_BUMP = 20
REPLY_ACTIONS = frozenset({"reply", "update", "dm", "email"})
_DONE = r"(?:['’]ve|\s+have|['’]s|\s+has|\s+was|\s+were|\s+is|\s+are|\s+just|\s+now|\s+already)"
COMPLETIONS = {
    action: re.compile(pattern, re.I)
    for action, pattern in {
        "call": r"\b(?:called|rang|phoned|spoke\s+to\s+you|tried\s+(?:to\s+)?call\w*"
        r"|left\s+(?:you\s+)?a\s+(?:voicemail|message))\b",
        "refund": r"\b(?:refunded|refund\s+(?:has|was|is)\s+(?:been\s+)?(?:processed|issued|sent"
        r"|approved|done)|credited|reimbursed|processed\s+(?:your|the|a)\s+refund)\b",
        "send": r"\b(?:sent|dispatched|shipped|posted|delivered|on\s+(?:its|their)\s+way)\b",
        "fix": r"\b(?:fixed|resolved|sorted(?:\s+out)?|restored|repaired|back\s+up|working\s+again"
        r"|reconnected|reactivated)\b",
        "visit": r"\b(?:visited|attended|engineer\s+(?:came|has\s+been))\b",
        "cancel": r"\b(?:cancell?ed|closed\s+(?:your|the)\s+account|unsubscribed|terminated)\b",
        "escalate": r"\b(?:escalated|passed\s+(?:\w+\s+){0,3}(?:on|along|over)|raised|forwarded"
        r"|flagged|fed\s+(?:\w+\s+)?back)\b",
        "investigate": r"\b(?:looked\s+(?:into|at)|checked|investigated|reviewed|found\s+out"
        r"|had\s+a\s+look|spoken\s+(?:to|with))\b",
        "arrange": r"\b(?:arranged|booked|scheduled|organi[sz]ed|set\s+up)\b",
    }.items()
}
_FUTURE = re.compile(r"\b(?:will|['’]ll|going\s+to|shall)\b", re.I)


@dataclass(frozen=True, slots=True)
class TickResult:
    reminded: list[int]
    broken: list[int]


# ---- recording ---------------------------------------------------------------------------------


def record_promises(
    session: Session,
    *,
    message: Message,
    conversation: Conversation,
    owner_id: int | None,
    clock: Clock,
) -> list[Promise]:
    """Extract and store the promises of an outbound message (one ``promise.made`` event each)."""
    calendar = load_calendar(session, conversation.workspace_id, conversation.channel)
    found = extract_promises(message.text, as_utc(message.created_at), calendar=calendar)
    workspace = session.get(Workspace, conversation.workspace_id)
    lead = timedelta(minutes=care_settings(workspace).remind_before_minutes) if workspace else None
    rows = [
        store_promise(
            session,
            found_promise,
            conversation=conversation,
            message_id=message.id,
            owner_id=owner_id,
            remind_before=lead,
            clock=clock,
            made_at=as_utc(message.created_at),
        )
        for found_promise in found
    ]
    return rows


def store_promise(
    session: Session,
    promise: ExtractedPromise,
    *,
    conversation: Conversation,
    message_id: int | None,
    owner_id: int | None,
    clock: Clock,
    made_at: datetime,
    remind_before: timedelta | None = timedelta(hours=1),
    source: str = "message",
) -> Promise:
    row = Promise(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        message_id=message_id,
        owner_id=owner_id,
        source=source,
        action=promise.action,
        span=promise.span,
        time_text=promise.time_text,
        due_at=promise.due_at,
        tolerance_seconds=int(promise.tolerance.total_seconds()) if promise.tolerance else None,
        vague=promise.vague,
        state=PromiseState.OPEN.value,
        remind_at=_remind_at(made_at, promise.due_at, remind_before),
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    log_event(
        session,
        workspace_id=row.workspace_id,
        kind="promise.made",
        subject=("promise", row.id),
        clock=clock,
        agent_id=owner_id,
        conversation_id=conversation.id,
        action=row.action,
        due_at=row.due_at.isoformat() if row.due_at else None,
        vague=row.vague,
        span=row.span,
    )
    return row


def _remind_at(
    made_at: datetime, due_at: datetime | None, before: timedelta | None
) -> datetime | None:
    if due_at is None or before is None:
        return None
    return max(due_at - before, made_at + (due_at - made_at) / 2)


# ---- keeping, cancelling -----------------------------------------------------------------------


def fulfils(promise: Promise, message: Message) -> bool:
    """Whether ``message`` (a later outbound message to the customer) keeps ``promise``."""
    if promise.action in REPLY_ACTIONS:
        if promise.action == "dm":
            return message.visibility == Visibility.PRIVATE.value
        if promise.action == "email":
            return message.channel == "email" or message.kind == "email"
        return True
    pattern = COMPLETIONS.get(promise.action)
    if pattern is None:
        return False
    return any(
        pattern.search(sentence) and not _FUTURE.search(sentence)
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", message.text)
    )


def settle_by_message(
    session: Session, *, message: Message, conversation: Conversation, clock: Clock
) -> list[Promise]:
    """Mark kept the open promises to this customer that ``message`` fulfils in time."""
    sent = as_utc(message.created_at)
    kept = []
    for promise in _open_promises_to(session, conversation):
        if promise.message_id == message.id or as_utc(promise.created_at) > sent:
            continue
        if _overdue(promise, sent) or not fulfils(promise, message):
            continue
        _settle(
            session,
            promise,
            PromiseState.KEPT,
            clock=clock,
            message_id=message.id,
            reason="a later message to the customer fulfilled it",
            agent_id=message.agent_id,
        )
        kept.append(promise)
    return kept


def _open_promises_to(session: Session, conversation: Conversation) -> Sequence[Promise]:
    same_contact = [conversation.id]
    if conversation.contact_id is not None:
        same_contact = list(
            session.scalars(
                select(Conversation.id).where(
                    Conversation.workspace_id == conversation.workspace_id,
                    Conversation.contact_id == conversation.contact_id,
                )
            )
        )
    return session.scalars(
        select(Promise)
        .where(
            Promise.conversation_id.in_(same_contact),
            Promise.state == PromiseState.OPEN.value,
        )
        .order_by(Promise.created_at, Promise.id)
    ).all()


def mark_kept(
    session: Session, promise: Promise, *, agent_id: int | None, clock: Clock, note: str = ""
) -> None:
    _require_open(promise)
    _settle(
        session,
        promise,
        PromiseState.KEPT,
        clock=clock,
        agent_id=agent_id,
        reason=note.strip() or "marked kept",
    )


def cancel_promise(
    session: Session, promise: Promise, *, agent_id: int | None, reason: str, clock: Clock
) -> None:
    _require_open(promise)
    if not reason.strip():
        raise ValidationFailed("say why the promise is cancelled (the customer will ask)")
    _settle(
        session,
        promise,
        PromiseState.CANCELLED,
        clock=clock,
        agent_id=agent_id,
        reason=reason.strip(),
    )


def _require_open(promise: Promise) -> None:
    if promise.state != PromiseState.OPEN.value:
        raise ConflictError(f"this promise is already {promise.state}")


def _settle(
    session: Session,
    promise: Promise,
    state: PromiseState,
    *,
    clock: Clock,
    reason: str,
    agent_id: int | None = None,
    message_id: int | None = None,
) -> None:
    promise.state = state.value
    promise.settled_at = clock.now()
    promise.settled_reason = reason
    promise.settled_by_message_id = message_id
    log_event(
        session,
        workspace_id=promise.workspace_id,
        kind=f"promise.{state.value}",
        subject=("promise", promise.id),
        clock=clock,
        agent_id=agent_id,
        conversation_id=promise.conversation_id,
        reason=reason,
        message_id=message_id,
    )


def _overdue(promise: Promise, at: datetime) -> bool:
    if promise.due_at is None:
        return False
    grace = timedelta(seconds=promise.tolerance_seconds or 0)
    return at > as_utc(promise.due_at) + grace


# ---- the clock: reminders and broken promises -------------------------------------------------


def promise_tick(session: Session, *, clock: Clock, workspace_id: int | None = None) -> TickResult:
    """Send due reminders and break overdue promises (idempotent: run it every minute)."""
    now = clock.now()
    return TickResult(
        reminded=[p.id for p in _remind(session, now, workspace_id, clock)],
        broken=[p.id for p in _break_overdue(session, now, workspace_id, clock)],
    )


def _remind(
    session: Session, now: datetime, workspace_id: int | None, clock: Clock
) -> list[Promise]:
    stmt = select(Promise).where(
        Promise.state == PromiseState.OPEN.value,
        Promise.remind_at <= now,
        Promise.reminded_at.is_(None),
    )
    if workspace_id is not None:
        stmt = stmt.where(Promise.workspace_id == workspace_id)
    due = list(session.scalars(stmt.order_by(Promise.remind_at, Promise.id)))
    for promise in due:
        promise.reminded_at = now
        log_event(
            session,
            workspace_id=promise.workspace_id,
            kind="promise.reminder",
            subject=("promise", promise.id),
            clock=clock,
            notify_agent_id=promise.owner_id,
            conversation_id=promise.conversation_id,
            span=promise.span,
            due_at=promise.due_at.isoformat() if promise.due_at else None,
        )
    return due


def _break_overdue(
    session: Session, now: datetime, workspace_id: int | None, clock: Clock
) -> list[Promise]:
    stmt = select(Promise).where(Promise.state == PromiseState.OPEN.value, Promise.due_at < now)
    if workspace_id is not None:
        stmt = stmt.where(Promise.workspace_id == workspace_id)
    broken = [
        p for p in session.scalars(stmt.order_by(Promise.due_at, Promise.id)) if _overdue(p, now)
    ]
    for promise in broken:
        _settle(
            session, promise, PromiseState.BROKEN, clock=clock, reason="not kept by its due time"
        )
        _reraise(session, promise, clock)
    return broken


def _reraise(session: Session, promise: Promise, clock: Clock) -> None:
    conversation = session.get(Conversation, promise.conversation_id)
    if conversation is None:
        return
    previous = conversation.status
    conversation.status = ConversationStatus.OPEN.value
    conversation.resolved_at = None
    conversation.priority = min(100, conversation.priority + REOPEN_PRIORITY_BUMP)
    conversation.last_activity_at = max(as_utc(conversation.last_activity_at), clock.now())
    log_event(
        session,
        workspace_id=conversation.workspace_id,
        kind="conversation.reraised",
        subject=("conversation", conversation.id),
        clock=clock,
        previous_status=previous,
        to=ConversationStatus.OPEN.value,
        priority=conversation.priority,
        reason=f"promise broken: {promise.span!r}",
        notify_agent_id=promise.owner_id,
    )
    refresh_sla(session, [conversation], clock=clock)  # reopened: the clocks run again


# ---- reads -------------------------------------------------------------------------------------


def open_promises_for_contact(session: Session, contact_id: int) -> list[dict[str, object]]:
    """The contact's open promises, soonest due first (vague ones last), for the pages."""
    rows = session.scalars(
        select(Promise)
        .join(Conversation, Conversation.id == Promise.conversation_id)
        .where(Conversation.contact_id == contact_id, Promise.state == PromiseState.OPEN.value)
    ).all()
    ordered = sorted(rows, key=lambda p: (p.due_at is None, p.due_at or p.created_at, p.id))
    return [promise_json(p) for p in ordered]


def promise_json(promise: Promise) -> dict[str, object]:
    return {
        "id": promise.id,
        "conversation_id": promise.conversation_id,
        "span": promise.span,
        "action": promise.action,
        "due_at": as_utc(promise.due_at).isoformat() if promise.due_at else None,
        "vague": promise.vague,
        "state": promise.state,
        "owner_id": promise.owner_id,
    }


def conversation_promises(session: Session, conversation_id: int) -> list[Promise]:
    return list(
        session.scalars(
            select(Promise)
            .where(Promise.conversation_id == conversation_id)
            .order_by(Promise.created_at, Promise.id)
        )
    )
