"""Polling: due accounts are polled on their schedule; events and the cursor are stored
together; rate limits and refused credentials change the schedule, not the data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import select

from heedful.channels.base import Capabilities, PollResult
from heedful.clock import FrozenClock
from heedful.errors import AuthFailed, RateLimited, TransientFailure
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, ChannelState, Message
from heedful.workers.context import JobContext
from heedful.workers.fakeplatform import FakePlatformAdapter
from heedful.workers.inprocess import InProcessQueue

from .conftest import Brand
from .helpers import customer_event


class Polling(FakePlatformAdapter):
    capabilities: ClassVar[Capabilities] = Capabilities(poll=True, public_reply=True)
    script: ClassVar[list[Any]] = []
    cursors: ClassVar[list[Mapping[str, Any]]] = []

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        Polling.cursors.append(dict(cursor))
        step = Polling.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def setup(jobs: JobContext) -> None:
    jobs.channels.resolve = lambda slug: Polling
    Polling.script, Polling.cursors = [], []


def state(db: Database, account_id: int) -> ChannelState:
    with db.session() as session:
        found = session.get(ChannelState, account_id)
        assert found is not None
        return found


def test_due_accounts_are_polled_and_the_cursor_moves_with_the_events(
    db: Database, clock: FrozenClock, brand: Brand, queue: InProcessQueue, jobs: JobContext
) -> None:
    setup(jobs)
    Polling.script = [
        PollResult([customer_event("a1", clock), customer_event("a2", clock)], {"since": "a2"}),
        PollResult([customer_event("a3", clock)], {"since": "a3"}),
    ]
    queue.run_pending()
    assert Polling.cursors == [{}]
    with db.session() as session:
        assert sorted(session.scalars(select(Message.external_id))) == ["a1", "a2"]
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None and account.cursor == {"since": "a2"}
    assert state(db, brand.account_id).next_poll_at == clock.now() + timedelta(seconds=60)
    clock.advance(seconds=30)
    queue.run_pending()
    assert len(Polling.cursors) == 1  # not due yet
    clock.advance(seconds=31)
    queue.run_pending()
    assert Polling.cursors == [{}, {"since": "a2"}]


def test_rate_limit_and_errors_move_the_next_poll(
    db: Database, clock: FrozenClock, brand: Brand, queue: InProcessQueue, jobs: JobContext
) -> None:
    setup(jobs)
    Polling.script = [RateLimited(900), TransientFailure("502"), TransientFailure("502")]
    queue.run_pending()
    assert state(db, brand.account_id).next_poll_at == clock.now() + timedelta(seconds=900)
    clock.advance(seconds=901)
    queue.run_pending()
    first = state(db, brand.account_id)
    assert first.poll_failures == 1 and first.last_poll_error == "TransientFailure: 502"
    assert first.next_poll_at == clock.now() + timedelta(seconds=60)
    clock.set(first.next_poll_at)
    queue.run_pending()
    assert state(db, brand.account_id).next_poll_at == clock.now() + timedelta(seconds=120)


def test_refused_credentials_pause_polling(
    db: Database, clock: FrozenClock, brand: Brand, queue: InProcessQueue, jobs: JobContext
) -> None:
    setup(jobs)
    Polling.script = [AuthFailed("token revoked")]
    queue.run_pending()
    with db.session() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None and account.status == "paused"
    clock.advance(hours=2)
    queue.run_pending()
    assert len(Polling.cursors) == 1
