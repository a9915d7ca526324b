"""Response shapes of REST API v1, named by role (``XPublic``). Documented in OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ContactSummary(BaseModel):
    id: int
    name: str | None
    handle: str | None
    followers: int | None


class ConversationSummary(BaseModel):
    id: int
    workspace: str
    channel: str
    status: Literal["new", "open", "waiting", "resolved"]
    priority: int
    owner_id: int | None
    subject: str | None
    message_count: int
    contact: ContactSummary | None
    preview: str
    first_inbound_at: str | None
    first_response_at: str | None
    last_activity_at: str
    created_at: str


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    next_cursor: str | None


class MessageAuthor(BaseModel):
    kind: Literal["customer", "brand"]
    handle: str | None = None
    name: str | None = None
    followers: int | None = None
    identity_id: int | None = None
    agent: dict[str, object] | None = None


class MessagePublic(BaseModel):
    id: int
    external_id: str
    channel: str
    kind: str
    direction: Literal["in", "out"]
    visibility: Literal["public", "private"]
    in_reply_to: str | None
    text: str
    author: MessageAuthor
    unsolicited: bool
    created_at: str
    # triage area: sentiment, complaint, topic, signals, priority and reasons (null until triaged)
    triage: dict[str, object] | None = None


class AgentRef(BaseModel):
    id: int
    name: str
    initials: str


class AccountRef(BaseModel):
    id: int
    handle: str | None
    followers: int | None


class ConversationPublic(BaseModel):
    id: int
    workspace: str | None
    channel: str
    channel_account: AccountRef | None
    status: str
    priority: int
    reasons: list[dict[str, object]] = []  # triage area: [{"text", "points"}], largest first
    owner: AgentRef | None
    subject: str | None
    contact_id: int | None
    message_count: int
    first_inbound_at: str | None
    first_response_at: str | None
    last_activity_at: str
    created_at: str
    resolved_at: str | None
    messages: list[MessagePublic]


class IdentityPublic(BaseModel):
    id: int
    channel: str
    external_id: str
    handle: str | None
    display_name: str | None
    followers: int | None


class ContactConversation(BaseModel):
    id: int
    channel: str
    status: str
    message_count: int
    last_activity_at: str | None
    preview: str = ""


class ContactPublic(BaseModel):
    id: int
    name: str | None
    identities: list[IdentityPublic]
    followers: int
    conversation_count: int
    conversations: list[ContactConversation]
    created_at: str | None


class Problem(BaseModel):
    detail: str
