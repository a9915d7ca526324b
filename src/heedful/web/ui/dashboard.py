"""The lead's dashboard and its CSV export."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from heedful.domain import AgentRole
from heedful.errors import NotFound
from heedful.queries.dashboard import Dashboard, build_dashboard
from heedful.store.tables import Workspace
from heedful.web.access import Viewer, access_workspace_by_slug, require_role, visible_workspaces
from heedful.web.charts import share_bar, stacked_bars
from heedful.web.deps import ClockDep, SessionDep, ViewerDep
from heedful.web.templating import duration, render

router = APIRouter(include_in_schema=False)


def lead_workspace(session: Session, viewer: Viewer, slug: str) -> Workspace:
    """The workspace asked for (or the first the viewer leads); needs the lead role."""
    if slug:
        workspace = access_workspace_by_slug(session, viewer, slug)
    else:
        led = [
            w
            for w in visible_workspaces(session, viewer)
            if viewer.is_at_least(w.id, AgentRole.LEAD)
        ]
        if not led:
            raise NotFound("you lead no workspace")
        workspace = led[0]
    require_role(viewer, workspace.id, AgentRole.LEAD)
    return workspace


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    ws = lead_workspace(session, viewer, workspace)
    board = build_dashboard(session, ws.id, clock.now())
    return render(
        request,
        "dashboard.html",
        workspace=ws,
        workspaces=[
            w
            for w in visible_workspaces(session, viewer)
            if viewer.is_at_least(w.id, AgentRole.LEAD)
        ],
        board=board,
        now=clock.now(),
        volume_chart=stacked_bars(
            board.volume, board.days, title="New conversations per day, by channel"
        ),
        within_hour_bar=share_bar(board.within_hour_rate, label="Answered within one hour"),
        response_bar=share_bar(board.response_rate, label="Response rate"),
    )


@router.get("/dashboard/export.csv")
def dashboard_export(
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    ws = lead_workspace(session, viewer, workspace)
    board = build_dashboard(session, ws.id, clock.now())
    filename = f"heedful-{ws.slug}-{clock.now():%Y%m%d}.csv"
    return Response(
        dashboard_csv(board),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def dashboard_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value"])
    rate = board.response_rate
    within = board.within_hour_rate
    for name, value in (
        ("backlog", board.backlog),
        ("unanswered", board.unanswered),
        (f"conversations_last_{board.period_days}_days", board.conversations),
        ("response_rate", f"{rate:.3f}" if rate is not None else ""),
        ("answered_within_1h", f"{within:.3f}" if within is not None else ""),
        ("median_first_response", duration(board.median_first_response)),
    ):
        writer.writerow(["summary", name, value])
    for channel, days in board.volume.items():
        for day, count in days.items():
            writer.writerow([f"volume:{channel}", day.isoformat(), count])
    for agent in board.agents:
        writer.writerow(["agent_open_owned", agent["name"], agent["open_owned"]])
        writer.writerow(["agent_replies", agent["name"], agent["replies"]])
    return out.getvalue()
