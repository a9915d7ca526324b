"""``/api/v1/conversations`` and ``/api/v1/contacts``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from heedful.queries.conversation import contact_json, conversation_json
from heedful.queries.inbox import (
    BREACH_SCAN,
    InboxFilter,
    InboxSort,
    RowCache,
    list_conversations,
    page_json_on_cursor,
)
from heedful.services.notes import add_note
from heedful.store.db import Database
from heedful.store.dialect import reads_without_transaction
from heedful.web.access import (
    Viewer,
    access_contact_by_id,
    access_conversation_by_id,
    access_workspace_id_by_slug,
    visible_workspace_ids,
    workspace_id_on_cursor,
)
from heedful.web.api.schemas import ContactPublic, ConversationPage, ConversationPublic, Problem
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.responses import FastJSONResponse

router = APIRouter(prefix="/api/v1", tags=["conversations"])

Sentiment = Literal["negative", "neutral", "positive"]
MAX_INLINE_LIMIT = 100  # larger SQLite pages are read on a thread

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such row, or not in your workspaces"}
}


@router.get(
    "/conversations",
    response_model=None,  # rows are built as JSON directly (the inbox's hot path)
    responses={200: {"model": ConversationPage}, 422: {"model": Problem}},
    summary="List conversations",
)
async def list_conversations_route(
    request: Request,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[
        str | None, Query(description="Workspace slug (default: all yours)")
    ] = None,
    status: Annotated[list[str], Query(description="new, open, waiting, resolved")] = [],  # noqa: B006
    channel: Annotated[list[str], Query(description="x, mastodon, email, …")] = [],  # noqa: B006
    owner_id: Annotated[int | None, Query()] = None,
    unassigned: Annotated[bool, Query()] = False,
    contact_id: Annotated[int | None, Query()] = None,
    q: Annotated[str | None, Query(description="Full-text search in message text")] = None,
    topic: Annotated[
        list[str],
        Query(
            description="Topic id of the conversation's priority message (the triaged "
            "customer message its priority comes from), e.g. billing_payment, outage, or a "
            "workspace's own topic; several: any of them",
        ),
    ] = [],  # noqa: B006
    sentiment: Annotated[
        list[Sentiment],
        Query(description="Sentiment of the conversation's priority message; several: any"),
    ] = [],  # noqa: B006
    open_promise: Annotated[
        bool, Query(description="Only conversations with a promise still open")
    ] = False,
    breached: Annotated[
        bool,
        Query(
            description="Only conversations whose SLA is breached now (as their SLA badge "
            "shows). A page may then hold fewer rows than the limit and still have a "
            f"next_cursor: the scan stops after {BREACH_SCAN:,} conversations; follow it"
        ),
    ] = False,
    sort: Annotated[InboxSort, Query()] = InboxSort.ACTIVITY,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    """Conversations in your workspaces, newest activity first (or by priority), with
    filters and cursor pagination: pass ``next_cursor`` back as ``cursor``. The filters
    combine (all must hold)."""
    flt = InboxFilter(
        workspace_ids=[],
        status=status,
        channel=channel,
        owner_id=owner_id,
        unassigned=unassigned,
        contact_id=contact_id,
        query=q,
        topic=topic,
        sentiment=list(sentiment),
        open_promise=open_promise,
        breached_at=clock.now() if breached else None,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    # The hot path: the viewer came from the guard's cache, so all the database work (and the
    # JSON) is one call. On SQLite a page is a few hundred microseconds of CPU that never waits
    # for a lock (WAL readers), so it runs right here: handing it to a thread would cost more
    # than the work. Full-text searches and PostgreSQL (a network round trip) go to the pool.
    db: Database = request.app.state.db
    cache: RowCache = request.app.state.inbox_rows
    if db.dialect == "sqlite" and not q and not breached and limit <= MAX_INLINE_LIMIT:
        body = _conversation_page(db, viewer, workspace, flt, cache)
    else:
        body = await run_in_threadpool(_conversation_page, db, viewer, workspace, flt, cache)
    return Response(body, media_type="application/json")


def _conversation_page(
    db: Database, viewer: Viewer, workspace: str | None, flt: InboxFilter, cache: RowCache
) -> bytes:
    if flt.query or flt.breached_at is not None:
        # full-text search (heedful.store.search) and the breached filter (the SLA snapshots'
        # evaluation): through a session
        with db.session() as session:
            if workspace is not None:
                flt.workspace_ids = [access_workspace_id_by_slug(session, viewer, workspace)]
            else:
                flt.workspace_ids = visible_workspace_ids(session, viewer)
            page = list_conversations(session, flt)
    else:  # the hot path: two statements on a pooled driver connection
        if workspace is None and viewer.workspace_ids is None:
            with db.session() as session:
                flt.workspace_ids = visible_workspace_ids(session, viewer)
        elif workspace is None:
            flt.workspace_ids = sorted(viewer.workspace_ids or ())
        connection = db.engine.raw_connection()
        try:
            with reads_without_transaction(connection.driver_connection, db.dialect):
                cursor = connection.cursor()
                if workspace is not None:
                    flt.workspace_ids = [
                        workspace_id_on_cursor(cursor, db.dialect, viewer, workspace)
                    ]
                body = page_json_on_cursor(cursor, db.dialect, flt, cache)
                cursor.close()
        finally:
            connection.close()  # back to the pool
        return body
    return orjson.dumps({"items": page.items, "next_cursor": page.next_cursor})


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
    responses={
        **NOT_FOUND,
        409: {
            "model": Problem,
            "description": "A private message the platform would refuse now: the customer's "
            "messaging window (e.g. Messenger's 24 hours) is closed; the detail says why",
        },
    },
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
