"""``/api/v1/conversations`` and ``/api/v1/contacts``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from heedful.queries.conversation import contact_json, conversation_json
from heedful.queries.inbox import InboxFilter, InboxSort, list_conversations
from heedful.services.notes import add_note
from heedful.web.access import (
    access_contact_by_id,
    access_conversation_by_id,
    access_workspace_by_slug,
    visible_workspace_ids,
)
from heedful.web.api.schemas import ContactPublic, ConversationPage, ConversationPublic, Problem
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.responses import FastJSONResponse

router = APIRouter(prefix="/api/v1", tags=["conversations"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such row, or not in your workspaces"}
}


@router.get(
    "/conversations",
    response_model=None,  # rows are built as JSON directly (the inbox's hot path)
    responses={200: {"model": ConversationPage}, 422: {"model": Problem}},
    summary="List conversations",
)
def list_conversations_route(
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[
        str | None, Query(description="Workspace slug (default: all yours)")
    ] = None,
    status: Annotated[list[str], Query(description="new, open, waiting, resolved")] = [],  # noqa: B006
    channel: Annotated[list[str], Query(description="x, mastodon, email, …")] = [],  # noqa: B006
    owner_id: Annotated[int | None, Query()] = None,
    unassigned: Annotated[bool, Query()] = False,
    contact_id: Annotated[int | None, Query()] = None,
    q: Annotated[str | None, Query(description="Full-text search in message text")] = None,
    sort: Annotated[InboxSort, Query()] = InboxSort.ACTIVITY,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> FastJSONResponse:
    """Conversations in your workspaces, newest activity first (or by priority), with
    filters and cursor pagination: pass ``next_cursor`` back as ``cursor``."""
    if workspace is not None:
        ws_ids = [access_workspace_by_slug(session, viewer, workspace).id]
    else:
        ws_ids = visible_workspace_ids(session, viewer)
    page = list_conversations(
        session,
        InboxFilter(
            workspace_ids=ws_ids,
            status=status,
            channel=channel,
            owner_id=owner_id,
            unassigned=unassigned,
            contact_id=contact_id,
            query=q,
            sort=sort,
            limit=limit,
            cursor=cursor,
        ),
    )
    return FastJSONResponse({"items": page.items, "next_cursor": page.next_cursor})


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationPublic,
    responses=NOT_FOUND,
    summary="A conversation with its messages",
)
def get_conversation(
    conversation_id: int, session: SessionDep, viewer: ViewerDep
) -> FastJSONResponse:
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    return FastJSONResponse(conversation_json(session, conversation))


@router.get(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses=NOT_FOUND,
    summary="A contact: identities across channels and past conversations",
    tags=["contacts"],
)
def get_contact(contact_id: int, session: SessionDep, viewer: ViewerDep) -> FastJSONResponse:
    contact = access_contact_by_id(session, viewer, contact_id)
    return FastJSONResponse(contact_json(session, contact))


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ReplyCreate(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    visibility: Literal["public", "private"] = "public"


@router.post(
    "/conversations/{conversation_id}/notes",
    status_code=201,
    responses=NOT_FOUND,
    summary="Add an internal note (never sent to the customer)",
)
def create_note(
    conversation_id: int,
    body: NoteCreate,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    note = add_note(session, conversation, body.text, agent_id=viewer.agent_id, clock=clock)
    return {"id": note.id, "conversation_id": conversation.id, "text": note.text}


@router.post(
    "/conversations/{conversation_id}/replies",
    status_code=201,
    responses=NOT_FOUND,
    summary="Send a reply (public) or a private message, signed by you",
)
def create_reply(
    request: Request,
    conversation_id: int,
    body: ReplyCreate,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    from heedful.web.ui.conversation import send_from_composer

    conversation = access_conversation_by_id(session, viewer, conversation_id)
    sent = send_from_composer(
        session,
        viewer,
        conversation,
        body.text,
        body.visibility,
        "",
        clock,
        request.app.state.jobs,
    )
    return {"id": sent.id, "conversation_id": conversation.id, "external_id": sent.external_id}
