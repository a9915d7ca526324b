"""``create_app(settings)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

import heedful
from heedful.clock import Clock, SystemClock
from heedful.config import Settings
from heedful.errors import NotFound, PermissionDenied, ValidationFailed
from heedful.store.db import Database
from heedful.web.api.conversations import router as conversations_router
from heedful.web.templating import build_templates, render
from heedful.web.ui.pages import router as pages_router

STATIC_DIR = Path(__file__).parent / "static"


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
    )
    app.state.settings = settings
    app.state.db = database or Database.from_url(settings.resolved_database_url)
    app.state.owns_db = database is None
    app.state.clock = clock or SystemClock()
    app.state.templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with app.state.db.session() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": heedful.__version__}

    app.include_router(conversations_router)
    app.include_router(pages_router)
    _error_handlers(app)

    return app


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _error_handlers(app: FastAPI) -> None:
    def problem(request: Request, status: int, detail: str) -> Response:
        if _wants_html(request):
            page: HTMLResponse = render(
                request, "error.html", status_code=status, status=status, detail=detail
            )
            return page
        return JSONResponse({"detail": detail}, status_code=status)

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return problem(request, 404, str(exc))

    @app.exception_handler(PermissionDenied)
    def denied(request: Request, exc: PermissionDenied) -> Response:
        return problem(request, 403, str(exc))

    @app.exception_handler(ValidationFailed)
    def invalid(request: Request, exc: ValidationFailed) -> Response:
        return problem(request, 422, str(exc))
