"""The fast paths keep the behaviour: the viewer cache (revocation within seconds), the API's
row cache, the inbox's keyset walks (multi-valued filters, pagination, ties), their indexes,
the dashboard's background count, and the Server-Timing header."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from heedful.clock import FrozenClock
from heedful.queries.inbox import (
    ROW_CACHE_SECONDS,
    InboxFilter,
    InboxSort,
    RowCache,
    _statement,
    list_conversations,
)
from heedful.services.agents import add_member, create_agent, remove_member
from heedful.services.ingest import ingest_events
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import Agent, ApiToken, Contact, Conversation, Workspace
from heedful.web.auth import VIEWER_CACHE_SECONDS, ViewerCache
from heedful.web.ui.dashboard import DashboardCache
from tests.factories import customer, event
from tests.web.conftest import Browser, World

# -- the viewer cache ---------------------------------------------------------------------


def test_a_revocation_by_another_process_shows_within_the_cache_time(
    api_client: TestClient, world: World, db: Database
) -> None:
    ticks = [0.0]
    api_client.app.state.viewer_cache = ViewerCache(now=lambda: ticks[0])  # type: ignore[attr-defined]
    assert api_client.get("/api/v1/me").status_code == 200
    # Another process revokes the token: a statement this process's sessions never see.
    with db.engine.begin() as conn:
        conn.execute(
            update(ApiToken)
            .where(ApiToken.agent_id == world.agents["anna"])
            .values(revoked_at=datetime.now(UTC))
        )
    ticks[0] += VIEWER_CACHE_SECONDS - 0.5
    assert api_client.get("/api/v1/me").status_code == 200  # still trusted from the cache
    ticks[0] += 0.5
    assert api_client.get("/api/v1/me").status_code == 401
    assert VIEWER_CACHE_SECONDS <= 5


def test_changes_made_in_this_process_show_at_once(
    api_client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    assert api_client.get("/api/v1/conversations?workspace=acme").status_code == 200
    with db.write() as s:
        anna = s.get(Agent, world.agents["anna"])
        acme = s.get(Workspace, world.a_id)
        assert anna is not None and acme is not None
        remove_member(s, anna, acme, clock=clock)
    assert api_client.get("/api/v1/conversations?workspace=acme").status_code == 404
    with db.write() as s:
        anna = s.get(Agent, world.agents["anna"])
        acme = s.get(Workspace, world.a_id)
        assert anna is not None and acme is not None
        add_member(s, anna, acme, role="agent", clock=clock)
    assert api_client.get("/api/v1/conversations?workspace=acme").status_code == 200


def test_a_signed_out_session_is_refused_at_once(as_agent: Callable[[str], Browser]) -> None:
    anna = as_agent("anna")
    assert anna.get("/").status_code == 200
    assert anna.post("/logout").status_code in (302, 303)
    assert anna.get("/").status_code == 303  # to /login


# -- the API's row cache --------------------------------------------------------------------


def test_the_row_cache_never_serves_a_changed_conversation(
    api_client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    ticks = [0.0]
    api_client.app.state.inbox_rows = RowCache(now=lambda: ticks[0])  # type: ignore[attr-defined]

    def row() -> dict[str, Any]:
        page = api_client.get("/api/v1/conversations?workspace=acme").json()
        return next(i for i in page["items"] if i["id"] == world.a_conversation)

    before = row()
    assert before["preview"] == "router broken" and row() == before
    with db.write() as s:  # a reply arrives: the conversation row changes
        ingest_events(
            s,
            world.a_id,
            [event("a1r", reply_to="a1", outbound=True, text="on it", minutes=9)],
            clock=clock,
        )
    after = row()
    assert after["preview"] == "on it" and after["message_count"] == before["message_count"] + 1
    with db.engine.begin() as conn:  # the contact is renamed: not part of the row
        conn.execute(
            update(Contact).where(Contact.id == world.a_contact).values(display_name="Maya L.")
        )
    assert row()["contact"]["name"] == "Maya Lind"  # for up to ROW_CACHE_SECONDS
    ticks[0] += ROW_CACHE_SECONDS
    assert row()["contact"]["name"] == "Maya L."


# -- keyset walks -----------------------------------------------------------------------------

STATUSES = ("new", "open", "waiting", "resolved")
CHANNELS = ("x", "mastodon", "email")


@pytest.fixture
def inbox(db: Database, clock: FrozenClock) -> Iterator[tuple[list[int], list[int]]]:
    """Two workspaces of conversations with random statuses, channels, owners, priorities and
    many equal activity times (ties are broken by id)."""
    rng = random.Random(7)
    workspaces = []
    with db.write() as s:
        owners = [
            create_agent(s, email=f"o{i}@example.com", name=f"O{i}", clock=clock).id
            for i in range(3)
        ]
        for slug in ("one", "two"):
            ws = create_workspace(s, slug=slug, name=slug.title(), clock=clock).id
            workspaces.append(ws)
            events = [
                event(
                    f"{slug}{i}",
                    author=customer(f"{slug}c{i}"),
                    channel=rng.choice(CHANNELS),
                    minutes=rng.randint(0, 40),
                    text=f"message {i}",
                )
                for i in range(70)
            ]
            ingest_events(s, ws, events, clock=clock)
        for conv in s.scalars(select(Conversation)):
            conv.status = rng.choice(STATUSES)
            conv.priority = rng.choice([0, 10, 10, 50, 90])
            conv.owner_id = rng.choice([None, *owners])
    yield workspaces, owners


def reference(db: Database, flt: InboxFilter) -> list[int]:
    with db.session() as s:
        rows = list(s.scalars(select(Conversation)))
    rows = [
        c
        for c in rows
        if c.workspace_id in flt.workspace_ids
        and (not flt.status or c.status in flt.status)
        and (not flt.channel or c.channel in flt.channel)
        and (flt.owner_id is None or c.owner_id == flt.owner_id)
        and (not flt.unassigned or c.owner_id is None)
        and (flt.contact_id is None or c.contact_id == flt.contact_id)
    ]

    def key(c: Conversation) -> tuple[Any, ...]:
        activity = (c.last_activity_at, c.id)
        return (c.priority, *activity) if flt.sort is InboxSort.PRIORITY else activity

    return [c.id for c in sorted(rows, key=key, reverse=True)]


def contact_of(db: Database, nth: int) -> int:
    with db.session() as s:
        ids = sorted(c for c in s.scalars(select(Conversation.contact_id)) if c is not None)
    return ids[nth]


def walk(db: Database, flt: InboxFilter) -> list[int]:
    ids: list[int] = []
    cursor = None
    for _ in range(200):
        flt.cursor = cursor
        with db.session() as s:
            page = list_conversations(s, flt)
        ids += [item["id"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("the walk never ended")


FILTERS: list[dict[str, Any]] = [
    {},
    {"status": ["new"]},
    {"status": ["new", "open", "waiting"]},
    {"channel": ["email"]},
    {"channel": ["x", "email"], "status": ["open", "resolved"]},
    {"status": ["open"], "channel": ["x"]},
    {"unassigned": True},
    {"owner": 0},
    {"owner": 1, "status": ["new", "open"]},
    {"contact": 3},
    {"contact": 75, "status": ["new", "open", "waiting", "resolved"]},
]


@pytest.mark.parametrize("sort", list(InboxSort))
@pytest.mark.parametrize("limit", [1, 7, 50])
def test_every_filter_walks_the_whole_queue_in_order(
    db: Database, inbox: tuple[list[int], list[int]], sort: InboxSort, limit: int
) -> None:
    workspaces, owners = inbox
    for spec in FILTERS:
        for ws_ids in (workspaces, workspaces[:1]):
            kw = {k: v for k, v in spec.items() if k not in ("owner", "contact")}
            if "owner" in spec:
                kw["owner_id"] = owners[spec["owner"]]
            if "contact" in spec:
                kw["contact_id"] = contact_of(db, spec["contact"])
            flt = InboxFilter(workspace_ids=ws_ids, sort=sort, limit=limit, **kw)
            assert walk(db, flt) == reference(db, flt), (spec, ws_ids)


def test_the_api_walks_the_same_pages(
    db: Database,
    inbox: tuple[list[int], list[int]],
    app_factory: Callable[..., TestClient],
    clock: FrozenClock,
) -> None:
    from heedful.services.auth import create_api_token

    workspaces, _ = inbox
    with db.write() as s:
        agent = create_agent(s, email="walker@example.com", name="Walker", clock=clock)
        for ws in s.scalars(select(Workspace)):
            add_member(s, agent, ws, role="agent", clock=clock)
        token, _ = create_api_token(s, agent, "walk", clock=clock)
    client = app_factory()
    client.headers["authorization"] = f"Bearer {token}"
    for query in (
        "status=new&status=open&channel=x",
        "sort=priority&unassigned=true",
        "workspace=two",
    ):
        ids: list[int] = []
        cursor = ""
        while True:
            page = client.get(f"/api/v1/conversations?limit=6&{query}{cursor}").json()
            ids += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            cursor = f"&cursor={page['next_cursor']}"
        flt = InboxFilter(workspace_ids=workspaces if "workspace" not in query else workspaces[1:])
        if "status" in query:
            flt.status, flt.channel = ["new", "open"], ["x"]
        if "priority" in query:
            flt.sort, flt.unassigned = InboxSort.PRIORITY, True
        assert ids == reference(db, flt), query


@pytest.mark.parametrize("sort", list(InboxSort))
def test_each_filter_walks_an_index_without_sorting(
    db: Database, inbox: tuple[list[int], list[int]], sort: InboxSort
) -> None:
    if db.dialect != "sqlite":
        pytest.skip(
            "reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's plans differ by table size "
            "and are recorded at a million messages in BENCHMARKS.md"
        )
    workspaces, owners = inbox
    for kw in (
        {},
        {"status": ["new"]},
        {"channel": ["x"]},
        {"owner_id": owners[0]},
        {"unassigned": True},
        {"status": ["open"], "channel": ["email"]},
    ):
        flt = InboxFilter(workspace_ids=workspaces[:1], sort=sort, cursor=None, **kw)  # type: ignore[arg-type]
        for cursor in (None, "x"):
            if cursor:
                flt.cursor = walk_one(db, flt)
            sql, params = _statement(flt, 50, None, False)
            with db.session() as s:
                plan = s.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
            details = " / ".join(str(row[-1]) for row in plan)
            assert "TEMP B-TREE" not in details and "INDEX" in details, (kw, details)
    # a contact's few conversations: their own index, then sorted
    flt = InboxFilter(workspace_ids=workspaces, sort=sort, contact_id=contact_of(db, 5))
    sql, params = _statement(flt, 50, None, False)
    with db.session() as s:
        plan = s.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
    assert "ix_conversation_contact" in " / ".join(str(row[-1]) for row in plan)


def walk_one(db: Database, flt: InboxFilter) -> str | None:
    with db.session() as s:
        return list_conversations(s, InboxFilter(**{**flt.__dict__, "limit": 3})).next_cursor


# -- the dashboard and Server-Timing ----------------------------------------------------------


def test_a_slow_first_count_answers_at_once_and_the_figures_follow(
    as_agent: Callable[[str], Browser], monkeypatch: pytest.MonkeyPatch
) -> None:
    import heedful.web.ui.dashboard as dashboard

    release = threading.Event()
    real = dashboard.build_dashboard

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard, "build_dashboard", slow)
    lena = as_agent("lena")
    lena.client.app.state.dashboards = DashboardCache(wait=0.01)  # type: ignore[attr-defined]
    first = lena.get("/dashboard")
    assert first.status_code == 200 and "being counted" in first.text
    release.set()
    for _ in range(100):
        page = lena.get("/dashboard")
        if "waiting for a first answer" in page.text:
            break
        threading.Event().wait(0.05)
    assert "Figures as of" in page.text and "<svg" in page.text


def test_responses_say_how_long_the_server_took(
    api_client: TestClient, as_agent: Callable[[str], Browser]
) -> None:
    for response in (api_client.get("/api/v1/conversations"), as_agent("anna").get("/")):
        assert response.headers["server-timing"].startswith("app;dur=")


def test_the_hot_path_gives_its_connection_back_as_it_came(
    api_client: TestClient, db: Database
) -> None:
    assert api_client.get("/api/v1/conversations?workspace=acme").status_code == 200
    assert api_client.get("/api/v1/conversations?workspace=zebra").status_code == 404
    connection = db.engine.raw_connection()
    try:
        if db.dialect == "postgresql":
            assert connection.driver_connection.autocommit is False  # type: ignore[union-attr]
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        connection.close()
