"""Where answers to a message go when that is not its author: an e-mail's ``Reply-To`` (a
mailing list, a ticket form that sends as itself, a shared inbox).

Adapters put it in ``InboundEvent.extra["reply_to"]`` (:data:`heedful.channels.base.REPLY_TO_KEY`).
The message row has no room for it, so :func:`remember_reply_addresses` — a step of every live
ingest (:func:`heedful.services.pipeline.receive`) — keeps it in the event log, one
``message.reply_address`` entry per message (idempotent: a replayed body adds nothing), and
:func:`reply_address` reads it back when a reply is written (:mod:`heedful.services.replies`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.channels.base import REPLY_TO_KEY
from heedful.clock import Clock
from heedful.domain import Direction, InboundEvent
from heedful.store.tables import Event, Message

REPLY_ADDRESS_EVENT = "message.reply_address"
MAX_ADDRESS = 1000


def remember_reply_addresses(
    session: Session, workspace_id: int, events: Sequence[InboundEvent], *, clock: Clock
) -> int:
    """Log the reply address of each stored inbound message that has one; returns how many
    were new. Call after ingest, in its transaction."""
    wanted = _wanted(events)
    if not wanted:
        return 0
    messages = _stored(session, workspace_id, wanted)
    known = set(
        session.scalars(
            select(Event.subject_id).where(
                Event.workspace_id == workspace_id,
                Event.kind == REPLY_ADDRESS_EVENT,
                Event.subject_type == "message",
                Event.subject_id.in_(sorted(messages.values())),
            )
        )
    )
    now = clock.now()
    added = 0
    for key, message_id in sorted(messages.items(), key=lambda item: item[1]):
        if message_id in known:
            continue
        session.add(
            Event(
                workspace_id=workspace_id,
                actor=f"channel:{key[0]}",
                kind=REPLY_ADDRESS_EVENT,
                subject_type="message",
                subject_id=message_id,
                data={"address": wanted[key]},
                created_at=now,
            )
        )
        added += 1
    return added


def reply_address(session: Session, message: Message) -> str | None:
    """Where answers to ``message`` must go, when not to its author."""
    data = session.scalar(
        select(Event.data)
        .where(
            Event.subject_type == "message",
            Event.subject_id == message.id,
            Event.workspace_id == message.workspace_id,
            Event.kind == REPLY_ADDRESS_EVENT,
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    address = data.get("address") if isinstance(data, dict) else None
    return address if isinstance(address, str) and address else None


def _wanted(events: Sequence[InboundEvent]) -> dict[tuple[str, str], str]:
    wanted: dict[tuple[str, str], str] = {}
    for event in events:
        address = event.extra.get(REPLY_TO_KEY)
        if event.direction is Direction.INBOUND and isinstance(address, str) and address.strip():
            wanted[(event.channel, event.external_id)] = address.strip()[:MAX_ADDRESS]
    return wanted


def _stored(
    session: Session, workspace_id: int, wanted: dict[tuple[str, str], str]
) -> dict[tuple[str, str], int]:
    by_channel: dict[str, list[str]] = defaultdict(list)
    for channel, external_id in wanted:
        by_channel[channel].append(external_id)
    found: dict[tuple[str, str], int] = {}
    for channel, external_ids in by_channel.items():
        rows = session.execute(
            select(Message.id, Message.external_id).where(
                Message.workspace_id == workspace_id,
                Message.channel == channel,
                Message.external_id.in_(external_ids),
                Message.direction == Direction.INBOUND.value,
            )
        )
        found.update({(channel, external_id): mid for mid, external_id in rows})
    return found
