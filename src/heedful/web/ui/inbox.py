"""The inbox: the queue (by priority or newest activity), filters, search, saved views and
live updates (the page listens to ``/api/v1/stream`` and reloads its rows).

Besides status, channel and owner, the queue filters by the triage of each conversation's
priority message (topic, sentiment), by an open promise, and by a breached SLA now (the
request's clock: the same evaluation as the row's badge); see :mod:`heedful.queries.inbox`.
A saved view keeps every filter (:data:`FILTER_KEYS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.queries.inbox import InboxFilter, InboxPage, InboxSort, list_conversations
from heedful.queries.people import saved_views, workspace_agents, workspace_names
from heedful.services.saved_views import delete_view, save_view
from heedful.web import features
from heedful.web.access import (
    Viewer,
    access_saved_view_by_id,
    access_workspace_by_slug,
    visible_workspace_ids,
)
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.templating import query_string, render

router = APIRouter(include_in_schema=False)

STATUSES = ("new", "open", "waiting", "resolved")
OPEN_WORK = ["new", "open", "waiting"]  # the queue by default: resolved work is done


def _statuses(value: str) -> list[str]:
    """The page's status filter: one status, ``all``, or by default the open work."""
    if value in STATUSES:
        return [value]
    return [] if value == "all" else list(OPEN_WORK)


FILTER_KEYS = (
    "workspace",
    "status",
    "channel",
    "owner",
    "topic",
    "sentiment",
    "promise",
    "breached",
    "q",
    "sort",
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxParams:
    workspace: str = ""
    status: str = ""
    channel: str = ""
    owner: str = ""  # "", "me", "none" or an agent id
    q: str = ""
    sort: str = InboxSort.PRIORITY.value
    cursor: str = ""
    topic: str = ""  # a topic id of the viewer's workspaces' taxonomies
    sentiment: str = ""  # negative | neutral | positive
    promise: str = ""  # "1": only conversations with an open promise
    breached: str = ""  # "1": only conversations whose SLA is breached now

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in FILTER_KEYS}


def build_filter(
    session: Session, viewer: Viewer, params: InboxParams, clock: Clock
) -> InboxFilter:
    """The query's filter for these parameters, in the viewer's workspaces only (a workspace
    the viewer cannot see is refused). Values no control offers (an unknown topic or
    sentiment) are ignored, as an unknown status is."""
    ws_ids = visible_workspace_ids(session, viewer)
    if params.workspace:
        ws_ids = [access_workspace_by_slug(session, viewer, params.workspace).id]
    topics: list[str] = []
    if params.topic:
        known = {
            t for t, _ in features.topic_choices(list(workspace_names(session, ws_ids).values()))
        }
        topics = [params.topic] if params.topic in known else []
    sentiments = [params.sentiment] if params.sentiment in features.sentiment_choices() else []
    owner_id: int | None = None
    if params.owner == "me":
        owner_id = viewer.agent_id if viewer.agent_id is not None else -1
    elif params.owner.isdigit():
        owner_id = int(params.owner)
    return InboxFilter(
        workspace_ids=ws_ids,
        status=_statuses(params.status),
        channel=[params.channel] if params.channel else [],
        owner_id=owner_id,
        unassigned=params.owner == "none",
        query=params.q.strip() or None,
        topic=topics,
        sentiment=sentiments,
        open_promise=params.promise == "1",
        breached_at=clock.now() if params.breached == "1" else None,
        sort=InboxSort(params.sort) if params.sort in set(InboxSort) else InboxSort.PRIORITY,
        limit=PAGE_SIZE,
        cursor=params.cursor or None,
    )


def decorate(session: Session, page: InboxPage, clock: Any) -> None:
    """Add what other areas know about each row (reasons, SLA), where installed."""
    ids = [item["id"] for item in page.items]
    reasons = features.triage_reasons(session, ids)
    if page.extra:  # read with the SLA columns: evaluate the stored snapshots
        slas = features.sla_states_of_rows(session, page.items, page.extra, clock)
    else:
        slas = features.sla_states(session, ids, clock)
    for item in page.items:
        item["reasons"] = reasons.get(item["id"], [])
        item["sla"] = slas.get(item["id"])


@router.get("/", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    channel: Annotated[str, Query(max_length=32)] = "",
    owner: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=500)] = "",
    sort: Annotated[str, Query(max_length=16)] = InboxSort.PRIORITY.value,
    cursor: Annotated[str, Query(max_length=500)] = "",
    topic: Annotated[str, Query(max_length=40)] = "",
    sentiment: Annotated[str, Query(max_length=8)] = "",
    promise: Annotated[str, Query(max_length=1)] = "",
    breached: Annotated[str, Query(max_length=1)] = "",
    partial: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    params = InboxParams(
        workspace, status, channel, owner, q, sort, cursor, topic, sentiment, promise, breached
    )
    flt = build_filter(session, viewer, params, clock)
    page = list_conversations(session, flt, for_page=True)
    decorate(session, page, clock)
    ws_ids = visible_workspace_ids(session, viewer)
    workspaces = workspace_names(session, ws_ids)
    context: dict[str, Any] = {
        "page": page,
        "filters": params.as_dict(),
        "workspaces": workspaces,
        "workspace_labels": {w.slug: w.name for w in workspaces.values()},
        "agents": {a["id"]: a for a in workspace_agents(session, ws_ids)},
    }
    if partial:
        return render(request, "_queue.html", **context)
    return render(
        request,
        "inbox.html",
        views=saved_views(session, viewer.agent_id),
        channels=sorted({c for c in _channels()}),
        statuses=STATUSES,
        topics=features.topic_choices(list(workspaces.values())),
        sentiments=features.sentiment_choices(),
        **context,
    )


def _channels() -> list[str]:
    from heedful.channels.registry import adapter_classes

    return list(adapter_classes())


@router.post("/views")
def save_view_route(
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=100)],
    workspace: Annotated[str, Form(max_length=64)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
    channel: Annotated[str, Form(max_length=32)] = "",
    owner: Annotated[str, Form(max_length=16)] = "",
    q: Annotated[str, Form(max_length=500)] = "",
    sort: Annotated[str, Form(max_length=16)] = "",
    topic: Annotated[str, Form(max_length=40)] = "",
    sentiment: Annotated[str, Form(max_length=8)] = "",
    promise: Annotated[str, Form(max_length=1)] = "",
    breached: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    params = InboxParams(
        workspace,
        status,
        channel,
        owner,
        q,
        sort or InboxSort.PRIORITY.value,
        topic=topic,
        sentiment=sentiment,
        promise=promise,
        breached=breached,
    )
    build_filter(session, viewer, params, clock)  # refuses a workspace the viewer cannot see
    if viewer.agent_id is None:
        return RedirectResponse("/", status_code=303)
    save_view(session, viewer.agent_id, name, params.as_dict(), clock=clock)
    return RedirectResponse("/?" + query_string(params.as_dict()), status_code=303)


@router.post("/views/{view_id}/delete")
def delete_view_route(view_id: int, session: WriteSessionDep, viewer: ViewerDep) -> Response:
    delete_view(session, access_saved_view_by_id(session, viewer, view_id))
    return RedirectResponse("/", status_code=303)
