"""The honest out-of-hours acknowledgement, sent on live traffic.

When a workspace has ``acknowledge_out_of_hours`` on and a customer writes while the team is
away, :func:`acknowledge_out_of_hours` answers at once, signed by the team, saying when its
service hours are and when a person will reply (:mod:`heedful.care.boundaries` works that time
out from the business calendar and the SLA's first-response target). That time is tracked as a
promise of the team (source ``ack``): if nobody answers by then, it breaks and the
conversation is re-raised like any broken promise.

What it does not do, on purpose:

* it is not an answer from a person: the message is of kind ``auto``, so it does not stamp the
  first response, stop an SLA clock, take ownership, or count as "the brand already replied"
  in triage;
* it is sent once per wait: while an acknowledgement's promise is open, further messages of the
  same conversation are not acknowledged again;
* it never answers someone who did not address the brand (an unsolicited mention found by
  listening), a review (a public reply to a review is a person's job), or an old message
  arriving late (a poll catching up after an outage): only messages written in the last
  :data:`FRESH_FOR`;
* where the channel cannot post it (too long for the channel, no private messages), nothing is
  sent and an ``acknowledgement.skipped`` event says why.

It runs in the ingest transaction (after routing, so the promise gets the owner), and the
delivery worker sends the queued message like any reply.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.clocks import refresh_sla
from heedful.care.config import care_settings
from heedful.care.events import log_event
from heedful.care.workflow import out_of_hours_reply, record_acknowledgement
from heedful.clock import Clock, as_utc
from heedful.domain import ConversationStatus, MessageKind, Visibility
from heedful.errors import ConflictError, NotFound, ValidationFailed
from heedful.services.replies import latest_inbound, send_reply
from heedful.store.tables import Conversation, Workspace

log = logging.getLogger("heedful.acknowledgements")

FRESH_FOR = timedelta(minutes=30)  # older messages arriving now are a backlog, not a wait
NEVER_ACKNOWLEDGED = frozenset({MessageKind.MENTION.value, MessageKind.REVIEW.value})


def acknowledge_out_of_hours(
    session: Session, workspace_id: int, conversation_ids: Iterable[int], *, clock: Clock
) -> list[int]:
    """Queue the acknowledgement in each of these conversations that needs one now; returns
    the ids of the messages queued."""
    ids = sorted(set(conversation_ids))
    workspace = session.get(Workspace, workspace_id)
    if not ids or workspace is None or not care_settings(workspace).acknowledge_out_of_hours:
        return []  # the default: no query per conversation on the live path
    conversations = session.scalars(
        select(Conversation).where(
            Conversation.id.in_(ids),
            Conversation.workspace_id == workspace_id,
            Conversation.status != ConversationStatus.RESOLVED.value,
        )
    ).all()
    sent: list[int] = []
    acknowledged: list[Conversation] = []
    now = clock.now()
    for conversation in conversations:
        latest = latest_inbound(session, conversation.id, None)
        if latest is None or latest.unsolicited or latest.kind in NEVER_ACKNOWLEDGED:
            continue
        if now - as_utc(latest.created_at) > FRESH_FOR:
            continue
        ack = out_of_hours_reply(session, conversation, clock=clock)
        if ack is None:
            continue
        visibility = Visibility(latest.visibility)
        try:
            reply = send_reply(
                session,
                agent=None,
                conversation=conversation,
                text=ack.text,
                visibility=visibility,
                clock=clock,
                automatic=True,
            )
        except (ValidationFailed, ConflictError, NotFound) as exc:
            _skipped(session, conversation, str(exc), clock)
            continue
        record_acknowledgement(session, conversation, ack, message_id=reply.message_id, clock=clock)
        sent.append(reply.message_id)
        acknowledged.append(conversation)
    refresh_sla(session, acknowledged, clock=clock)  # their snapshots' keys changed
    return sent


def _skipped(session: Session, conversation: Conversation, reason: str, clock: Clock) -> None:
    log.info("no out-of-hours acknowledgement in conversation %s: %s", conversation.id, reason)
    log_event(
        session,
        workspace_id=conversation.workspace_id,
        kind="acknowledgement.skipped",
        subject=("conversation", conversation.id),
        clock=clock,
        reason=reason[:500],
    )
