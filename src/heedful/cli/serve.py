"""``heedful serve``: the web inbox, REST API and (by default) the background jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from heedful.cli.common import clean_errors, open_database, out_console, settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @clean_errors
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Address to listen on (HEEDFUL_HOST).")
        ] = None,
        port: Annotated[int | None, typer.Option(help="Port (HEEDFUL_PORT, default 8000).")] = None,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
        reload: Annotated[
            bool, typer.Option(help="Restart on code changes (development).")
        ] = False,
    ) -> None:
        """Serve the web inbox and REST API (OpenAPI at /docs). Migrates the database first."""
        import uvicorn

        cfg = settings()
        with open_database(cfg, repair=True):
            pass  # migrated, and indexes an interrupted import left out built
        bind_host = host or cfg.host
        bind_port = port or cfg.port
        out_console.print(
            f"Heedful on http://{bind_host}:{bind_port}  "
            f"(database: {_safe(cfg.resolved_database_url)})"
        )
        uvicorn.run(
            "heedful.web.main:app_from_env",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            reload=reload,
            log_level=cfg.log_level.lower(),
            proxy_headers=True,
        )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
