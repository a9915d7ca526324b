"""The ASGI entry point for servers: ``uvicorn --factory heedful.web.main:app_from_env``."""

from __future__ import annotations

from fastapi import FastAPI

from heedful.config import load_settings
from heedful.web.app import create_app


def app_from_env() -> FastAPI:
    """Build the app from HEEDFUL_* settings (each server worker process calls this)."""
    from heedful.workers.runtime import run_jobs_in_process

    return run_jobs_in_process(create_app(load_settings()))  # default mode: jobs run here


def web_app_from_env() -> FastAPI:
    """The web app alone, for servers whose jobs run elsewhere (``heedful worker``, or the
    benchmarks that measure the API by itself): ``uvicorn --factory
    heedful.web.main:web_app_from_env``."""
    return create_app(load_settings())
