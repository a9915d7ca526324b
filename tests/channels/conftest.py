"""The shared channel-test harness: a local fake platform server and an HTTP client for it.

Every adapter test runs the real client code against :class:`PlatformServer` on 127.0.0.1,
serving recorded responses from ``../shared/data/payloads`` (read at run time, never copied).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.store.db import Database
from heedful.web.app import create_app
from tests.conftest import shared_data


@pytest.fixture
def app_client(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    """The whole web app (webhook endpoints included) on the test's database and clock."""
    with TestClient(create_app(settings, database=db, clock=clock)) as client:
        yield client


@pytest.fixture
def platform_server() -> Iterator[PlatformServer]:
    with PlatformServer() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(5.0)) as client:
        yield client


def payload(folder: str, name: str) -> Path:
    """A recorded payload file; skips the test when ../shared is not there."""
    return shared_data("payloads", folder, name)
