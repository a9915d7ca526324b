"""Triage stored messages and roll the result up to their conversations.

The only code that writes ``message_triage``, ``conversation_triage`` and
``conversation.priority``. Two stages:

- ``fast``: the linear first pass, run inline after a live ingest (milliseconds);
- ``full``: the fine-tuned network, run in the background (``triage.sweep`` job, or
  ``heedful triage --rerun``); it replaces the fast result. A fast pass never overwrites a
  full result.

A conversation's priority is the highest priority among its inbound messages that the brand
has not answered yet (or, when all are answered, its latest inbound message's), with that
message's reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from heedful.care.clocks import refresh_sla_by_id
from heedful.clock import Clock
from heedful.store.base import table_of
from heedful.store.db import Database
from heedful.store.tables import (
    Conversation,
    ConversationTriage,
    Message,
    MessageTriage,
    Workspace,
)
from heedful.triage.analyse import Mode
from heedful.triage.history import context_signals
from heedful.triage.priority import TextAnalysis, compute_priority
from heedful.triage.result import TriageResult, triage_texts
from heedful.triage.workspace import TriageSettings

SETTINGS_AREA = "triage"
CONVERSATION = table_of(Conversation)
CONVERSATION_TRIAGE = table_of(ConversationTriage)
MESSAGE_TRIAGE = table_of(MessageTriage)


def workspace_triage_settings(session: Session, workspace_id: int) -> TriageSettings:
    workspace = session.get(Workspace, workspace_id)
    document = (workspace.settings or {}).get(SETTINGS_AREA) if workspace else None
    return TriageSettings.from_mapping(document)


class _Inbound(NamedTuple):
    """What triage reads of a message (columns, not ORM objects: triage runs after every live
    ingest, and building full ``Message`` objects was a tenth of a webhook batch's time)."""

    id: int
    workspace_id: int
    conversation_id: int
    text: str


def _inbound(session: Session, workspace_id: int, message_ids: Sequence[int]) -> list[_Inbound]:
    rows = session.execute(
        select(Message.id, Message.workspace_id, Message.conversation_id, Message.text)
        .where(
            Message.id.in_(list(message_ids)),
            Message.workspace_id == workspace_id,
            Message.direction == "in",
        )
        .order_by(Message.id)
    )
    return [_Inbound(*row) for row in rows]


def _already_full(session: Session, message_ids: Sequence[int]) -> set[int]:
    rows = session.scalars(
        select(MessageTriage.message_id).where(
            MessageTriage.message_id.in_(list(message_ids)), MessageTriage.stage == "full"
        )
    )
    return set(rows)


def _row(
    message: _Inbound, result: TriageResult, context: dict[str, Any], stage: str, now: datetime
) -> dict[str, Any]:
    a = result.analysis
    return {
        "message_id": message.id,
        "workspace_id": message.workspace_id,
        "stage": stage,
        "sentiment": a.sentiment,
        "sentiment_score": a.sentiment_score,
        "complaint": a.complaint,
        "complaint_probability": a.complaint_probability,
        "severity": a.severity,
        "topic": a.topic,
        "signals": [{"id": s.id, "reason": s.reason} for s in a.signals],
        "context": context,
        "priority": result.priority.value,
        "reasons": [{"text": r.text, "points": r.points} for r in result.priority.reasons],
        "triaged_at": now,
    }


def triage_messages(
    session: Session,
    workspace_id: int,
    message_ids: Sequence[int],
    *,
    clock: Clock,
    stage: Mode = "fast",
    analyses: Mapping[int, TextAnalysis] | None = None,
    analyses_by_text: Mapping[str, TextAnalysis] | None = None,
) -> set[int]:
    """Triage these messages (inbound ones; others are ignored) and roll up their conversations.

    ``analyses`` (from :func:`analyse_messages`, computed before the write transaction) spares
    running the models while holding the database's write lock; ``analyses_by_text`` (from
    :func:`analyse_texts`, for live events not stored yet) does the same, keyed by text.
    Returns the ids of the conversations whose priority changed (their SLA policy may have
    changed with it: the caller refreshes their SLA state)."""
    messages = _inbound(session, workspace_id, message_ids)
    if stage == "fast":
        done = _already_full(session, [m.id for m in messages])
        messages = [m for m in messages if m.id not in done]
    if not messages:
        return set()
    if analyses is None and analyses_by_text:
        analyses = {m.id: analyses_by_text[m.text] for m in messages if m.text in analyses_by_text}
    cfg = workspace_triage_settings(session, workspace_id)
    contexts = context_signals(session, [m.id for m in messages])
    ordered = [contexts[m.id] for m in messages]
    if analyses is not None and all(m.id in analyses for m in messages):
        analyser, weights = cfg.analyser(), cfg.priority_weights()
        results = [
            TriageResult(
                analyses[m.id], compute_priority(analyses[m.id], ctx, weights, analyser.topics)
            )
            for m, ctx in zip(messages, ordered, strict=True)
        ]
    else:
        results = triage_texts(
            cfg.analyser(), [m.text for m in messages], contexts=ordered,
            weights=cfg.priority_weights(), mode=stage,
        )  # fmt: skip
    now = clock.now()
    ids = [m.id for m in messages]
    session.execute(delete(MessageTriage).where(MessageTriage.message_id.in_(ids)))
    session.execute(
        insert(MESSAGE_TRIAGE),
        [
            _row(m, r, asdict(contexts[m.id]), stage, now)
            for m, r in zip(messages, results, strict=True)
        ],
    )
    conversations = {m.conversation_id for m in messages}
    return roll_up(session, conversations, clock=clock)


def analyse_texts(
    session: Session, workspace_id: int, texts: Sequence[str], *, stage: Mode
) -> dict[str, TextAnalysis]:
    """Run the text models on texts of messages about to be ingested (read-only: before the
    write transaction), for :func:`triage_messages`'s ``analyses_by_text``."""
    unique = list(dict.fromkeys(texts))
    if not unique:
        return {}
    analyser = workspace_triage_settings(session, workspace_id).analyser()
    return dict(zip(unique, analyser.analyse(unique, stage), strict=True))


def analyse_messages(
    session: Session, workspace_id: int, message_ids: Sequence[int], *, stage: Mode
) -> dict[int, TextAnalysis]:
    """Run the text models on these inbound messages (read-only: call it outside the write
    transaction, then pass the result to :func:`triage_messages`)."""
    messages = _inbound(session, workspace_id, message_ids)
    if not messages:
        return {}
    analyser = workspace_triage_settings(session, workspace_id).analyser()
    found = analyser.analyse([m.text for m in messages], stage)
    return {m.id: a for m, a in zip(messages, found, strict=True)}


def _decide(rows: list[Any], replied: datetime | None) -> Any:
    """The row whose priority the conversation takes: the highest waiting one, else the last."""
    waiting = [r for r in rows if replied is None or r.created_at > replied]
    if not waiting:
        return rows[-1]
    return max(waiting, key=lambda r: (r.priority, r.created_at))


def roll_up(session: Session, conversation_ids: set[int], *, clock: Clock) -> set[int]:
    """Set each conversation's priority and reasons from its messages' triage (set-based);
    returns the ids of those whose priority changed."""
    ids = sorted(conversation_ids)
    rows = session.execute(
        select(
            Message.conversation_id, Message.workspace_id, Message.id, Message.created_at,
            MessageTriage.priority, MessageTriage.reasons,
        )
        .join(MessageTriage, MessageTriage.message_id == Message.id)
        .where(Message.conversation_id.in_(ids))
        .order_by(Message.created_at, Message.id)
    ).all()  # fmt: skip
    before = session.execute(
        select(Conversation.id, Conversation.last_outbound_at, Conversation.priority).where(
            Conversation.id.in_(ids)
        )
    ).all()
    replied = {r.id: r.last_outbound_at for r in before}
    old_priority = {r.id: r.priority for r in before}
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.conversation_id, []).append(row)
    decided = {cid: _decide(items, replied.get(cid)) for cid, items in grouped.items()}
    if not decided:
        return set()
    now = clock.now()
    session.execute(
        update(CONVERSATION)
        .where(CONVERSATION.c.id == bindparam("cid"))
        .values(priority=bindparam("p")),
        [{"cid": cid, "p": row.priority} for cid, row in decided.items()],
    )
    session.execute(
        delete(ConversationTriage).where(ConversationTriage.conversation_id.in_(list(decided)))
    )
    session.execute(
        insert(CONVERSATION_TRIAGE),
        [
            {
                "conversation_id": cid, "workspace_id": row.workspace_id, "message_id": row.id,
                "priority": row.priority, "reasons": row.reasons, "updated_at": now,
            }
            for cid, row in decided.items()
        ],
    )  # fmt: skip
    return {cid for cid, row in decided.items() if row.priority != old_priority.get(cid)}


