"""The inbox and conversation pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from heedful.queries.conversation import contact_json, conversation_json
from heedful.queries.inbox import InboxFilter, InboxSort, list_conversations
from heedful.web.access import (
    access_contact_by_id,
    access_conversation_by_id,
    access_workspace_by_slug,
    visible_workspace_ids,
)
from heedful.web.deps import SessionDep, ViewerDep
from heedful.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    channel: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
    sort: Annotated[InboxSort, Query()] = InboxSort.ACTIVITY,
    cursor: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    ws_ids = visible_workspace_ids(session, viewer)
    selected = ws_ids
    if workspace:
        selected = [access_workspace_by_slug(session, viewer, workspace).id]
    page = list_conversations(
        session,
        InboxFilter(
            workspace_ids=selected,
            status=[status] if status else [],
            channel=[channel] if channel else [],
            query=q or None,
            sort=sort,
            limit=50,
            cursor=cursor or None,
        ),
    )
    from heedful.store.tables import Workspace

    workspaces = [session.get(Workspace, i) for i in ws_ids]
    return render(
        request,
        "inbox.html",
        page=page,
        workspaces=[w for w in workspaces if w is not None],
        filters={
            "workspace": workspace or "",
            "status": status or "",
            "channel": channel or "",
            "q": q or "",
            "sort": sort.value,
        },
    )


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request, conversation_id: int, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    data = conversation_json(session, conversation)
    contact = None
    if conversation.contact_id is not None:
        contact = contact_json(
            session, access_contact_by_id(session, viewer, conversation.contact_id)
        )
    return render(request, "conversation.html", conversation=data, contact=contact)
