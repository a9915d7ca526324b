"""``/api/v1/workspaces/{slug}/report``: the care figures of ``heedful report`` over the API
(JSON, CSV or the self-contained HTML page), for the workspace's leads and admins.

Every figure is defined once, in :mod:`heedful.care.report`; this route and the command only
choose the period and the form."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from heedful.care import report_render as render
from heedful.care.dashboard import triage_sentiment
from heedful.care.hours import parse_zone
from heedful.care.report import build_report, period_bound
from heedful.domain import AgentRole
from heedful.errors import ValidationFailed
from heedful.store.db import Database
from heedful.web.access import Viewer, access_workspace_by_slug, require_role
from heedful.web.deps import ClockDep, ViewerDep

router = APIRouter(prefix="/api/v1", tags=["reports"])

MAX_PERIOD = timedelta(days=366)


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


@router.get(
    "/workspaces/{slug}/report",
    summary="The care figures for a period (leads and admins)",
    response_model=None,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}, "text/html": {}},
            "description": "The report, as asked by `format`.",
        }
    },
)
async def workspace_report(
    request: Request,
    slug: str,
    viewer: ViewerDep,
    clock: ClockDep,
    since: Annotated[
        str | None,
        Query(
            description="Start: a date (midnight in the workspace's time zone) or ISO time; "
            "default 30 days before `until`"
        ),
    ] = None,
    until: Annotated[
        str | None, Query(description="End, excluded: a date or ISO time; default now")
    ] = None,
    format: Annotated[ReportFormat, Query(description="json, csv or html")] = ReportFormat.JSON,
    sentiment: Annotated[
        bool, Query(description="Score sentiment change with the triage models")
    ] = True,
) -> Any:
    """Response rate, first-response time (median, p90, share within an hour, calendar and
    business time), next-response and resolution times, SLA attainment, backlog and oldest
    unanswered, promises made / kept on time / broken, sentiment change and contacts who had
    to write more than once — overall, per channel, brand, agent and day. Conversations count
    when their first customer message falls in ``[since, until)``."""
    db: Database = request.app.state.db
    document = await run_in_threadpool(
        _build, db, viewer, slug, since, until, clock.now(), format, sentiment
    )
    if format is ReportFormat.CSV:
        return Response(document, media_type="text/csv; charset=utf-8")
    if format is ReportFormat.HTML:
        return HTMLResponse(document)
    return document


def _build(
    db: Database,
    viewer: Viewer,
    slug: str,
    since: str | None,
    until: str | None,
    now: datetime,
    form: ReportFormat,
    sentiment: bool,
) -> Any:
    with db.session() as session:
        workspace = access_workspace_by_slug(session, viewer, slug)
        require_role(viewer, workspace.id, AgentRole.LEAD)
        zone = parse_zone(workspace.timezone)
        end = period_bound(until, "`until`", zone) if until else now
        start = period_bound(since, "`since`", zone) if since else end - timedelta(days=30)
        if end <= start:
            raise ValidationFailed("`until` must be after `since`")
        if end - start > MAX_PERIOD:
            raise ValidationFailed("a report covers at most 366 days: ask for several")
        scorer = triage_sentiment(session, workspace.id) if sentiment else None
        report = build_report(session, workspace.id, start, end, sentiment=scorer)
    if form is ReportFormat.CSV:
        return render.report_csv(report)
    if form is ReportFormat.HTML:
        return render.report_html(report)
    return render.report_json(report)
