"""``create_app(settings)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import heedful
from heedful.clock import Clock, SystemClock
from heedful.config import Settings
from heedful.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from heedful.queries.inbox import RowCache
from heedful.services.auth import TooManyAttempts
from heedful.store.db import Database
from heedful.web.api.coach import router as coach_router
from heedful.web.api.conversations import router as conversations_router
from heedful.web.api.me import router as me_router
from heedful.web.api.reports import router as reports_router
from heedful.web.api.stream import router as stream_router
from heedful.web.auth import NotAuthenticated, ViewerCache, guard
from heedful.web.templating import build_templates, render
from heedful.web.timing import ServerTiming
from heedful.web.ui.account import router as account_router
from heedful.web.ui.admin import router as admin_router
from heedful.web.ui.admin_care import router as admin_care_router
from heedful.web.ui.admin_channels import router as admin_channels_router
from heedful.web.ui.admin_content import router as admin_content_router
from heedful.web.ui.conversation import router as conversation_router
from heedful.web.ui.dashboard import DashboardCache
from heedful.web.ui.dashboard import router as dashboard_router
from heedful.web.ui.inbox import router as inbox_router
from heedful.web.ui.login import router as login_router
from heedful.workers.runtime import install as install_workers

STATIC_DIR = Path(__file__).parent / "static"
# Every router of the app, REST API first. A new one is added here, and is then covered by the
# sign-in guard, CSRF checks and the tenant-isolation test matrix without anything else.
ROUTERS = (
    coach_router,
    conversations_router,
    me_router,
    reports_router,
    stream_router,
    login_router,
    inbox_router,
    conversation_router,
    dashboard_router,
    admin_router,
    admin_care_router,
    admin_content_router,
    admin_channels_router,
    account_router,
)


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if app.state.owns_db:
            app.state.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Heedful",
        version=heedful.__version__,
        summary="Social customer care: one inbox, triage with reasons, a reply coach, SLAs.",
        description=(
            "Authenticate with an API token (create one on your account page): "
            "`Authorization: Bearer hf_…`. You see the workspaces you belong to."
        ),
        dependencies=[Depends(guard)],
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database or Database.from_url(settings.resolved_database_url)
    app.state.owns_db = database is None
    app.state.clock = clock or SystemClock()
    app.state.templates = build_templates()
    app.state.viewer_cache = ViewerCache()
    app.state.inbox_rows = RowCache()  # the inbox API's rendered rows (heedful.queries.inbox)
    app.state.dashboards = DashboardCache()  # the leads' figures (heedful.web.ui.dashboard)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with app.state.db.session() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": heedful.__version__}

    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(ServerTiming)  # Server-Timing: app;dur=… on every response
    install_workers(app)  # app.state.jobs / .channels; /webhooks/* (signature-checked, no guard)
    _error_handlers(app)
    return app


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _wants_html(request: Request) -> bool:
    return _is_page(request) and "text/html" in request.headers.get("accept", "")


def _error_handlers(app: FastAPI) -> None:
    def problem(request: Request, status: int, detail: str) -> Response:
        if _wants_html(request):
            page: HTMLResponse = render(
                request, "error.html", status_code=status, status=status, detail=detail
            )
            return page
        return JSONResponse({"detail": detail}, status_code=status)

    @app.exception_handler(NotAuthenticated)
    def anonymous(request: Request, exc: NotAuthenticated) -> Response:
        if _is_page(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return JSONResponse(
            {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return problem(request, 404, str(exc))

    @app.exception_handler(PermissionDenied)
    def denied(request: Request, exc: PermissionDenied) -> Response:
        return problem(request, 403, str(exc))

    @app.exception_handler(ValidationFailed)
    def invalid(request: Request, exc: ValidationFailed) -> Response:
        return problem(request, 422, str(exc))

    @app.exception_handler(ConflictError)
    def conflict(request: Request, exc: ConflictError) -> Response:
        return problem(request, 409, str(exc))

    @app.exception_handler(TooManyAttempts)
    def throttled(request: Request, exc: TooManyAttempts) -> Response:
        response = problem(request, 429, str(exc))
        response.headers["Retry-After"] = str(int(exc.retry_after.total_seconds()) + 1)
        return response
