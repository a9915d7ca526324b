"""Delivery: the reply and its outbox row commit together; the worker sends it once, maps
each kind of failure, and a crash at any point neither loses nor doubles a reply."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from heedful.clock import FrozenClock
from heedful.domain import Direction, Visibility
from heedful.services.outbox import claim_due, deliver_claimed
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, ChannelState, Event, Message
from heedful.workers.context import JobContext
from heedful.workers.fakeplatform import FakePlatform, Faults
from heedful.workers.inprocess import InProcessQueue

from .conftest import Brand
from .helpers import a_conversation, customer_event, message_count, outbox_row, reply


def test_reply_and_outbox_row_commit_together_and_roll_back_together(
    db: Database, clock: FrozenClock, brand: Brand
) -> None:
    conversation_id = a_conversation(db, brand.workspace_id, clock)
    before = message_count(db)
    try:
        with db.write() as session:
            from heedful.services.replies import send_reply
            from heedful.store.tables import Conversation
            from heedful.workers.fakeplatform import resolver_with_fake

            conversation = session.get(Conversation, conversation_id)
            assert conversation is not None
            send_reply(
                session,
                agent=None,
                conversation=conversation,
                text="hello",
                visibility=Visibility.PUBLIC,
                clock=clock,
                resolve=resolver_with_fake,
            )
            raise RuntimeError("the request failed after send_reply")
    except RuntimeError:
        pass
    assert message_count(db) == before
    sent = reply(db, conversation_id, clock)
    with db.session() as session:
        message = session.get(Message, sent.message_id)
        assert message is not None
        assert message.direction == Direction.OUTBOUND.value
        assert message.external_id.startswith("pending:")
        assert message.in_reply_to_external_id == "m1"
    assert outbox_row(db, sent.outbox_id).state == "queued"


def test_delivered_once_and_the_platform_id_recorded(
    db: Database,
    clock: FrozenClock,
    brand: Brand,
    platform: FakePlatform,
    queue: InProcessQueue,
    jobs: JobContext,
) -> None:
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock, queue=queue)
    queue.run_pending()
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "sent"
    assert platform.stats()["posts"] == 1
    with db.session() as session:
        message = session.get(Message, sent.message_id)
        assert message is not None and message.external_id == item.external_id == "p1"
    queue.run_pending()
    clock.advance(minutes=5)
    queue.run_pending()
    assert platform.stats() | {"injected": {}} == {
        "posts": 1,
        "unique_keys": 1,
        "duplicates": 0,
        "injected": {},
    }


def test_rate_limit_holds_the_account_until_retry_after(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext
) -> None:
    platform.faults.rate_limited = 1.0
    platform.faults.retry_after = 30
    conversation_id = a_conversation(db, brand.workspace_id, clock)
    first = reply(db, conversation_id, clock, text="first")
    second = reply(db, conversation_id, clock, text="second")
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    outcome = deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    assert outcome.state == "queued"
    item = outbox_row(db, first.outbox_id)
    assert item.error_kind == "rate_limited" and item.attempts == 0
    assert item.next_attempt_at == clock.now() + timedelta(seconds=30)
    with db.session() as session:
        state = session.get(ChannelState, brand.account_id)
        assert state is not None and state.send_blocked_until == clock.now() + timedelta(seconds=30)
    # the whole account waits, not just the reply that was refused
    assert claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=5) == []
    platform.faults.rate_limited = 0.0
    clock.advance(seconds=31)
    for claim in claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=5):
        deliver_claimed(db, jobs.channels, claim, clock=clock, worker="w")
    assert outbox_row(db, first.outbox_id).state == "sent"
    assert outbox_row(db, second.outbox_id).state == "sent"


def test_transient_errors_retry_with_backoff_then_give_up(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext
) -> None:
    from heedful.services.outbox import RetryPolicy

    platform.faults.error_before = 1.0
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    policy = RetryPolicy(timedelta(seconds=2), timedelta(seconds=60), max_attempts=3)
    delays = []
    for _ in range(3):
        started = clock.now()
        claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
        assert len(claims) == 1
        deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w", policy=policy)
        item = outbox_row(db, sent.outbox_id)
        if item.state == "failed":
            break
        delays.append((item.next_attempt_at - started).total_seconds())
        clock.set(item.next_attempt_at)
    assert 1 <= delays[0] <= 2 and 2 <= delays[1] <= 4  # doubling, with jitter
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "failed" and item.error_kind == "transient"
    assert "gave up after 3 attempts" in (item.last_error or "")
    assert platform.stats()["posts"] == 0


def test_lost_response_is_reconciled_not_posted_twice(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext
) -> None:
    platform.faults.error_after = 1.0  # the platform posts it, then answers 502
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    assert outbox_row(db, sent.outbox_id).state == "queued"
    platform.faults.error_after = 0.0
    clock.advance(minutes=1)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    assert claims[0].after_error
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    assert outbox_row(db, sent.outbox_id).state == "sent"
    assert platform.stats()["posts"] == 1


def test_a_worker_that_dies_mid_send_is_reconciled_after_its_lease(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext
) -> None:
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="dead", limit=1)
    # the dead worker's request reached the platform, then the process was killed
    adapter_message = platform.post({"key": sent.idempotency_key, "text": "x"})
    assert adapter_message[0] == 200
    assert claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1) == []
    clock.advance(seconds=61)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    assert claims[0].crashed
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "sent" and item.external_id == "p1"
    assert platform.stats()["posts"] == 1


def test_a_crash_on_a_channel_that_cannot_look_is_left_to_a_person(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext
) -> None:
    from heedful.workers.fakeplatform import FakePlatformAdapter

    class Blind(FakePlatformAdapter):
        from heedful.channels.base import Capabilities

        capabilities = Capabilities(webhook=True, public_reply=True)

    jobs.channels.resolve = lambda slug: Blind
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="dead", limit=1)
    clock.advance(seconds=61)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "failed" and item.error_kind == "interrupted"
    assert platform.stats()["posts"] == 0


def test_refused_credentials_pause_the_account_and_keep_the_reply(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, jobs: JobContext, box
) -> None:
    from heedful.services.channel_accounts import configure_channel_account, resume_channel_account
    from heedful.workers.fakeplatform import resolver_with_fake

    with db.write() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None
        configure_channel_account(
            session, account, {"token": "revoked"}, box=box, clock=clock, resolve=resolver_with_fake
        )
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    with db.session() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None and account.status == "paused"
        assert "credentials" in (account.status_reason or "")
        kinds = session.scalars(select(Event.kind).where(Event.subject_id == brand.account_id))
        assert "alert.channel_auth" in set(kinds)
    assert outbox_row(db, sent.outbox_id).state == "queued"
    assert claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1) == []
    with db.write() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None
        configure_channel_account(
            session, account, {"token": "good"}, box=box, clock=clock, resolve=resolver_with_fake
        )
        resume_channel_account(session, brand.account_id, clock=clock)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    assert outbox_row(db, sent.outbox_id).state == "sent"


def test_permanent_failure_is_shown_to_the_agent(
    db: Database, clock: FrozenClock, brand: Brand, jobs: JobContext
) -> None:
    from heedful.errors import PermanentFailure
    from heedful.workers.fakeplatform import FakePlatformAdapter

    class Refusing(FakePlatformAdapter):
        def send(self, message):  # type: ignore[no-untyped-def]
            raise PermanentFailure("the post you answered was deleted")

    jobs.channels.resolve = lambda slug: Refusing
    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    claims = claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1)
    deliver_claimed(db, jobs.channels, claims[0], clock=clock, worker="w")
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "failed" and item.error_kind == "permanent"
    assert item.last_error == "the post you answered was deleted"
    with db.session() as session:
        kinds = set(session.scalars(select(Event.kind).where(Event.subject_id == sent.message_id)))
    assert "message.delivery_failed" in kinds


def test_an_echo_of_our_reply_is_the_same_message(
    db: Database, clock: FrozenClock, brand: Brand
) -> None:
    from heedful.domain import Author
    from heedful.services.pipeline import receive
    from heedful.services.replies import recognise_echoes

    conversation_id = a_conversation(db, brand.workspace_id, clock)
    sent = reply(db, conversation_id, clock, text="We're on it  ^AB")
    echo = customer_event("p77", clock, text="We're on it ^AB")
    echo = echo.__class__(
        **{
            **{f: getattr(echo, f) for f in echo.__dataclass_fields__},
            "direction": Direction.OUTBOUND,
            "author": Author("brand", "AcmeCare"),
            "in_reply_to": "m1",
        }
    )
    before = message_count(db)
    with db.write() as session:
        fresh = recognise_echoes(session, brand.workspace_id, [echo], clock=clock)
        assert fresh == []
        receive(session, brand.workspace_id, fresh, clock=clock)
    assert message_count(db) == before
    item = outbox_row(db, sent.outbox_id)
    assert item.state == "sent" and item.external_id == "p77"
    # the same echo again (a redelivered webhook) is a known message id: stored nothing
    with db.write() as session:
        fresh = recognise_echoes(session, brand.workspace_id, [echo], clock=clock)
        assert receive(session, brand.workspace_id, fresh, clock=clock).stored == 0
    assert message_count(db) == before


def test_cancel_and_retry(db: Database, clock: FrozenClock, brand: Brand) -> None:
    from heedful.errors import NotFound
    from heedful.services.outbox import cancel_delivery, retry_delivery

    sent = reply(db, a_conversation(db, brand.workspace_id, clock), clock)
    with db.write() as session:
        cancel_delivery(session, sent.outbox_id, clock=clock)
    assert claim_due(db, now=clock.now(), lease=timedelta(seconds=60), worker="w", limit=1) == []
    with db.write() as session:
        retry_delivery(session, sent.outbox_id, clock=clock)
    assert outbox_row(db, sent.outbox_id).state == "queued"
    with db.write() as session:
        try:
            retry_delivery(session, sent.outbox_id, clock=clock)
        except NotFound as exc:
            assert "only failed or cancelled" in str(exc)
        else:
            raise AssertionError("retrying a queued reply must be refused")


def test_many_replies_with_faults_are_each_posted_once(
    db: Database, clock: FrozenClock, brand: Brand, platform: FakePlatform, queue, jobs
) -> None:
    platform.faults = Faults(error_before=0.1, error_after=0.1, rate_limited=0.1, retry_after=1)
    conversation_id = a_conversation(db, brand.workspace_id, clock)
    for n in range(40):
        reply(db, conversation_id, clock, text=f"reply {n}", queue=queue)
    for _ in range(60):
        queue.run_pending()
        clock.advance(seconds=5)
    stats = platform.stats()
    assert stats["unique_keys"] == 40 and stats["duplicates"] == 0
    assert sum(stats["injected"].values()) > 0
    with db.session() as session:
        from heedful.services.outbox import outbox_counts

        assert outbox_counts(session) == {"sent": 40}
