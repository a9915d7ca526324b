"""Listening end to end, and polling of the same account keeping apart from it: a Mastodon
account with encrypted secrets talks to a local fake platform; matches go through ingest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from heedful.channels.recorded import load_cassette
from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.errors import ValidationFailed
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.listening import accounts_to_listen, listen_account, set_listening_rules
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, Message, Workspace
from heedful.workers.context import ChannelDirectory
from tests.conftest import shared_data


@pytest.fixture
def server() -> Iterator[PlatformServer]:
    with PlatformServer() as running:
        yield running


@pytest.fixture
def channels(clock: FrozenClock) -> Iterator[ChannelDirectory]:
    directory = ChannelDirectory(SecretBox("k" * 40), clock, http=httpx.Client(timeout=5.0))
    yield directory
    directory.close()


def account(
    db: Database, clock: FrozenClock, server: PlatformServer, box: SecretBox, rules: dict | None
) -> int:  # type: ignore[type-arg]
    with db.write() as session:
        workspace = create_workspace(session, slug="acme", name="Acme", clock=clock)
        if rules is not None:
            set_listening_rules(session, workspace, rules, clock=clock)
        found = add_channel_account(
            session, workspace, channel="mastodon", external_id="109", clock=clock
        )
        values = {"instance_url": server.base_url, "account_id": "109", "access_token": "tok"}
        configure_channel_account(session, found, values, box=box, clock=clock)
        return found.id


def status_body() -> bytes:
    cassette = shared_data("payloads", "mastodon", "mastodonpy__test_status.yaml")
    return load_cassette(cassette)[1].body


def test_matches_land_as_unsolicited_mentions_once(
    db: Database, clock: FrozenClock, server: PlatformServer, channels: ChannelDirectory
) -> None:
    account_id = account(
        db, clock, server, channels.box, {"hashtags": ["#acme"], "keywords": ["acme outage"]}
    )
    for _ in range(2):
        server.add("GET", "/api/v1/timelines/tag/acme", b"[" + status_body() + b"]")
        server.add("GET", "/api/v2/search", {"accounts": [], "statuses": [], "hashtags": []})

    first = listen_account(db, channels, account_id, clock=clock)
    second = listen_account(db, channels, account_id, clock=clock)

    assert (first.outcome, first.found, first.stored) == ("listened", 1, 1)
    assert (second.found, second.stored) == (1, 0)
    with db.session() as session:
        message = session.scalars(select(Message)).one()
        assert message.unsolicited and message.kind == "mention"
        assert message.channel_account_id == account_id
        cursor = session.get_one(ChannelAccount, account_id).cursor
    assert cursor == {"listening": {"tag:acme": "117020583223442465"}}
    assert (
        server.requests_to("/api/v1/timelines/tag/acme")[1].param("min_id") == "117020583223442465"
    )
    assert server.requests_to("/api/v2/search")[0].param("q") == "acme outage"


def test_polling_keeps_the_listening_position(
    db: Database, clock: FrozenClock, server: PlatformServer, channels: ChannelDirectory
) -> None:
    from heedful.services.polling import poll_account

    account_id = account(db, clock, server, channels.box, {"hashtags": ["acme"]})
    server.add("GET", "/api/v1/timelines/tag/acme", b"[" + status_body() + b"]")
    listen_account(db, channels, account_id, clock=clock)
    server.add("GET", "/api/v1/notifications", [])
    poll_account(
        db,
        channels,
        account_id,
        clock=clock,
        every=timedelta(minutes=1),
        lease=timedelta(minutes=2),
    )
    with db.session() as session:
        assert session.get_one(ChannelAccount, account_id).cursor["listening"] == {
            "tag:acme": "117020583223442465"
        }


def test_no_rules_no_search(
    db: Database, clock: FrozenClock, server: PlatformServer, channels: ChannelDirectory
) -> None:
    account_id = account(db, clock, server, channels.box, None)
    with db.session() as session:
        assert accounts_to_listen(session) == []
    assert listen_account(db, channels, account_id, clock=clock).outcome == "skipped"
    assert server.requests == []


def test_refused_token_pauses_the_account(
    db: Database, clock: FrozenClock, server: PlatformServer, channels: ChannelDirectory
) -> None:
    account_id = account(db, clock, server, channels.box, {"hashtags": ["acme"]})
    server.add(
        "GET", "/api/v1/timelines/tag/acme", {"error": "The access token is invalid"}, status=401
    )
    assert listen_account(db, channels, account_id, clock=clock).outcome == "paused"
    with db.session() as session:
        assert session.get_one(ChannelAccount, account_id).status == "paused"


def test_rules_are_validated(db: Database, clock: FrozenClock) -> None:
    with db.write() as session:
        workspace = create_workspace(session, slug="acme", name="Acme", clock=clock)
        with pytest.raises(ValidationFailed, match="language"):
            set_listening_rules(
                session, workspace, {"keywords": ["x"], "language": "English"}, clock=clock
            )
        assert session.get_one(Workspace, workspace.id).settings == {}
