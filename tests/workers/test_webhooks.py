"""Webhooks over real HTTP: verify, store raw, answer 200; the job ingests; bad bodies are
quarantined, never lost; stored bodies replay without duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from heedful.channels.webhook.signing import sign
from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.services.webhooks import mark_for_replay
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, Quarantine, RawEvent
from heedful.web.app import create_app
from heedful.workers.fakeplatform import resolver_with_fake

from .conftest import WEBHOOK_SECRET, Brand


@pytest.fixture
def app(settings: Settings, db: Database, clock: FrozenClock, brand: Brand) -> Iterator[FastAPI]:
    application = create_app(settings, database=db, clock=clock)
    application.state.channels.resolve = resolver_with_fake
    yield application
    application.state.channels.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def body_of(*ids: str, clock: FrozenClock, text: str = "where is my parcel?") -> bytes:
    events = [
        {
            "id": ident,
            "text": text,
            "created_at": clock.now().isoformat(),
            "author": {"id": f"u-{ident}", "handle": f"user{ident}", "followers": 12},
        }
        for ident in ids
    ]
    return json.dumps({"events": events}).encode()


def post(client: TestClient, brand: Brand, body: bytes, clock: FrozenClock, **kw: Any) -> Any:
    headers = sign(kw.pop("secret", WEBHOOK_SECRET), body, clock.now())
    url = f"/webhooks/{kw.pop('channel', 'fake')}/{kw.pop('account', brand.account_id)}"
    return client.post(url, content=body, headers=headers | {"Content-Type": "application/json"})


def count(db: Database, model: Any, *where: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_verified_body_is_stored_raw_then_ingested_by_the_job(
    client: TestClient, app: FastAPI, db: Database, clock: FrozenClock, brand: Brand
) -> None:
    response = post(client, brand, body_of("e1", "e2", clock=clock), clock)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert count(db, RawEvent, RawEvent.status == "pending") == 1
    assert count(db, Message) == 0  # answered before any processing
    app.state.jobs.run_pending()
    assert count(db, RawEvent, RawEvent.status == "processed") == 1
    with db.session() as session:
        rows = session.execute(select(Message.external_id, Message.raw_ref)).all()
        conversation = session.scalars(select(Conversation)).first()
    assert sorted(rows) == [("e1", "raw_event:1"), ("e2", "raw_event:1")]
    assert conversation is not None and conversation.channel_account_id == brand.account_id


def test_a_bad_signature_is_refused_and_nothing_is_kept(
    client: TestClient, db: Database, clock: FrozenClock, brand: Brand
) -> None:
    response = post(client, brand, body_of("e1", clock=clock), clock, secret="wrong")
    assert response.status_code == 401
    assert count(db, RawEvent) == 0


def test_unknown_account_or_channel_is_404(
    client: TestClient, clock: FrozenClock, brand: Brand
) -> None:
    assert post(client, brand, b"{}", clock, account=999).status_code == 404
    assert post(client, brand, b"{}", clock, channel="x").status_code == 404


def test_webhooks_need_no_sign_in(client: TestClient, clock: FrozenClock, brand: Brand) -> None:
    # the rest of the app refuses anonymous requests; webhooks authenticate by signature
    assert client.get("/api/v1/conversations").status_code in (401, 403)
    assert post(client, brand, body_of("e9", clock=clock), clock).status_code == 200


def test_a_redelivered_body_is_kept_once(
    client: TestClient, app: FastAPI, db: Database, clock: FrozenClock, brand: Brand
) -> None:
    body = body_of("e1", clock=clock)
    assert post(client, brand, body, clock).json()["duplicate"] is False
    assert post(client, brand, body, clock).json()["duplicate"] is True
    app.state.jobs.run_pending()
    assert count(db, RawEvent) == 1 and count(db, Message) == 1


def test_a_body_the_adapter_refuses_is_quarantined_with_the_reason(
    client: TestClient, app: FastAPI, db: Database, clock: FrozenClock, brand: Brand
) -> None:
    bad = b'{"events": [{"id": "e1"}]}'
    assert post(client, brand, bad, clock).status_code == 200
    app.state.jobs.run_pending()
    with db.session() as session:
        raw = session.scalars(select(RawEvent)).one()
        kept = session.scalars(select(Quarantine)).one()
    assert raw.status == "quarantined" and "does not follow the webhook schema" in (raw.error or "")
    assert kept.raw == bad and kept.source == "webhook:fake" and kept.locator == "raw_event:1"


def test_replay_stores_only_what_is_missing(
    client: TestClient, app: FastAPI, db: Database, clock: FrozenClock, brand: Brand
) -> None:
    post(client, brand, body_of("e1", "e2", clock=clock), clock)
    app.state.jobs.run_pending()
    with db.write() as session:
        session.execute(Message.__table__.delete().where(Message.external_id == "e2"))
        assert mark_for_replay(session, ids=[1]) == 1
    clock.advance(seconds=5)  # the sweep finds pending raw events
    app.state.jobs.run_pending()
    with db.session() as session:
        ids = sorted(session.scalars(select(Message.external_id)))
    assert ids == ["e1", "e2"]
    with db.write() as session:
        mark_for_replay(session, since=clock.now() - timedelta(minutes=1))
    clock.advance(seconds=5)
    app.state.jobs.run_pending()
    with db.session() as session:
        assert session.scalar(select(RawEvent.status)) == "processed"
    assert count(db, Message) == 2


def test_the_handshake_is_answered_by_the_adapter(
    client: TestClient, clock: FrozenClock, brand: Brand
) -> None:
    response = client.get(f"/webhooks/fake/{brand.account_id}", params={"crc_token": "x"})
    assert response.status_code == 404
    assert "no webhook handshake" in response.json()["detail"]
