"""Small builders shared by the worker tests."""

from __future__ import annotations

from sqlalchemy import func, select

from heedful.clock import Clock
from heedful.domain import Author, InboundEvent, Visibility
from heedful.services.pipeline import receive
from heedful.services.replies import SentReply, send_reply
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, OutboxItem
from heedful.workers.context import JobQueue
from heedful.workers.fakeplatform import resolver_with_fake


def customer_event(external_id: str, clock: Clock, text: str = "my order is late") -> InboundEvent:
    return InboundEvent(
        channel="fake",
        external_id=external_id,
        author=Author(external_id=f"u-{external_id}", handle=f"user{external_id}"),
        text=text,
        created_at=clock.now(),
        account_ref="brand",
    )


def a_conversation(db: Database, workspace_id: int, clock: Clock, external_id: str = "m1") -> int:
    with db.write() as session:
        result = receive(session, workspace_id, [customer_event(external_id, clock)], clock=clock)
    return next(iter(result.conversation_ids))


def reply(
    db: Database,
    conversation_id: int,
    clock: Clock,
    text: str = "Sorry about that, we're on it ^AB",
    queue: JobQueue | None = None,
    visibility: Visibility = Visibility.PUBLIC,
) -> SentReply:
    with db.write() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return send_reply(
            session,
            agent=None,
            conversation=conversation,
            text=text,
            visibility=visibility,
            clock=clock,
            queue=queue,
            resolve=resolver_with_fake,
        )


def outbox_row(db: Database, outbox_id: int) -> OutboxItem:
    with db.session() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None
        return item


def message_count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)