def pending_message_ids(
    session: Session,
    *,
    stage: Mode,
    limit: int,
    since: datetime | None = None,
    after_id: int = 0,
) -> list[tuple[int, int]]:
    """(workspace id, message id) of inbound messages that need this stage, oldest first,
    with ids above ``after_id`` (where the caller's last look ended).

    ``fast``: messages with no triage yet; ``full``: messages with none or only a fast one."""
    query = (
        select(Message.workspace_id, Message.id)
        .outerjoin(MessageTriage, MessageTriage.message_id == Message.id)
        .where(Message.direction == "in", Message.id > after_id)
        .order_by(Message.id)
        .limit(limit)
    )
    if stage == "fast":
        query = query.where(MessageTriage.message_id.is_(None))
    else:
        query = query.where((MessageTriage.stage != "full") | MessageTriage.message_id.is_(None))
    if since is not None:
        query = query.where(Message.created_at >= since)
    return [(w, m) for w, m in session.execute(query).all()]


def message_triage_json(session: Session, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each triaged message's triage as a JSON document (for the API)."""
    rows = session.scalars(
        select(MessageTriage).where(MessageTriage.message_id.in_(list(message_ids)))
    )
    return {
        row.message_id: {
            "stage": row.stage,
            "sentiment": {"label": row.sentiment, "score": row.sentiment_score},
            "complaint": {
                "label": row.complaint,
                "probability": row.complaint_probability,
                "severity": row.severity,
            },
            "topic": row.topic,
            "signals": [s["id"] for s in row.signals],
            "priority": row.priority,
            "reasons": row.reasons,
        }
        for row in rows
    }


def conversation_reasons(
    session: Session, conversation_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each conversation's priority reasons, largest first."""
    rows = session.scalars(
        select(ConversationTriage).where(
            ConversationTriage.conversation_id.in_(list(conversation_ids))
        )
    )
    return {row.conversation_id: list(row.reasons) for row in rows}


def rerun_messages(
    db: Database, *, clock: Clock, since: datetime | None = None, chunk: int = 256
) -> int:
    """Triage every stored inbound message again (full model), oldest first, in chunks."""
    done, after = 0, 0
    while True:
        with db.session() as session:
            query = (
                select(Message.workspace_id, Message.id)
                .where(Message.direction == "in", Message.id > after)
                .order_by(Message.id)
                .limit(chunk)
            )
            if since is not None:
                query = query.where(Message.created_at >= since)
            rows = session.execute(query).all()
        if not rows:
            return done
        for workspace_id in sorted({w for w, _ in rows}):
            ids = [m for w, m in rows if w == workspace_id]
            with db.write() as session:
                changed = triage_messages(session, workspace_id, ids, clock=clock, stage="full")
                refresh_sla_by_id(session, changed, clock=clock)  # see triage.jobs
        done += len(rows)
        after = rows[-1][1]
