"""``POST /api/v1/coach``: the reply coach for a draft, with help-article and similar-case
suggestions. Rows are loaded through :mod:`heedful.web.access` only (tenant-safe)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from heedful.clock import Clock
from heedful.coach.help.check import CoachServices, DraftRequest, check_in_workspace
from heedful.errors import NotFound, ValidationFailed
from heedful.store.tables import Conversation, Workspace
from heedful.web.access import (
    Viewer,
    access_conversation_by_id,
    access_workspace_by_slug,
    visible_workspace_ids,
)
from heedful.web.api.schemas import Problem
from heedful.web.deps import ClockDep, SessionDep, ViewerDep

router = APIRouter(prefix="/api/v1", tags=["coach"])
Channel = Literal["x", "mastodon", "bluesky", "facebook", "instagram", "reddit", "email", "review"]


class CoachCheck(BaseModel):
    """A draft to check. Give the conversation it answers (the customer's message, earlier
    replies and the contact come from it), or the customer's message and a workspace."""

    model_config = ConfigDict(extra="ignore")

    draft: str = Field(max_length=20_000, description="The reply as the agent has typed it")
    conversation_id: int | None = None
    workspace: str | None = Field(None, description="Workspace slug (without a conversation)")
    customer: str | None = Field(None, max_length=20_000, description="The customer's message")
    channel: Channel | None = Field(None, description="Default: the conversation's, else x")
    visibility: Literal["public", "private"] = "public"
    signature_required: bool | None = Field(None, description="Default: the workspace setting")
    suggestions: bool = Field(True, description="Also suggest articles and similar cases")


class FindingPublic(BaseModel):
    rule: str
    severity: Literal["block", "warn", "info"]
    start: int
    end: int
    message: str
    suggestion: str


class ArticlePublic(BaseModel):
    id: int
    title: str
    url: str
    score: float
    why: list[str]


class SimilarCasePublic(BaseModel):
    conversation_id: int
    customer: str
    resolving_reply: str | None
    score: float
    sentiment_improved: bool | None
    why: list[str]


class CoachResult(BaseModel):
    findings: list[FindingPublic]
    articles: list[ArticlePublic] = []
    similar_cases: list[SimilarCasePublic] = []


@router.post(
    "/coach",
    response_model=CoachResult,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
    summary="Check a draft reply",
)
def coach_route(
    body: CoachCheck, request: Request, session: SessionDep, viewer: ViewerDep, clock: ClockDep
) -> dict[str, Any]:
    """Findings about the draft (blame, dismissiveness, no empathy, canned text, generic
    redirects, promises, personal data in public, length, signature…) and, unless
    ``suggestions`` is false, the three most specific help articles and the most similar
    resolved cases, each with why it matched."""
    conversation, workspace = _target(session, viewer, body)
    draft = DraftRequest(
        text=body.draft,
        customer=body.customer,
        channel=body.channel,
        public=body.visibility == "public",
        signature_required=body.signature_required,
        conversation=conversation,
    )
    return check_in_workspace(
        session, workspace, draft, shared_services(request, clock), suggestions=body.suggestions
    )


def _target(
    session: Any, viewer: Viewer, body: CoachCheck
) -> tuple[Conversation | None, Workspace]:
    conversation = None
    if body.conversation_id is not None:
        conversation = access_conversation_by_id(session, viewer, body.conversation_id)
    if body.workspace:
        workspace = access_workspace_by_slug(session, viewer, body.workspace)
        if conversation is not None and conversation.workspace_id != workspace.id:
            raise NotFound(f"no conversation {body.conversation_id}")
        return conversation, workspace
    if conversation is not None:
        found = session.get(Workspace, conversation.workspace_id)
        assert found is not None
        return conversation, found
    ids = visible_workspace_ids(session, viewer)
    if len(ids) != 1:
        raise ValidationFailed("say which workspace: give 'workspace' or 'conversation_id'")
    only = session.get(Workspace, ids[0])
    assert only is not None
    return None, only


def shared_services(request: Request, clock: Clock) -> CoachServices:
    """Built once per app on first use: the models load lazily and are shared (also by the
    composer's live coach and suggestions, :mod:`heedful.web.ui.conversation`)."""
    state = request.app.state
    services: CoachServices | None = getattr(state, "coach_services", None)
    if services is None or services.clock is not clock:
        services = default_services(clock)
        state.coach_services = services
    return services


def default_services(clock: Clock) -> CoachServices:
    from heedful.coach.help.embeddings import default_embedder
    from heedful.coach.help.history import WorkspaceHistories
    from heedful.coach.mood import TriageMoodReader

    return CoachServices(
        clock=clock,
        histories=WorkspaceHistories(),
        triage_mood=TriageMoodReader(),
        embedder=default_embedder(),
        sentiment=_triage_sentiment,
    )


def _triage_sentiment(text: str) -> str:
    from heedful.triage.analyse import Analyser

    analyser: Analyser = _ANALYSER.setdefault("fast", Analyser())
    (analysis,) = analyser.analyse([text], mode="fast")
    return analysis.sentiment


_ANALYSER: dict[str, Any] = {}
