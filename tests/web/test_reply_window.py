"""The composer shows when private messages close (Messenger's 24-hour window, the one private
reply to an Instagram comment), disables them once closed with the reason, and the form and
the API refuse a private message after the deadline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from heedful.channels.base import ChannelAdapter
from heedful.channels.facebook.adapter import FacebookAdapter
from heedful.channels.instagram.adapter import InstagramAdapter
from heedful.clock import FrozenClock
from heedful.services.ingest import ingest_events
from heedful.services.workspaces import add_channel_account
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, OutboxItem, Workspace
from tests.conftest import shared_data
from tests.web.conftest import Browser, World

FOLDER = "facebook_instagram"
PAGE = "12345654332"  # restfb__messaging-message-basic.json
DM_AT = datetime.fromtimestamp(1457764197.627, tz=UTC)  # its "timestamp"
COMMENT_AT = datetime.fromtimestamp(1519399307, tz=UTC)  # restfb__instagram__wh-comments-2021
PRIVATE_RADIO = re.compile(r'<input type="radio" name="mode" value="private"[^>]*>')


def recorded(world: World, db: Database, clock: FrozenClock, channel: str, name: str) -> int:
    """Brand A receives the recorded payload on a ``channel`` account; its conversation id."""
    adapters: dict[str, type[ChannelAdapter[Any]]] = {
        "facebook": FacebookAdapter,
        "instagram": InstagramAdapter,
    }
    events = (
        adapters[channel].unconfigured().parse(shared_data("payloads", FOLDER, name).read_bytes())
    )
    account = PAGE if channel == "facebook" else "0"
    with db.write() as session:
        workspace = session.get(Workspace, world.a_id)
        assert workspace is not None
        add_channel_account(session, workspace, channel=channel, external_id=account, clock=clock)
        ingest_events(session, world.a_id, list(events.events), clock=clock)
        return session.scalars(select(Conversation.id).where(Conversation.channel == channel)).one()


def private_radio(page: str) -> str:
    match = PRIVATE_RADIO.search(page)
    assert match
    return match.group(0)


def test_the_composer_shows_when_the_messenger_window_closes(
    as_agent: Callable[[str], Browser], world: World, db: Database, clock: FrozenClock
) -> None:
    conversation = recorded(world, db, clock, "facebook", "restfb__messaging-message-basic.json")
    clock.set(DM_AT + timedelta(hours=21))
    anna = as_agent("anna")

    page = anna.get(f"/conversations/{conversation}").text

    assert "Private replies possible until 06:29 UTC — 3 h left" in page
    assert "disabled" not in private_radio(page)
    assert 'data-seconds-left="10800"' in page  # the page counts down and closes it itself


def test_after_the_window_the_private_option_is_off_and_sending_is_refused(
    as_agent: Callable[[str], Browser],
    api_client: TestClient,
    world: World,
    db: Database,
    clock: FrozenClock,
) -> None:
    conversation = recorded(world, db, clock, "facebook", "restfb__messaging-message-basic.json")
    clock.set(DM_AT + timedelta(hours=24, minutes=1))
    anna = as_agent("anna")

    page = anna.get(f"/conversations/{conversation}").text

    assert "disabled" in private_radio(page)
    assert re.search(r'id="take-offline"[^>]*disabled', page)
    assert "Private messages are not possible now" in page
    assert "24-hour window for private messages closed at 13 Mar 2016 06:29 UTC" in page
    assert "human-agent tag (up to 7 days) is not used by Heedful" in page
    assert "wait for the customer to write again" in page  # a DM thread: nothing public

    form = anna.post(
        f"/conversations/{conversation}/reply",
        {"text": "Here is your refund", "mode": "private", "acknowledgement": "Sent you a DM"},
    )
    api = api_client.post(
        f"/api/v1/conversations/{conversation}/replies",
        json={"text": "Here is your refund", "visibility": "private"},
    )

    assert form.status_code == 409 and "window for private messages closed" in form.text
    assert api.status_code == 409
    assert "window for private messages closed" in api.json()["detail"]
    with db.session() as session:  # neither the message nor its acknowledgement went out
        assert session.scalars(select(Message).where(Message.direction == "out")).all() == []
        assert session.scalars(select(OutboxItem)).all() == []


def test_within_the_window_the_api_sends(
    api_client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    conversation = recorded(world, db, clock, "facebook", "restfb__messaging-message-basic.json")
    clock.set(DM_AT + timedelta(hours=23, minutes=59))

    sent = api_client.post(
        f"/api/v1/conversations/{conversation}/replies",
        json={"text": "Here is your refund", "visibility": "private"},
    )

    assert sent.status_code == 201
    with db.session() as session:
        item = session.scalars(select(OutboxItem)).one()
    assert item.request["recipient"] == "987654321432"


def test_an_instagram_comment_offers_its_one_private_reply(
    as_agent: Callable[[str], Browser], world: World, db: Database, clock: FrozenClock
) -> None:
    conversation = recorded(
        world, db, clock, "instagram", "restfb__instagram__wh-comments-2021.json"
    )
    clock.set(COMMENT_AT + timedelta(days=5))
    anna = as_agent("anna")

    page = anna.get(f"/conversations/{conversation}").text

    assert (
        "One private reply to this comment possible until Fri 02 Mar 15:21 UTC — 2 d left" in page
    )
    assert "disabled" not in private_radio(page)

    anna.post(
        f"/conversations/{conversation}/reply",
        {"text": "Let's sort it out in private", "mode": "private", "acknowledgement": "DM sent"},
    )
    page = anna.get(f"/conversations/{conversation}").text

    assert "already has its private reply" in page
    assert "disabled" in private_radio(page)
    with db.session() as session:
        requests = [item.request for item in session.scalars(select(OutboxItem))]
    assert {"recipient": None, "comment_id": "123456789"}.items() <= requests[-1].items()
    assert len(requests) == 2  # the public acknowledgement, then the private reply


def test_the_composer_says_when_a_reply_goes_to_the_reply_to_address(
    as_agent: Callable[[str], Browser], world: World, db: Database, clock: FrozenClock
) -> None:
    from heedful.channels.email.adapter import EmailAdapter
    from heedful.channels.email.config import EmailConfig
    from heedful.services.pipeline import receive

    raw = shared_data("payloads", "email", "flanker__from-encoding.eml").read_bytes()
    events = EmailAdapter(EmailConfig(address="care@acme.example"), clock=clock).parse(raw)
    with db.write() as session:
        workspace = session.get(Workspace, world.a_id)
        assert workspace is not None
        add_channel_account(
            session, workspace, channel="email", external_id="care@acme.example", clock=clock
        )
        receive(session, world.a_id, list(events.events), clock=clock)
        conversation = session.scalars(
            select(Conversation.id).where(Conversation.channel == "email")
        ).one()

    page = as_agent("anna").get(f"/conversations/{conversation}").text

    assert "Your reply goes to new-httpd@apache.org" in page
    assert 'id="private-window"' not in page  # e-mail has no messaging window
