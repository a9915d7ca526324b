"""REST API v1: filters, cursor pagination, detail routes, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.services.agents import add_member, create_agent
from heedful.services.auth import create_api_token
from heedful.services.ingest import ingest_events
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import Workspace
from heedful.web.api.schemas import ConversationPage, ConversationPublic
from heedful.web.app import create_app
from tests.factories import customer, event


@pytest.fixture
def client(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    with db.write() as session:
        ws = create_workspace(session, slug="acme", name="Acme", clock=clock).id
        other = create_workspace(session, slug="other", name="Other", clock=clock).id
        events = []
        for i in range(30):
            author = customer(f"c{i}")
            events.append(event(f"{i}", author=author, minutes=i * 10, text=f"router broken {i}"))
            if i % 3 == 0:
                events.append(event(f"{i}r", minutes=i * 10 + 5, reply_to=f"{i}", outbound=True))
        events.append(
            event("m1", author=customer("mast"), minutes=400, channel="mastodon", text="hello")
        )
        ingest_events(session, ws, events, clock=clock)
        ingest_events(session, other, [event("o1", minutes=1000, text="other brand")], clock=clock)
        from heedful.store import search

        search.index_pending(session)
        token = _member_of_both(session, clock)
    app = create_app(settings, database=db, clock=clock)
    with TestClient(app) as test_client:
        test_client.headers["authorization"] = f"Bearer {token}"
        yield test_client


def _member_of_both(session: Session, clock: FrozenClock) -> str:
    """An agent of both workspaces, signed in with an API token."""
    agent = create_agent(session, email="api@example.com", name="Api User", clock=clock)
    for workspace in session.scalars(select(Workspace)):
        add_member(session, agent, workspace, role="agent", clock=clock)
    plain, _ = create_api_token(session, agent, "tests", clock=clock)
    return plain


def test_conversations_newest_activity_first_with_cursor_pagination(client: TestClient) -> None:
    seen: list[int] = []
    stamps: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"workspace": "acme", "limit": 7}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/conversations", params=params).json()
        ConversationPage.model_validate(body)
        seen += [item["id"] for item in body["items"]]
        stamps += [item["last_activity_at"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 31
    assert stamps == sorted(stamps, reverse=True)


def test_filters(client: TestClient) -> None:
    get = lambda **p: client.get("/api/v1/conversations", params=p).json()["items"]  # noqa: E731
    assert {c["channel"] for c in get(channel="mastodon")} == {"mastodon"}
    assert len(get(channel="mastodon")) == 1
    assert {c["workspace"] for c in get(workspace="other")} == {"other"}
    assert len(get()) == 32  # both workspaces
    hits = get(q="broken 7")
    assert [c["preview"] for c in hits] == ["router broken 7"]
    assert get(status="resolved") == []
    answered = [c for c in get(workspace="acme", limit=200) if c["first_response_at"]]
    assert len(answered) == 10


def test_bad_cursor_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/v1/conversations", params={"cursor": "garbage!"})
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


def test_conversation_detail_has_messages_in_order(client: TestClient) -> None:
    first = client.get(
        "/api/v1/conversations", params={"workspace": "acme", "q": "broken 3"}
    ).json()
    conv_id = first["items"][0]["id"]
    body = client.get(f"/api/v1/conversations/{conv_id}").json()
    ConversationPublic.model_validate(body)
    assert [m["direction"] for m in body["messages"]] == ["in", "out"]
    contact = client.get(f"/api/v1/contacts/{body['contact_id']}").json()
    assert contact["identities"][0]["channel"] == "x"
    assert contact["conversation_count"] == 1


def test_unknown_rows_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/conversations/999999").status_code == 404
    assert client.get("/api/v1/contacts/999999").status_code == 404
    assert client.get("/api/v1/conversations", params={"workspace": "nope"}).status_code == 404


def test_openapi_and_health(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/conversations" in spec["paths"]
    assert client.get("/healthz").json()["status"] == "ok"


def test_pages_render(client: TestClient) -> None:
    inbox = client.get("/", headers={"accept": "text/html"})
    assert inbox.status_code == 200
    assert "router broken" in inbox.text
    conv_id = client.get("/api/v1/conversations", params={"limit": 1}).json()["items"][0]["id"]
    page = client.get(f"/conversations/{conv_id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    missing = client.get("/conversations/999999", headers={"accept": "text/html"})
    assert missing.status_code == 404
    assert "<html" in missing.text
