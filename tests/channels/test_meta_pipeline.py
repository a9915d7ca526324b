"""Facebook and Instagram through the whole spine: the web app's webhook endpoint (signature,
raw body stored, 200), the processing job (parse, hydrate, ingest), the handshake, and a
reply out through the outbox to a local Graph server — whose echo is not stored twice."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.domain import Visibility
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.replies import send_reply
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, OutboxItem, RawEvent
from tests.channels.conftest import payload

APP_SECRET = "meta-app-secret-for-tests"
# restfb__messaging-message-basic.json: the customer's message, "timestamp": 1457764197627
MESSAGE_BASIC_AT = datetime.fromtimestamp(1457764197.627, tz=UTC)
FOLDER = "facebook_instagram"


@dataclass
class Brand:
    workspace_id: int
    account_id: int


@pytest.fixture
def graph() -> Iterator[PlatformServer]:
    with PlatformServer() as server:
        yield server


def connect(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    channel: str,
    page: str,
    graph: PlatformServer,
) -> Brand:
    with db.write() as session:
        workspace = create_workspace(session, slug=f"acme-{channel}", name="Acme", clock=clock)
        account = add_channel_account(
            session, workspace, channel=channel, external_id=page, clock=clock
        )
        values = {
            "account_id": page,
            "app_secret": APP_SECRET,
            "verify_token": "verify-me",
            "access_token": "page-token",
            "graph_url": graph.base_url,
        }
        configure_channel_account(
            session, account, values, box=SecretBox(settings.secret_key_value()), clock=clock
        )
        return Brand(workspace.id, account.id)


def post_signed(
    client: TestClient, channel: str, account_id: int, body: bytes, secret: str = APP_SECRET
) -> int:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        f"/webhooks/{channel}/{account_id}",
        content=body,
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
    )
    return response.status_code


def run_jobs(client: TestClient) -> None:
    client.app.state.jobs.run_pending()  # type: ignore[attr-defined]


def messages(db: Database) -> list[Message]:
    with db.session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_a_signed_webhook_is_stored_then_ingested(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand = connect(db, settings, clock, "facebook", "1234567890321", graph)
    body = payload(FOLDER, "restfb__feed-post-add-25.json").read_bytes()

    assert post_signed(app_client, "facebook", brand.account_id, body, secret="forged") == 401
    assert post_signed(app_client, "facebook", brand.account_id, body) == 200
    run_jobs(app_client)

    (message,) = messages(db)
    assert (message.channel, message.external_id, message.direction) == (
        "facebook",
        "1234567890321_7293787835232",
        "in",
    )
    assert message.channel_account_id == brand.account_id
    assert message.raw_ref and message.raw_ref.startswith("raw_event:")
    with db.session() as session:
        (raw,) = session.scalars(select(RawEvent))
        assert raw.body == body and raw.status == "processed"


def test_receipts_are_stored_raw_but_make_no_message(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand = connect(db, settings, clock, "facebook", "12345654332", graph)
    body = payload(FOLDER, "restfb__messaging-read-basic.json").read_bytes()

    assert post_signed(app_client, "facebook", brand.account_id, body) == 200
    run_jobs(app_client)

    assert messages(db) == []
    with db.session() as session:
        (raw,) = session.scalars(select(RawEvent))
        assert raw.error and "read receipt" in raw.error


def test_the_subscription_handshake(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand = connect(db, settings, clock, "instagram", "17841452691600098", graph)
    query = {"hub.mode": "subscribe", "hub.challenge": "8213", "hub.verify_token": "verify-me"}

    good = app_client.get(f"/webhooks/instagram/{brand.account_id}", params=query)
    bad = app_client.get(
        f"/webhooks/instagram/{brand.account_id}", params={**query, "hub.verify_token": "x"}
    )

    assert (good.status_code, good.text) == (200, "8213")
    assert bad.status_code == 403


def test_an_instagram_mention_is_completed_before_ingest(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand = connect(db, settings, clock, "instagram", "0", graph)
    graph.add(
        "GET",
        "/v21.0/0",
        {
            "mentioned_comment": {
                "id": "17887498072083520",
                "text": "@acme where is my parcel?",
                "timestamp": "2018-02-23T15:21:49+0000",
                "from": {"id": "4455", "username": "kim"},
            }
        },
    )
    body = payload(FOLDER, "restfb__instagram__wh-mentions.json").read_bytes()

    assert post_signed(app_client, "instagram", brand.account_id, body) == 200
    run_jobs(app_client)

    (message,) = messages(db)
    assert message.text == "@acme where is my parcel?"
    assert message.kind == "mention"


def customer_conversation(
    db: Database, settings: Settings, clock: FrozenClock, graph: PlatformServer, client: TestClient
) -> tuple[Brand, int]:
    brand = connect(db, settings, clock, "facebook", "12345654332", graph)
    customer = payload(FOLDER, "restfb__messaging-message-basic.json").read_bytes()
    assert post_signed(client, "facebook", brand.account_id, customer) == 200
    run_jobs(client)
    clock.set(MESSAGE_BASIC_AT + timedelta(hours=1))  # the agent answers within the hour
    with db.session() as session:
        return brand, session.scalars(select(Conversation.id)).one()


def reply_in(db: Database, conversation_id: int, clock: FrozenClock, queue: object = None) -> int:
    with db.write() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        sent = send_reply(
            session,
            agent=None,
            conversation=conversation,
            text="hello, world!",
            visibility=Visibility.PRIVATE,
            clock=clock,
            queue=queue,  # type: ignore[arg-type]
        )
        return sent.outbox_id


def test_a_messenger_reply_goes_out_once_through_the_send_api(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    _, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    graph.add(
        "POST",
        "/v21.0/12345654332/messages",
        {"recipient_id": "987654321432", "message_id": "m_out_1"},
    )

    outbox_id = reply_in(db, conversation_id, clock, app_client.app.state.jobs)  # type: ignore[attr-defined]
    run_jobs(app_client)
    run_jobs(app_client)

    (request,) = graph.requests_to("/v21.0/12345654332/messages")
    assert request.json()["recipient"] == {"id": "987654321432"}
    with db.session() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None and (item.state, item.external_id) == ("sent", "m_out_1")
    assert [m.direction for m in messages(db)] == ["in", "out"]


def test_an_echo_that_arrives_first_confirms_the_reply_instead_of_doubling_it(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    graph: PlatformServer,
    app_client: TestClient,
) -> None:
    brand, conversation_id = customer_conversation(db, settings, clock, graph, app_client)
    outbox_id = reply_in(db, conversation_id, clock)  # queued; no worker has sent it yet
    # The recorded echo reuses the customer's mid; a real echo has its own.
    echo = payload(FOLDER, "restfb__messaging-message-basic-echo.json").read_bytes()
    echo = echo.replace(b"41d102a3e1ae206a38", b"0123456789abcdef00")

    assert post_signed(app_client, "facebook", brand.account_id, echo) == 200
    run_jobs(app_client)

    with db.session() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None and item.state == "sent"
        assert item.external_id == "mid.1457764197618:0123456789abcdef00"
    assert [m.direction for m in messages(db)] == ["in", "out"]
    assert graph.requests_to("/v21.0/12345654332/messages") == []
