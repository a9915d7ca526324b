"""The lead's dashboard and its CSV export.

The page shows each workspace's figures as of at most :data:`DASHBOARD_SECONDS` ago (the time is
on the page): counting a backlog of a quarter of a million takes tens of milliseconds, which a
lead refreshing the page should not pay each time. A request that finds the figures older than
that gets them at once and has them counted again in the background; only the first request for
a workspace in a server process waits for the count. The CSV export is always counted afresh."""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from heedful.care.dashboard import CareBoard, build_care_board, triage_sentiment
from heedful.care.report import Figures
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
log = logging.getLogger("heedful.web.dashboard")

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
                board.care = care_figures(session, workspace_id, at)
            self._boards[workspace_id] = (self.now(), board)
        finally:
            with self._lock:
                self._counting.pop(workspace_id, None)
            done.set()


def care_figures(session: Session, workspace_id: int, at: datetime) -> CareBoard | None:
    """The care area's figures; None (and logged) if they cannot be counted, so the spine's
    figures still show."""
    try:
        return build_care_board(
            session, workspace_id, at, sentiment=triage_sentiment(session, workspace_id)
        )
    except Exception:
        log.exception("care figures of workspace %s could not be counted", workspace_id)
        return None


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
        care=board.care,
        topic_chart=(
            stacked_bars(
                board.care.topics,
                board.care.topic_days,
                title="New conversations per day, by topic",
            )
            if board.care is not None and board.care.topics
            else None
        ),
        sla_today_bar=_rate_bar(board.care, "today", "SLA attainment today"),
        sla_week_bar=_rate_bar(board.care, "week", "SLA attainment this week"),
    )


def _rate_bar(care: CareBoard | None, period: str, label: str) -> Any:
    if care is None:
        return None
    figures: Figures = getattr(care, period).overall
    return share_bar(figures.sla_attainment, label=label)


@router.get("/dashboard/export.csv")
def dashboard_export(
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    ws = lead_workspace(session, viewer, workspace)
    board = build_dashboard(session, ws.id, clock.now())
    board.care = care_figures(session, ws.id, clock.now())
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
    care: CareBoard | None = board.care
    if care is not None:
        writer.writerow(["sla_now", "breached", care.breached_now])
        writer.writerow(["sla_now", "at_risk", care.at_risk_now])
        writer.writerow(["promises", "due_next_24h", len(care.promises_due_soon)])
        writer.writerow(["promises", "overdue_open", care.promises_overdue])
        for period in ("today", "week"):
            report = getattr(care, period)
            _figures_rows(writer, f"{period}", report.overall)
            for name, figures in sorted(report.by_agent.items()):
                _figures_rows(writer, f"{period}:agent:{name}", figures)
            for name, figures in sorted(report.by_channel.items()):
                _figures_rows(writer, f"{period}:channel:{name}", figures)
        for topic, days in care.topics.items():
            for day, count in days.items():
                writer.writerow([f"topic:{topic}", day.isoformat(), count])
    return out.getvalue()


def _figures_rows(writer: Any, section: str, f: Figures) -> None:
    def rate(value: float | None) -> str:
        return f"{value:.3f}" if value is not None else ""

    for name, value in (
        ("conversations", f.conversations),
        ("answered", f.answered),
        ("response_rate", rate(f.response_rate)),
        ("median_first_response", duration(f.first_response.median_seconds)),
        ("sla_met", f.sla_met),
        ("sla_breached", f.sla_breached),
        ("sla_attainment", rate(f.sla_attainment)),
        ("promises_made", f.promises_made),
        ("promises_kept_on_time", f.promises_kept_on_time),
        ("promises_broken", f.promises_broken),
        ("sentiment_turned_around", f.sentiment_turned_around),
    ):
        writer.writerow([section, name, value])
