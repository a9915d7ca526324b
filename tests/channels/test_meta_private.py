"""Private messages on Facebook and Instagram through the whole spine: the 24-hour messaging
window checked when the agent sends (and again when the worker delivers, and when an operator
retries), and "take it offline" from a public comment as Meta's one private reply to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from heedful.channels.facebook.adapter import FacebookAdapter
from heedful.channels.testing import PlatformServer
from heedful.cli import build_app
from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.domain import Visibility
from heedful.errors import ReplyWindowClosed
from heedful.services.contacts import link_identity
from heedful.services.outbox import retry_delivery
from heedful.services.reply_windows import PrivateReach, private_window
from heedful.store.db import Database
from heedful.store.tables import Contact, ContactIdentity, Conversation, Message, OutboxItem
from heedful.workers.context import JobQueue
from tests.channels.conftest import payload
from tests.channels.test_meta_pipeline import (
    FOLDER,
    MESSAGE_BASIC_AT,
    connect,
    customer_conversation,
    messages,
    post_signed,
    run_jobs,
)
from tests.workers.helpers import outbox_row
from tests.workers.helpers import reply as send

DM_PAGE = "12345654332"  # restfb__messaging-message-basic.json: the Page and the customer
DM_CUSTOMER = "987654321432"
WINDOW_CLOSES = MESSAGE_BASIC_AT + timedelta(hours=24)
# restfb__instagram__wh-comments-2021.json: comment 123456789 by 1234536447 on account "0",
# dated by the entry's "time"
IG_COMMENT_AT = datetime.fromtimestamp(1519399307, tz=UTC)
# restfb__feed-comment-add-211.json, "time" 1449135003: the recorded comment is the Page's own
# (from.id is the Page's); here a customer wrote it
FB_PAGE = "1234567890321"
FB_COMMENT = "901097836652708_903438993085259"
FB_COMMENT_AT = datetime.fromtimestamp(1449135003, tz=UTC)
FB_COMMENTER = "1254459154682919"  # the person's id as a commenter
FB_PSID = "7654321098765432"  # the same person's Messenger id (page-scoped): another id


@pytest.fixture
def graph() -> Iterator[PlatformServer]:
    with PlatformServer() as server:
        yield server


def reply(
    db: Database,
    conversation_id: int,
    clock: FrozenClock,
    text: str = "Let's sort this out privately ^AB",
    queue: JobQueue | None = None,
) -> int:
    """An agent's private reply; its outbox row's id."""
    return send(db, conversation_id, clock, text, queue, Visibility.PRIVATE).outbox_id


def jobs(client: TestClient) -> JobQueue:
    return client.app.state.jobs  # type: ignore[attr-defined,no-any-return]


def instagram_comment(
    db: Database, settings: Settings, clock: FrozenClock, graph: PlatformServer, client: TestClient
) -> Message:
    """The recorded Instagram comment, through the webhook: the customer's public message."""
    brand = connect(db, settings, clock, "instagram", "0", graph)
    body = payload(FOLDER, "restfb__instagram__wh-comments-2021.json").read_bytes()
    assert post_signed(client, "instagram", brand.account_id, body) == 200
    run_jobs(client)
    (comment,) = messages(db)
    return comment


# -- the 24-hour messaging window -------------------------------------------------------------


