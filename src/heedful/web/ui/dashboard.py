"""The lead's dashboard and its CSV export.

The page shows each workspace's figures as of at most :data:`DASHBOARD_SECONDS` ago (the time is
on the page): counting a backlog of a quarter of a million takes tens of milliseconds, which a
lead refreshing the page should not pay each time. A request that finds the figures older than
that gets them at once and has them counted again in the background; only the first request for
a workspace in a server process waits for the count. The CSV export is always counted afresh."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from heedful.domain import AgentRole
from heedful.errors import NotFound
from heedful.queries.dashboard import Dashboard, build_dashboard
from heedful.store.db import Database
from heedful.store.tables import Workspace
from heedful.web.access import Viewer, access_workspace_by_slug, require_role, visible_workspaces
from heedful.web.charts import share_bar, stacked_bars
from heedful.web.deps import ClockDep, SessionDep, ViewerDep
from heedful.web.templating import duration, render

router = APIRouter(include_in_schema=False)

DASHBOARD_SECONDS = 30.0  # how old the page's figures may be
FIRST_COUNT_WAIT = 0.05  # how long a page waits for a workspace's first count


class DashboardCache:
    """Each workspace's figures, counted on a background thread: again once they are older
    than ``ttl``, and the first time while the page waits up to ``wait`` seconds for them
    (a large store's first count then finishes for the next view; see the module's
    docstring)."""

    def __init__(
        self,
        ttl: float = DASHBOARD_SECONDS,
        wait: float = FIRST_COUNT_WAIT,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.wait = wait
        self.now = now
        self._boards: dict[int, tuple[float, Dashboard]] = {}
        self._counting: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, db: Database, workspace_id: int, at: datetime) -> Dashboard | None:
        """The figures, or None while the first count is still running."""
        found = self._boards.get(workspace_id)
        if found is not None and self.now() - found[0] < self.ttl:
            return found[1]
        done = self._start(db, workspace_id, at)
        if found is not None:
            return found[1]  # counted again in the background
        done.wait(self.wait)
        found = self._boards.get(workspace_id)
        return found[1] if found is not None else None

    def _start(self, db: Database, workspace_id: int, at: datetime) -> threading.Event:
        with self._lock:
            done = self._counting.get(workspace_id)
            if done is not None:
                return done
            done = self._counting[workspace_id] = threading.Event()
        threading.Thread(target=self._count, args=(db, workspace_id, at, done), daemon=True).start()
        return done

    def _count(self, db: Database, workspace_id: int, at: datetime, done: threading.Event) -> None:
        try:
            with db.session() as session:
                board = build_dashboard(session, workspace_id, at)
            self._boards[workspace_id] = (self.now(), board)
        finally:
            with self._lock:
                self._counting.pop(workspace_id, None)
            done.set()


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
    cache: DashboardCache = request.app.state.dashboards
    board = cache.get(request.app.state.db, ws.id, clock.now())
    led = [
        w for w in visible_workspaces(session, viewer) if viewer.is_at_least(w.id, AgentRole.LEAD)
    ]
    if board is None:  # the first count of a large store: it is on its way
        return render(request, "dashboard.html", workspace=ws, workspaces=led, board=None)
    return render(
        request,
        "dashboard.html",
        workspace=ws,
        workspaces=led,
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
