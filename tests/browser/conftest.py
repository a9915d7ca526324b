"""A real server and a real headless Chromium (Debian's ``chromium`` driven by Playwright).

The server is uvicorn on a free loopback port, in a thread, over a SQLite database of its own
holding the demo data (two brands: Acme Mobile with its agents, Northwind Air with Nadia).
Without Chromium the tests skip with the reason; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from heedful.clock import SystemClock
from heedful.config import load_settings
from heedful.services.auth import use_hash_parameters
from heedful.store.db import Database
from heedful.store.migrate import upgrade
from tests.conftest import IN_CI, REPO

CHROMIUM = os.environ.get("HEEDFUL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"


def require_chromium() -> None:
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium; make system-deps)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[dev]')"
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)


@dataclass
class Server:
    url: str
    db: Database
    clock: SystemClock


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    import uvicorn

    from heedful.cli.demo import _triage_all
    from heedful.services.demo import create_demo
    from heedful.store import search
    from heedful.web.app import create_app
    from heedful.web.ui.dashboard import DashboardCache

    use_hash_parameters(time_cost=1, memory_cost=8192, parallelism=1)
    data = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{data / 'heedful.db'}"
    db = Database.from_url(url)
    upgrade(db.engine)
    clock = SystemClock()
    with db.write() as session:
        create_demo(session, clock)
    with db.write() as session:
        search.index_pending(session)
        _triage_all(session, clock)  # as `heedful demo` does
    settings = load_settings(
        environment="test", data_dir=data, database_url=url, secret_key="browser-" + "k" * 40
    )
    app = create_app(settings, database=db, clock=clock)
    app.state.stream_poll_seconds = 0.3
    app.state.dashboards = DashboardCache(wait=30.0)  # a loaded CI machine counts slowly
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "the test server did not start"
    yield Server(f"http://127.0.0.1:{port}", db, clock)
    uv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, server: Server) -> Iterator[Any]:
    """Pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def publish_screenshot(path: Path, target: str) -> None:
    """Copy a screenshot into docs/ when asked (HEEDFUL_UPDATE_DOCS_SCREENSHOT=1)."""
    if os.environ.get("HEEDFUL_UPDATE_DOCS_SCREENSHOT") == "1":
        shutil.copyfile(path, REPO / "docs" / target)