def test_after_24_hours_a_private_message_is_refused_when_sent_not_queued(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    _, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    clock.set(WINDOW_CLOSES + timedelta(minutes=1))

    with pytest.raises(ReplyWindowClosed) as refused:
        reply(db, conversation_id, clock, queue=jobs(app_client))

    assert refused.value.closed_at == WINDOW_CLOSES
    assert "24-hour window for private messages closed at 13 Mar 2016 06:29 UTC" in str(
        refused.value
    )
    assert "human-agent tag" in str(refused.value)  # says what Heedful does not do
    assert [m.direction for m in messages(db)] == ["in"]  # nothing stored, nothing queued
    with db.session() as session:
        assert session.scalars(select(OutboxItem)).all() == []
    run_jobs(app_client)
    assert graph.requests == []


def test_a_reply_held_back_past_the_window_is_not_delivered_nor_retried(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    _, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    clock.set(WINDOW_CLOSES - timedelta(minutes=1))
    outbox_id = reply(db, conversation_id, clock, queue=jobs(app_client))  # still open
    clock.set(WINDOW_CLOSES + timedelta(minutes=5))  # the worker gets to it too late

    run_jobs(app_client)

    item = outbox_row(db, outbox_id)
    assert (item.state, item.error_kind) == ("failed", "permanent")
    assert item.last_error and "24-hour messaging window closed" in item.last_error
    assert graph.requests_to(f"/v21.0/{DM_PAGE}/messages") == []
    with db.write() as session, pytest.raises(ReplyWindowClosed, match="window"):
        retry_delivery(session, outbox_id, clock=clock)
    assert outbox_row(db, outbox_id).state == "failed"


def test_the_cli_retry_refuses_a_private_message_whose_window_closed(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    outbox_id = reply(db, conversation_id, clock)
    with db.write() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None
        item.state = "failed"  # say Meta was down until the window had closed
    for name, value in {
        "HEEDFUL_ENVIRONMENT": "test",
        "HEEDFUL_DATABASE_URL": database_url,
        "HEEDFUL_DATA_DIR": str(tmp_path / "cli"),
        "HEEDFUL_SECRET_KEY": settings.secret_key_value(),
    }.items():
        monkeypatch.setenv(name, value)

    # the command's clock is the real one: years after the recorded customer message
    result = CliRunner().invoke(build_app(), ["outbox", "retry", str(outbox_id)])

    assert result.exit_code == 1
    assert "24-hour window for private messages closed at 13 Mar 2016 06:29 UTC" in result.stderr
    assert outbox_row(db, outbox_id).state == "failed"


# -- "take it offline" from a public comment: Meta's private reply ----------------------------


def test_take_it_offline_from_an_instagram_comment_is_its_private_reply(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    comment = instagram_comment(db, settings, clock, graph, app_client)
    graph.add("POST", "/v21.0/0/messages", {"recipient_id": "6543210987", "message_id": "aWdf1"})
    clock.set(IG_COMMENT_AT + timedelta(days=2))

    outbox_id = reply(db, comment.conversation_id, clock, queue=jobs(app_client))
    run_jobs(app_client)

    (request,) = graph.requests_to("/v21.0/0/messages")
    assert request.json() == {
        "recipient": {"comment_id": "123456789"},
        "message": {"text": "Let's sort this out privately ^AB"},
    }
    item = outbox_row(db, outbox_id)
    assert item.request["comment_id"] == "123456789" and item.request["recipient"] is None
    assert (item.state, item.external_id) == ("sent", "aWdf1")
    sent = messages(db)[-1]
    assert (sent.visibility, sent.kind, sent.in_reply_to_external_id) == (
        "private",
        "dm",
        "123456789",
    )
    # Meta allows one per comment: a second private message waits for the customer's answer
    with pytest.raises(ReplyWindowClosed, match="already has its private reply"):
        reply(db, comment.conversation_id, clock, text="Did you see my message?")


def test_a_comment_older_than_7_days_gets_no_private_reply(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    comment = instagram_comment(db, settings, clock, graph, app_client)
    clock.set(IG_COMMENT_AT + timedelta(days=7, minutes=1))

    with pytest.raises(ReplyWindowClosed) as refused:
        reply(db, comment.conversation_id, clock)

    text = str(refused.value)
    assert "has not written to this account privately" in text
    assert "older than 7 days" in text
    assert "reply in public" in text  # the comment can still be answered under it
    assert refused.value.closed_at is None  # no messaging window ever opened
    assert graph.requests == []


def test_a_facebook_comment_goes_offline_then_on_in_messenger(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand = connect(db, settings, clock, "facebook", FB_PAGE, graph)
    recorded = payload(FOLDER, "restfb__feed-comment-add-211.json").read_bytes()
    by_customer = recorded.replace(
        b'"from": {\n              "id": "1234567890321",\n              "name": "Tester"',
        f'"from": {{\n              "id": "{FB_COMMENTER}",\n              "name": "Kim"'.encode(),
    )
    assert by_customer != recorded
    assert post_signed(app_client, "facebook", brand.account_id, by_customer) == 200
    run_jobs(app_client)
    (comment,) = messages(db)
    assert (comment.direction, comment.kind) == ("in", "comment")
    graph.add("POST", f"/v21.0/{FB_PAGE}/messages", {"recipient_id": FB_PSID, "message_id": "m_1"})
    clock.set(FB_COMMENT_AT + timedelta(hours=3))

    first = reply(db, comment.conversation_id, clock, queue=jobs(app_client))
    run_jobs(app_client)

    assert graph.requests[-1].json()["recipient"] == {"comment_id": FB_COMMENT}
    assert outbox_row(db, first).state == "sent"

    # The customer answers in Messenger (the recorded message, on this Page, from their PSID,
    # an hour later); an agent links the two identities: the same person.
    dm = payload(FOLDER, "restfb__messaging-message-basic.json").read_bytes()
    answered_at = FB_COMMENT_AT + timedelta(hours=4)
    dm = (
        dm.replace(DM_PAGE.encode(), FB_PAGE.encode())
        .replace(DM_CUSTOMER.encode(), FB_PSID.encode())
        .replace(b"1457764197627", str(int(answered_at.timestamp() * 1000)).encode())
    )
    assert post_signed(app_client, "facebook", brand.account_id, dm) == 200
    run_jobs(app_client)
    with db.write() as session:
        commenter = session.scalars(
            select(ContactIdentity).where(ContactIdentity.external_id == FB_COMMENTER)
        ).one()
        messenger = session.scalars(
            select(ContactIdentity).where(ContactIdentity.external_id == FB_PSID)
        ).one()
        contact = session.get(Contact, commenter.contact_id)
        assert contact is not None
        link_identity(session, messenger, contact, clock=clock)
    graph.add("POST", f"/v21.0/{FB_PAGE}/messages", {"recipient_id": FB_PSID, "message_id": "m_2"})
    clock.set(answered_at + timedelta(hours=20))

    # From the comment thread again: now a Messenger message to the PSID, in the window
    second = reply(
        db, comment.conversation_id, clock, text="Refund sent ^AB", queue=jobs(app_client)
    )
    run_jobs(app_client)

    assert graph.requests[-1].json() == {
        "recipient": {"id": FB_PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Refund sent ^AB"},
    }
    item = outbox_row(db, second)
    assert (item.state, item.request.get("comment_id")) == ("sent", None)
    clock.set(answered_at + timedelta(hours=24, seconds=1))
    with pytest.raises(ReplyWindowClosed, match="24-hour window"):
        reply(db, comment.conversation_id, clock, text="One more thing")


def test_the_window_runs_from_the_customers_last_private_message(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    _, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        (message,) = session.scalars(select(Message)).all()
        assert conversation is not None and message.channel_account_id is not None
        window = private_window(
            session,
            conversation,
            message.channel_account_id,
            FacebookAdapter.capabilities,
            clock.now(),
        )
    assert window.reach is PrivateReach.MESSAGE
    assert window.closes_at == WINDOW_CLOSES
    assert window.via is not None and window.via.external_id == message.external_id
