"""Tenant isolation, proved as a matrix: an admin of brand A calls every route of the app (as
enumerated from the app itself) with brand B's ids, slugs and form values, through the
browser session and through an API token. Every answer is a refusal or shows nothing of B,
and afterwards B's rows are exactly as they were."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from heedful.store.base import metadata
from heedful.store.db import Database
from heedful.web.auth import PUBLIC_PATHS
from tests.web.conftest import B_MARKER, Browser, World
from tests.web.routes import app_routes

REFUSED = {401, 403, 404, 405, 409, 422}


def path_values(world: World) -> dict[str, int | str]:
    """B's id for every path parameter name used by a route. A route with a parameter not
    listed here fails the test: add it, so the new route is checked too."""
    return {
        "conversation_id": world.b_conversation,
        "contact_id": world.b_contact,
        "identity_id": world.b_identity,
        "view_id": world.b_view,
        "token_id": world.b_token,
        "agent_id": world.agents["bob"],
        "message_id": 10**9,
        "note_id": 10**9,
        "account_id": world.b_account,
        "article_id": world.b_article,
        "slug": "zebra",
    }


def form_values(world: World, slug: str) -> dict[str, Any]:
    return {
        "workspace": slug,
        "identity_id": world.b_identity,
        "back": world.b_conversation,
        "conversation_id": world.b_conversation,
        "agent_id": world.agents["bob"],
        "owner_id": world.agents["bob"],
        "text": "hello",
        "name": "x",
        "email": "bob@example.com",
        "role": "admin",
        "mode": "public",
    }


def snapshot_b(db: Database, world: World) -> str:
    """A digest of every row that belongs to brand B or its agents."""
    owned_by_agent = {"web_session", "api_token", "saved_view"}
    b_agents = [world.agents["bob"], world.agents["bea"]]
    digest = hashlib.sha256()
    with db.session() as s:
        for table in metadata.sorted_tables:
            if table.name not in _existing_tables(s):
                continue
            if "workspace_id" in table.c:
                where = table.c.workspace_id == world.b_id
            elif table.name in owned_by_agent:
                where = table.c.agent_id.in_(b_agents)
            elif table.name == "agent":
                where = table.c.id.in_(b_agents)
            else:
                continue
            rows = s.execute(select(table).where(where).order_by(*table.primary_key.columns)).all()
            digest.update(table.name.encode() + orjson.dumps([list(map(str, r)) for r in rows]))
    return digest.hexdigest()


def _existing_tables(session: Session) -> set[str]:
    return set(inspect(session.get_bind()).get_table_names())


def call_every_route(
    send: Callable[[str, str, dict[str, Any]], httpx.Response], world: World, slug: str
) -> list[str]:
    """Call every non-public route with B's values; returns the problems found."""
    problems = []
    values = path_values(world)
    for route in app_routes(send.__self__.client.app):  # type: ignore[attr-defined]
        if route.path in PUBLIC_PATHS:
            continue
        missing = [p for p in route.params if p not in values]
        assert not missing, f"{route.path}: map {missing} to brand B's ids in path_values()"
        path = route.path
        for name in route.params:
            path = path.replace("{" + name + "}", str(values[name]))
        for method in sorted(route.methods):
            response = send(method, path, form_values(world, slug))
            problem = judge(method, path, response)
            if problem:
                problems.append(problem)
    return problems


def judge(method: str, path: str, response: httpx.Response) -> str | None:
    if response.status_code in REFUSED:
        return None
    if B_MARKER.lower() in response.text.lower():
        return f"{method} {path}: {response.status_code} shows brand B's data"
    if response.status_code >= 500:
        return f"{method} {path}: server error {response.status_code}"
    return None


class Caller:
    def __init__(self, browser: Browser) -> None:
        self.client = browser.client
        self.browser = browser

    def form(self, method: str, path: str, values: dict[str, Any]) -> httpx.Response:
        if method == "GET":
            return self.client.get(
                path, params={"workspace": values["workspace"]}, headers={"accept": "text/html"}
            )
        return self.client.request(
            method,
            path,
            data={"csrf_token": self.browser.csrf, **values},
            headers={"accept": "text/html"},
        )

    def json(self, method: str, path: str, values: dict[str, Any]) -> httpx.Response:
        if method == "GET":
            return self.client.get(path, params={"workspace": values["workspace"]})
        return self.client.request(
            method,
            path,
            json={**values, "visibility": "public"},
            headers={"x-csrf-token": self.browser.csrf},
        )


def test_brand_a_can_read_and_change_nothing_of_brand_b(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    before = snapshot_b(db, world)
    caller = Caller(as_agent("adam"))  # admin of A: the most powerful outsider
    problems = []
    for slug in ("zebra", "acme", ""):
        problems += call_every_route(caller.form, world, slug)
        problems += call_every_route(caller.json, world, slug)
    assert problems == []
    assert snapshot_b(db, world) == before


def test_api_tokens_are_isolated_too(
    app_factory: Callable[..., Any], world: World, db: Database
) -> None:
    before = snapshot_b(db, world)
    client = app_factory()
    client.headers["authorization"] = f"Bearer {world.a_token_plain}"
    caller = Caller(Browser(client, ""))
    problems = []
    for slug in ("zebra", ""):
        problems += call_every_route(caller.json, world, slug)
    assert problems == []
    assert snapshot_b(db, world) == before


def test_the_matrix_would_catch_a_leak(as_agent: Callable[[str], Browser], world: World) -> None:
    """The judge is not blind: B's own agent sees B's marker on the same routes."""
    bob = as_agent("bob")
    page = bob.get(f"/conversations/{world.b_conversation}")
    assert judge("GET", "/conversations/x", page) is not None
    listing = bob.client.get("/api/v1/conversations")
    assert judge("GET", "/api/v1/conversations", listing) is not None


def test_search_and_live_updates_stay_in_the_workspace(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    from heedful.web.api.stream import messages_since

    anna = as_agent("anna")
    hits = anna.client.get("/api/v1/conversations", params={"q": B_MARKER}).json()
    assert hits["items"] == []
    page = anna.get("/", params={"q": B_MARKER}).text
    assert "No conversations match." in page and "lost my bag" not in page
    _top, changed = messages_since(db, [world.a_id], 0)
    assert world.b_conversation not in changed and world.a_conversation in changed
