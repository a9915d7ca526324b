"""A conversation with its messages, and a contact with identities and history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.store.tables import (
    Agent,
    ChannelAccount,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    Workspace,
)
from heedful.triage.service import conversation_reasons, message_triage_json


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def message_json(
    message: Message,
    identity: ContactIdentity | None,
    account: ChannelAccount | None,
    agent: Agent | None,
) -> dict[str, Any]:
    if message.direction == "out":
        author: dict[str, Any] = {
            "kind": "brand",
            "handle": account.handle if account else None,
            "name": (account.display_name or account.handle) if account else None,
            "agent": {"id": agent.id, "name": agent.name, "initials": agent.initials}
            if agent
            else None,
        }
    else:
        author = {
            "kind": "customer",
            "identity_id": identity.id if identity else None,
            "handle": identity.handle if identity else None,
            "name": identity.display_name if identity else None,
            "followers": identity.followers if identity else None,
        }
    return {
        "id": message.id,
        "external_id": message.external_id,
        "channel": message.channel,
        "kind": message.kind,
        "direction": message.direction,
        "visibility": message.visibility,
        "in_reply_to": message.in_reply_to_external_id,
        "text": message.text,
        "author": author,
        "unsolicited": message.unsolicited,
        "created_at": _iso(message.created_at),
    }


def conversation_messages(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Message, ContactIdentity, ChannelAccount, Agent)
        .outerjoin(ContactIdentity, ContactIdentity.id == Message.author_identity_id)
        .outerjoin(ChannelAccount, ChannelAccount.id == Message.channel_account_id)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    ).all()
    messages = [message_json(m, i, a, g) for m, i, a, g in rows]
    triage = message_triage_json(session, [m["id"] for m in messages])  # triage area
    for message in messages:
        message["triage"] = triage.get(message["id"])
    return messages


def conversation_json(session: Session, conversation: Conversation) -> dict[str, Any]:
    workspace = session.get(Workspace, conversation.workspace_id)
    owner = session.get(Agent, conversation.owner_id) if conversation.owner_id else None
    account = (
        session.get(ChannelAccount, conversation.channel_account_id)
        if conversation.channel_account_id
        else None
    )
    return {
        "id": conversation.id,
        "workspace": workspace.slug if workspace else None,
        "channel": conversation.channel,
        "channel_account": {
            "id": account.id,
            "handle": account.handle,
            "followers": account.followers,
        }
        if account
        else None,
        "status": conversation.status,
        "priority": conversation.priority,
        "reasons": conversation_reasons(session, [conversation.id]).get(conversation.id, []),
        "owner": {"id": owner.id, "name": owner.name, "initials": owner.initials}
        if owner
        else None,
        "subject": conversation.subject,
        "contact_id": conversation.contact_id,
        "message_count": conversation.message_count,
        "first_inbound_at": _iso(conversation.first_inbound_at),
        "first_response_at": _iso(conversation.first_response_at),
        "last_activity_at": _iso(conversation.last_activity_at),
        "created_at": _iso(conversation.created_at),
        "resolved_at": _iso(conversation.resolved_at),
        "messages": conversation_messages(session, conversation.id),
    }


def contact_json(session: Session, contact: Contact, history_limit: int = 50) -> dict[str, Any]:
    identities = session.scalars(
        select(ContactIdentity)
        .where(ContactIdentity.contact_id == contact.id)
        .order_by(ContactIdentity.id)
    ).all()
    first_text = (
        select(Message.text)
        .where(Message.conversation_id == Conversation.id)
        .order_by(Message.created_at, Message.id)
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    conversations = session.execute(
        select(
            Conversation.id,
            Conversation.channel,
            Conversation.status,
            Conversation.message_count,
            Conversation.last_activity_at,
            first_text.label("preview"),
        )
        .where(Conversation.contact_id == contact.id)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(history_limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.contact_id == contact.id)
    )
    return {
        "id": contact.id,
        "name": contact.display_name,
        "identities": [
            {
                "id": i.id,
                "channel": i.channel,
                "external_id": i.external_id,
                "handle": i.handle,
                "display_name": i.display_name,
                "followers": i.followers,
            }
            for i in identities
        ],
        "followers": max((i.followers or 0 for i in identities), default=0),
        "conversation_count": int(total or 0),
        "conversations": [
            {
                "id": c.id,
                "channel": c.channel,
                "status": c.status,
                "message_count": c.message_count,
                "last_activity_at": _iso(c.last_activity_at),
                "preview": (c.preview or "")[:200],
            }
            for c in conversations
        ],
        "created_at": _iso(contact.created_at),
    }
