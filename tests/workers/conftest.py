"""Fixtures for the workers: a workspace with a configured ``fake`` channel account, the local
fake platform, and an in-process queue whose jobs run when a test says so."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.workers.context import JobContext, Tuning
from heedful.workers.fakeplatform import FakePlatform, Faults, resolver_with_fake
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import build_registry
from heedful.workers.runtime import build_context

WEBHOOK_SECRET = "webhook-secret-" + "s" * 20


@dataclass
class Brand:
    workspace_id: int
    account_id: int


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    with FakePlatform(Faults()) as server:
        yield server


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret_key_value())


@pytest.fixture
def brand(db: Database, clock: FrozenClock, box: SecretBox, platform: FakePlatform) -> Brand:
    with db.write() as session:
        workspace = create_workspace(session, slug="acme", name="Acme", clock=clock)
        account = add_channel_account(
            session, workspace, channel="fake", external_id="brand", handle="AcmeCare", clock=clock
        )
        configure_channel_account(
            session,
            account,
            {"base_url": platform.url, "token": "good", "secret": WEBHOOK_SECRET},
            box=box,
            clock=clock,
            resolve=resolver_with_fake,
        )
        return Brand(workspace.id, account.id)


@pytest.fixture
def queue(clock: FrozenClock) -> InProcessQueue:
    return InProcessQueue(build_registry(), clock)


@pytest.fixture
def jobs(
    settings: Settings, db: Database, clock: FrozenClock, queue: InProcessQueue
) -> Iterator[JobContext]:
    tuning = Tuning(lease=timedelta(seconds=30), retry_base=timedelta(seconds=2))
    context = build_context(
        settings, db, clock, queue, resolve=resolver_with_fake, tuning=tuning, worker_id="t1"
    )
    yield context
    context.channels.close()
