"""The inbox's triage and care filters — topic and sentiment (of each conversation's priority
message), an open promise, an SLA breached now — in the query (on SQLite and PostgreSQL),
the page and the REST API: combined with the other filters and paging, and never reaching
another workspace's conversations."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from heedful.clock import FrozenClock
from heedful.queries.inbox import (
    InboxFilter,
    InboxPage,
    InboxSort,
    _statement,
    list_conversations,
)
from heedful.services.ingest import ingest_events
from heedful.store.db import Database
from heedful.store.tables import (
    Conversation,
    ConversationTriage,
    Message,
    MessageTriage,
    Promise,
)
from tests.factories import customer, event
from tests.web.conftest import B_MARKER, Browser, World


def _triage(
    db: Database,
    clock: FrozenClock,
    conversation_id: int,
    topic: str,
    sentiment: str,
    *,
    rolled_up: bool = True,
) -> None:
    """Triage the conversation's first inbound message as triage would store it; with
    ``rolled_up`` the conversation takes its priority from that message."""
    with db.write() as s:
        conversation = s.get(Conversation, conversation_id)
        assert conversation is not None
        message = s.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.direction == "in")
            .order_by(Message.created_at, Message.id)
        ).first()
        assert message is not None
        s.add(
            MessageTriage(
                message_id=message.id,
                workspace_id=conversation.workspace_id,
                stage="full",
                sentiment=sentiment,
                sentiment_score=-0.8 if sentiment == "negative" else 0.0,
                complaint=sentiment == "negative",
                complaint_probability=0.9 if sentiment == "negative" else 0.1,
                severity=None,
                topic=topic,
                signals=[],
                context={},
                priority=40,
                reasons=[{"text": f"about {topic}", "points": 40}],
                triaged_at=clock.now(),
            )
        )
        if rolled_up:
            s.add(
                ConversationTriage(
                    conversation_id=conversation_id,
                    workspace_id=conversation.workspace_id,
                    message_id=message.id,
                    priority=40,
                    reasons=[{"text": f"about {topic}", "points": 40}],
                    updated_at=clock.now(),
                )
            )


def _promise(db: Database, clock: FrozenClock, conversation_id: int, state: str) -> None:
    with db.write() as s:
        conversation = s.get(Conversation, conversation_id)
        assert conversation is not None
        s.add(
            Promise(
                workspace_id=conversation.workspace_id,
                conversation_id=conversation_id,
                action="call",
                span="I'll call you tomorrow",
                due_at=clock.now() + timedelta(days=1),
                state=state,
                created_at=clock.now(),
            )
        )


def _mastodon(db: Database, world: World) -> int:
    with db.session() as s:
        found = s.scalar(
            select(Conversation.id).where(
                Conversation.workspace_id == world.a_id, Conversation.channel == "mastodon"
            )
        )
        assert found is not None
        return found


def _fresh(db: Database, clock: FrozenClock, world: World) -> int:
    """A conversation of brand A whose customer wrote five minutes ago (SLA on track)."""
    with db.write() as s:
        ingest_events(
            s,
            world.a_id,
            [
                event(
                    "fresh",
                    author=customer("cf", display_name="Fresh Customer"),
                    text="just now: my parcel is late",
                    minutes=7 * 60,  # 16:00, the clock says 16:05
                    account_ref="AcmeHelp",
                )
            ],
            clock=clock,
        )
        known = [world.a_conversation, _mastodon(db, world)]
        found = s.scalar(
            select(Conversation.id).where(
                Conversation.workspace_id == world.a_id, Conversation.id.not_in(known)
            )
        )
        assert found is not None
        return found


def _setup(db: Database, clock: FrozenClock, world: World) -> dict[str, int]:
    """Brand A: the x conversation (product fault, negative, a kept promise), the mastodon
    one (billing, neutral, an open promise), a fresh one (triaged but not rolled up yet);
    brand B: a product fault, negative, with an open promise — what A must never see."""
    ids = {"x": world.a_conversation, "mastodon": _mastodon(db, world)}
    ids["fresh"] = _fresh(db, clock, world)
    _triage(db, clock, ids["x"], "product_fault", "negative")
    _triage(db, clock, ids["mastodon"], "billing_payment", "neutral")
    _triage(db, clock, ids["fresh"], "product_fault", "negative", rolled_up=False)
    _triage(db, clock, world.b_conversation, "product_fault", "negative")
    _promise(db, clock, ids["x"], "kept")
    _promise(db, clock, ids["mastodon"], "open")
    _promise(db, clock, world.b_conversation, "open")
    return ids


def _ids(db: Database, flt: InboxFilter) -> list[int]:
    with db.session() as s:
        return [item["id"] for item in list_conversations(s, flt).items]


# -- the query, on both databases --------------------------------------------------------------


def test_query_filters_by_topic_sentiment_promise_and_breach(
    db: Database, clock: FrozenClock, world: World
) -> None:
    ids = _setup(db, clock, world)
    a = [world.a_id]
    both = [world.a_id, world.b_id]

    def ids_of(workspaces: list[int] = a, **kw: object) -> set[int]:
        return set(_ids(db, InboxFilter(workspace_ids=workspaces, **kw)))  # type: ignore[arg-type]

    # topic and sentiment: the priority message's; a conversation not rolled up has none
    assert ids_of(topic=["product_fault"]) == {ids["x"]}
    assert ids_of(topic=["product_fault", "billing_payment"]) == {ids["x"], ids["mastodon"]}
    assert ids_of(sentiment=["neutral"]) == {ids["mastodon"]}
    assert ids_of(topic=["product_fault"], sentiment=["neutral"]) == set()
    assert ids_of(both, topic=["product_fault"]) == {ids["x"], world.b_conversation}
    # open promises only (a kept one does not count)
    assert ids_of(open_promise=True) == {ids["mastodon"]}
    assert ids_of(both, open_promise=True) == {ids["mastodon"], world.b_conversation}
    # combined with the other filters
    assert ids_of(open_promise=True, channel=["x"]) == set()
    assert ids_of(topic=["product_fault"], status=["new"], sort=InboxSort.PRIORITY) == {ids["x"]}
    # breached now: the two conversations unanswered since the morning, not the fresh one
    now = clock.now()
    assert ids_of(breached_at=now) == {ids["x"], ids["mastodon"]}
    assert ids_of(breached_at=now, open_promise=True) == {ids["mastodon"]}
    assert ids_of(breached_at=now + timedelta(hours=2)) == {ids["x"], ids["mastodon"], ids["fresh"]}
    assert ids_of(both, breached_at=now, topic=["product_fault"]) == {
        ids["x"],
        world.b_conversation,
    }


def test_query_breached_pages_with_the_cursor(
    db: Database, clock: FrozenClock, world: World
) -> None:
    ids = _setup(db, clock, world)
    later = clock.now() + timedelta(hours=2)
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        flt = InboxFilter(workspace_ids=[world.a_id], breached_at=later, limit=1, cursor=cursor)
        with db.session() as s:
            page = list_conversations(s, flt, for_page=True)
        seen.extend(item["id"] for item in page.items)
        assert set(page.extra) == {item["id"] for item in page.items}
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted([ids["x"], ids["mastodon"], ids["fresh"]])
    assert len(seen) == len(set(seen))


def test_query_breached_scan_stops_and_its_cursor_goes_on(
    db: Database, clock: FrozenClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose scan hit the cap comes back short, with the cursor where it stopped."""
    from heedful.queries import inbox

    ids = _setup(db, clock, world)
    monkeypatch.setattr(inbox, "BREACH_BATCH", 1)
    monkeypatch.setattr(inbox, "BREACH_SCAN", 1)
    now = clock.now()  # x and mastodon are breached, the fresh one (newest activity) is not
    pages = []
    cursor = None
    while True:
        flt = InboxFilter(workspace_ids=[world.a_id], breached_at=now, limit=5, cursor=cursor)
        page = list_conversations_in(db, flt)
        pages.append([item["id"] for item in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
        assert len(pages) < 10
    assert pages[0] == []  # the fresh conversation was read, and is not breached
    assert sorted(i for p in pages for i in p) == sorted([ids["x"], ids["mastodon"]])


def list_conversations_in(db: Database, flt: InboxFilter) -> InboxPage:
    with db.session() as s:
        return list_conversations(s, flt)


# -- the page --------------------------------------------------------------------------------


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="row[^"]*" data-id="(\d+)"', html)]


def test_inbox_page_filters_and_controls(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    ids = _setup(db, clock, world)
    anna = as_agent("anna")
    page = anna.get("/").text
    # labelled controls in the filter form
    assert re.search(r"<label>Topic\s*<select name=\"topic\">", page)
    assert re.search(r"<label>Sentiment\s*<select name=\"sentiment\">", page)
    assert '<option value="product_fault" >Product fault</option>' in page
    assert re.search(
        r'<label class="check"><input type="checkbox" name="promise" value="1"\s*>', page
    )
    assert 'name="breached" value="1"' in page and "SLA breached</label>" in page

    assert _rows(anna.get("/", params={"topic": "product_fault"}).text) == [ids["x"]]
    assert _rows(anna.get("/", params={"sentiment": "neutral"}).text) == [ids["mastodon"]]
    assert _rows(anna.get("/", params={"promise": "1"}).text) == [ids["mastodon"]]
    breached = anna.get("/", params={"breached": "1"}).text
    assert sorted(_rows(breached)) == sorted([ids["x"], ids["mastodon"]])
    # what the filter says is what each row's badge shows
    assert breached.count("chip sla sla-breached") == 2
    assert 'name="breached" value="1" checked' in breached
    combined = anna.get("/", params={"breached": "1", "channel": "mastodon", "promise": "1"})
    assert _rows(combined.text) == [ids["mastodon"]]
    # the clock moves on: the fresh conversation breaches too
    clock.advance(hours=2)
    assert ids["fresh"] in _rows(anna.get("/", params={"breached": "1"}).text)
    # unknown values are ignored, as an unknown status is
    assert len(_rows(anna.get("/", params={"topic": "nonsense", "sentiment": "x"}).text)) == 3


def test_filters_never_reach_another_workspace(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    _setup(db, clock, world)
    anna = as_agent("anna")
    for params in ({"topic": "product_fault"}, {"promise": "1"}, {"breached": "1"}):
        html = anna.get("/", params=params).text
        assert B_MARKER not in html.split('id="queue-region"')[1]
        assert world.b_conversation not in _rows(html)
    assert anna.get("/", params={"workspace": "zebra", "breached": "1"}).status_code == 404


def test_saved_view_keeps_the_new_filters(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    ids = _setup(db, clock, world)
    anna = as_agent("anna")
    saved = anna.post(
        "/views",
        {
            "name": "Angry faults",
            "topic": "product_fault",
            "sentiment": "negative",
            "breached": "1",
        },
    )
    assert saved.status_code == 303
    page = anna.get("/").text
    link = re.search(r'<a href="/\?([^"]+)">Angry faults</a>', page)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert "topic=product_fault" in query and "breached=1" in query
    assert _rows(anna.get("/?" + query).text) == [ids["x"]]


# -- the REST API --------------------------------------------------------------------------


def test_api_filters(
    api_client: TestClient, db: Database, clock: FrozenClock, world: World
) -> None:
    ids = _setup(db, clock, world)

    def listed(**params: object) -> list[int]:
        response = api_client.get("/api/v1/conversations", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert listed(topic="product_fault") == [ids["x"]]
    assert sorted(listed(topic=["product_fault", "billing_payment"])) == sorted(
        [ids["x"], ids["mastodon"]]
    )
    assert listed(sentiment="neutral") == [ids["mastodon"]]
    assert listed(open_promise="true") == [ids["mastodon"]]
    assert sorted(listed(breached="true")) == sorted([ids["x"], ids["mastodon"]])
    assert listed(breached="true", channel="x", workspace="acme") == [ids["x"]]
    assert listed(breached="true", q="mastodon") == [ids["mastodon"]]
    # paging through the breached ones, one by one
    first = api_client.get("/api/v1/conversations", params={"breached": "true", "limit": 1})
    body = first.json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    second = api_client.get(
        "/api/v1/conversations",
        params={"breached": "true", "limit": 1, "cursor": body["next_cursor"]},
    ).json()
    assert {body["items"][0]["id"], second["items"][0]["id"]} == {ids["x"], ids["mastodon"]}
    # a bad sentiment is a 422; another brand's workspace is not found
    assert api_client.get("/api/v1/conversations", params={"sentiment": "angry"}).status_code == 422
    assert (
        api_client.get(
            "/api/v1/conversations", params={"workspace": "zebra", "breached": "true"}
        ).status_code
        == 404
    )
    assert world.b_conversation not in listed(topic="product_fault", open_promise="true")
    schema = api_client.get("/openapi.json").json()
    names = {p["name"]: p for p in schema["paths"]["/api/v1/conversations"]["get"]["parameters"]}
    for name in ("topic", "sentiment", "open_promise", "breached"):
        assert names[name]["description"]


# -- the plan: still an index walk, with probes by key ---------------------------------------


def test_the_triage_filters_keep_the_index_walk(
    db: Database, clock: FrozenClock, world: World
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN (this store is PostgreSQL)")
    for sort in InboxSort:
        for kw in (
            {"topic": ["outage"]},
            {"sentiment": ["negative"], "status": ["new"]},
            {"open_promise": True, "channel": ["x"]},
            {"topic": ["outage"], "open_promise": True, "owner_id": 1},
        ):
            flt = InboxFilter(workspace_ids=[world.a_id], sort=sort, **kw)  # type: ignore[arg-type]
            sql, params = _statement(flt, 50, None, False)
            with db.session() as s:
                plan = s.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
            details = " / ".join(str(row[-1]) for row in plan)
            assert "SCAN conversation" not in details, (kw, details)
            assert "TEMP B-TREE" not in details and "ix_conversation_" in details, (kw, details)
            if "topic" in kw or "sentiment" in kw:
                assert "SEARCH ct USING INTEGER PRIMARY KEY" in details, details
                assert "SEARCH mt USING INTEGER PRIMARY KEY" in details, details
            if "open_promise" in kw:
                assert "SEARCH p USING COVERING INDEX ix_promise_conversation_state" in details
