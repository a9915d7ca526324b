"""A coach check inside a workspace: the draft's findings with everything the store knows (the
workspace's coach settings, the conversation's customer message and earlier replies, the
contact it goes to, the workspace's sent replies for the canned check) and, on request, the
help-article and similar-case suggestions. The composer and ``POST /api/v1/coach`` call
:func:`check_in_workspace`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.coach.config import CoachConfig
from heedful.coach.draft import Draft
from heedful.coach.engine import Coach
from heedful.coach.help.embeddings import Embedder
from heedful.coach.help.history import WorkspaceHistories, contact_key
from heedful.coach.help.suggest import similar_cases, suggest_articles
from heedful.coach.mood import MoodReader
from heedful.errors import ValidationFailed
from heedful.store.tables import Conversation, Message, Workspace


@dataclass(frozen=True, slots=True)
class DraftRequest:
    text: str
    customer: str | None = None
    channel: str | None = None
    public: bool = True
    signature_required: bool | None = None
    conversation: Conversation | None = None


@dataclass(frozen=True, slots=True)
class CoachServices:
    """What a check needs besides the session: shared per process."""

    clock: Clock
    histories: WorkspaceHistories
    triage_mood: MoodReader | None = None  # for workspaces whose coach settings say mood=triage
    embedder: Embedder | None = None
    sentiment: Callable[[str], str] | None = None  # text → negative | neutral | positive


def workspace_config(workspace: Workspace) -> CoachConfig:
    raw = dict((workspace.settings or {}).get("coach") or {})
    try:
        return CoachConfig.model_validate(raw)
    except ValueError as exc:
        raise ValidationFailed(f"coach settings: {str(exc).splitlines()[0]}") from None


def check_in_workspace(
    session: Session,
    workspace: Workspace,
    request: DraftRequest,
    services: CoachServices,
    *,
    suggestions: bool = True,
) -> dict[str, Any]:
    """``{"findings": [...], "articles": [...], "similar_cases": [...]}``."""
    config = workspace_config(workspace)
    draft = _draft(session, workspace, request, config, services.clock)
    mood = services.triage_mood if config.mood == "triage" else None  # None: the cue reader
    coach = Coach(config, mood_reader=mood, clock=services.clock)
    history = services.histories.index_for(session, workspace.id, services.clock.now())
    result: dict[str, Any] = {"findings": [f.as_dict() for f in coach.check(draft, history)]}
    if suggestions:
        message = draft.customer
        excluded = request.conversation.id if request.conversation is not None else None
        result["articles"] = [
            a.as_dict()
            for a in suggest_articles(session, workspace.id, message, embedder=services.embedder)
        ]
        result["similar_cases"] = [
            c.as_dict()
            for c in similar_cases(
                session,
                workspace.id,
                message,
                exclude_conversation_id=excluded,
                embedder=services.embedder,
                mood=services.sentiment,
            )
        ]
    return result


def _draft(
    session: Session,
    workspace: Workspace,
    request: DraftRequest,
    config: CoachConfig,
    clock: Clock,
) -> Draft:
    conversation = request.conversation
    customer, to = request.customer or "", None
    earlier: tuple[str, ...] = ()
    if conversation is not None:
        inbound, outbound = _messages(session, conversation.id)
        customer = (
            request.customer if request.customer is not None else (inbound[-1] if inbound else "")
        )
        earlier = tuple(outbound)
        to = contact_key(conversation.contact_id, conversation.id)
    channel = request.channel or (conversation.channel if conversation is not None else "x")
    signature = (
        request.signature_required
        if request.signature_required is not None
        else config.signature_required
    )
    return Draft(
        request.text, customer, channel, request.public, signature, to, clock.now(), earlier
    )


def _messages(session: Session, conversation_id: int) -> tuple[list[str], list[str]]:
    rows = session.execute(
        select(Message.direction, Message.text)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    ).all()
    return [t for d, t in rows if d == "in"], [t for d, t in rows if d == "out"]
