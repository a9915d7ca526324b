"""The care workflow's steps on live traffic, called explicitly by the pipeline:

* :func:`after_inbound` — after every live ingest: route unowned conversations (sticky owner
  while on shift, else the workspace's assignment mode);
* :func:`after_outbound` — on every reply, in its transaction: the first replier owns the
  conversation, earlier promises this reply fulfils are kept, and the promises it makes are
  recorded, owned by the sender;
* :func:`out_of_hours_reply` / :func:`record_acknowledgement` — the honest automatic
  acknowledgement outside business hours, whose time is tracked as a promise.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.boundaries import Acknowledgement, out_of_hours_acknowledgement
from heedful.care.calendars import load_calendar, load_policies
from heedful.care.clocks import conversation_visibility, refresh_sla, refresh_sla_by_id
from heedful.care.config import care_settings
from heedful.care.ownership import Routing, claim_conversation, route_conversations
from heedful.care.sla import match_policy
from heedful.care.tracking import record_promises, settle_by_message, store_promise
from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.domain.promises import PromiseState
from heedful.store.tables import Agent, Conversation, Membership, Message, Promise, Workspace


def after_inbound(
    session: Session, workspace_id: int, conversation_ids: Iterable[int], *, clock: Clock
) -> list[Routing]:
    """Route the conversations that just received customer messages, and snapshot their SLA
    clocks (a customer message starts or restarts them)."""
    ids = list(conversation_ids)
    routed = route_conversations(session, workspace_id, ids, clock=clock)
    refresh_sla_by_id(session, ids, clock=clock)
    return routed


def after_outbound(
    session: Session,
    *,
    message: Message,
    conversation: Conversation,
    agent: Agent | None,
    clock: Clock,
) -> list[Promise]:
    """Ownership and promises for one outbound message; returns the promises it made."""
    if agent is not None and _is_member(session, conversation.workspace_id, agent.id):
        claim_conversation(session, conversation, agent, clock=clock)
    settle_by_message(session, message=message, conversation=conversation, clock=clock)
    owner = agent.id if agent is not None else conversation.owner_id
    made = record_promises(
        session, message=message, conversation=conversation, owner_id=owner, clock=clock
    )
    refresh_sla(session, [conversation], clock=clock)  # a reply stops or restarts clocks
    return made


def _is_member(session: Session, workspace_id: int, agent_id: int) -> bool:
    return session.get(Membership, (workspace_id, agent_id)) is not None


def out_of_hours_reply(
    session: Session, conversation: Conversation, *, clock: Clock
) -> Acknowledgement | None:
    """The acknowledgement to send now, when the workspace sends them and is closed."""
    workspace = session.get(Workspace, conversation.workspace_id)
    if workspace is None:
        return None
    settings = care_settings(workspace)
    if not settings.acknowledge_out_of_hours or _already_acknowledged(session, conversation.id):
        return None
    calendar = load_calendar(session, conversation.workspace_id, conversation.channel)
    visibility = conversation_visibility(session, [conversation.id])
    policy = match_policy(
        load_policies(session, conversation.workspace_id),
        conversation.channel,
        visibility.get(conversation.id, Visibility.PUBLIC),
        conversation.priority,
    )
    target = policy.first_response if policy and policy.first_response else None
    return out_of_hours_acknowledgement(
        calendar,
        clock.now(),
        team=settings.team_name(workspace),
        handles=settings.handles,
        **({"first_response": target} if target else {}),
    )


def _already_acknowledged(session: Session, conversation_id: int) -> bool:
    """An acknowledgement whose promise is still open already told the customer when a person
    will answer: one more would only repeat it. Once that promise is settled (a person
    answered, or it broke), a new message out of hours is acknowledged again."""
    return (
        session.scalar(
            select(Promise.id).where(
                Promise.conversation_id == conversation_id,
                Promise.source == "ack",
                Promise.state == PromiseState.OPEN.value,
            )
        )
        is not None
    )


def record_acknowledgement(
    session: Session,
    conversation: Conversation,
    acknowledgement: Acknowledgement,
    *,
    message_id: int | None,
    clock: Clock,
) -> Promise:
    """Track the acknowledgement's "a person will reply by …" as a promise of the team."""
    return store_promise(
        session,
        acknowledgement.promise,
        conversation=conversation,
        message_id=message_id,
        owner_id=conversation.owner_id,
        clock=clock,
        made_at=clock.now(),
        source="ack",
    )
