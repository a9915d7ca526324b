"""Where the other areas plug into the pages: one small adapter per feature.

The pages call these, never another area's internals. A feature whose service has not been
installed yet answers "nothing" (an empty list, None), and the template leaves its slot out —
no page ever shows made-up data. To light a slot up, make its adapter call the area's service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.store.tables import Agent, Conversation, Message, Workspace


@dataclass(frozen=True)
class ChannelInfo:
    """What the composer needs to know about a channel (from its adapter's capabilities)."""

    public_reply: bool
    private_message: bool
    max_length: int | None
    length_unit: str
    signature: str  # format, e.g. " ^{initials}"


def channel_info(channel: str) -> ChannelInfo:
    from heedful.channels.registry import adapter_classes

    cls = adapter_classes().get(channel)
    if cls is None:
        return ChannelInfo(True, False, None, "characters", " ^{initials}")
    caps = cls.capabilities
    return ChannelInfo(
        caps.public_reply,
        caps.private_message,
        caps.max_length,
        caps.length_unit,
        caps.signature_default,
    )


def signature_for(workspace: Workspace, agent: Agent | None, channel: str, public: bool) -> str:
    """The signature appended to a reply on send (shown in the composer's preview)."""
    if agent is None:
        return ""
    if public:
        template = channel_info(channel).signature
        return template.format(initials=agent.initials, name=agent.name.split()[0])
    return f"\n\n{agent.name.split()[0]}, {workspace.name}"


# -- the reply coach --------------------------------------------------------------------------


def coach_available() -> bool:
    try:
        import heedful.coach  # noqa: F401
    except ImportError:  # pragma: no cover - the coach is part of the package
        return False
    return True


def coach_findings(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    text: str,
    *,
    public: bool,
    signed: bool,
    clock: Clock,
) -> list[dict[str, Any]]:
    """The coach's findings on a draft, in its stable JSON shape."""
    from heedful.coach import Coach, CoachConfig, Draft

    config = CoachConfig.model_validate(workspace.settings.get("coach") or {})
    draft = Draft(
        text=text,
        customer=last_customer_text(session, conversation),
        channel=conversation.channel,
        public=public,
        signature_required=signed,
        to=str(conversation.contact_id) if conversation.contact_id else None,
        now=clock.now(),
    )
    return [f.as_dict() for f in Coach(config, clock=clock).check(draft)]


def last_customer_text(session: Session, conversation: Conversation, limit: int = 3) -> str:
    rows = session.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return "\n".join(reversed(rows))


# -- sending ----------------------------------------------------------------------------------


def send_reply(
    session: Session,
    conversation: Conversation,
    text: str,
    *,
    agent_id: int | None,
    visibility: Visibility,
    clock: Clock,
) -> Message:
    """Send through the outbox when delivery is installed; until then write a queued
    outbound message (``heedful.services.queued_replies``)."""
    from heedful.services.queued_replies import queue_reply

    return queue_reply(
        session, conversation, text, agent_id=agent_id, visibility=visibility, clock=clock
    )


# -- triage, care workflow: slots -------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    text: str
    weight: float | None = None


def triage_reasons(session: Session, conversation_ids: list[int]) -> dict[int, list[Reason]]:
    """Each conversation's priority reasons (strongest first). Slot: triage."""
    from heedful.triage.service import conversation_reasons  # triage area

    found = conversation_reasons(session, conversation_ids)
    return {
        cid: [Reason(text=r["text"], weight=r["points"]) for r in reasons]
        for cid, reasons in found.items()
    }


def sla_states(session: Session, conversation_ids: list[int], clock: Clock) -> dict[int, Any]:
    """Each conversation's SLA state and time left. Slot: care workflow."""
    return {}


def open_promises(session: Session, contact_id: int) -> list[dict[str, Any]]:
    """The contact's open promises. Slot: care workflow."""
    return []


def ownership_available() -> bool:
    """Whether assignment and hand-over (care workflow) are installed."""
    return False
