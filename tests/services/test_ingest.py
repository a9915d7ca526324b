"""The ingest service: threading (in and out of order), idempotency, quarantine."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations

import pytest
from sqlalchemy import func, select

from heedful.clock import FrozenClock
from heedful.domain import Author, ConversationStatus
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import (
    ChannelAccount,
    Contact,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    Quarantine,
)
from tests.factories import at, customer, event


@pytest.fixture
def ws(db: Database, clock: FrozenClock) -> int:
    with db.write() as session:
        return create_workspace(session, slug="acme", name="Acme", clock=clock).id


def ingest(db: Database, ws: int, clock: FrozenClock, events, **options) -> IngestResult:  # type: ignore[no-untyped-def]
    with db.write() as session:
        return ingest_events(session, ws, events, clock=clock, options=IngestOptions(**options))


def threads(db: Database) -> list[set[str]]:
    """The stored grouping: sets of external ids, one per conversation."""
    with db.session() as session:
        rows = session.execute(select(Message.conversation_id, Message.external_id)).all()
    grouped: dict[int, set[str]] = {}
    for conv, ext in rows:
        grouped.setdefault(conv, set()).add(ext)
    return sorted(grouped.values(), key=lambda s: sorted(s))


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


THREAD = [
    event("1", minutes=0),
    event("2", minutes=5, reply_to="1", outbound=True),
    event("3", minutes=9, reply_to="2"),
    event("4", minutes=12, reply_to="3", outbound=True),
]


def test_replies_join_their_parent_conversation(db: Database, ws: int, clock: FrozenClock) -> None:
    result = ingest(db, ws, clock, THREAD)
    assert result.stored == 4
    assert result.conversations_created == 1
    assert threads(db) == [{"1", "2", "3", "4"}]
    with db.session() as session:
        conv = session.scalars(select(Conversation)).one()
    assert conv.message_count == 4
    assert conv.first_inbound_at == at(0)
    assert conv.first_response_at == at(5)
    assert conv.last_activity_at == at(12)
    assert conv.last_inbound_at == at(9)
    assert conv.status == ConversationStatus.NEW


@pytest.mark.parametrize("order", list(permutations(range(4)))[::5])
def test_threading_is_the_same_in_any_arrival_order(
    db: Database, ws: int, clock: FrozenClock, order: tuple[int, ...]
) -> None:
    for index in order:  # one event per batch: every late parent must find its children
        ingest(db, ws, clock, [THREAD[index]])
    assert threads(db) == [{"1", "2", "3", "4"}]
    assert count(db, Conversation) == 1
    with db.session() as session:
        conv = session.scalars(select(Conversation)).one()
    assert conv.first_response_at == at(5)
    assert conv.message_count == 4


def test_reversed_order_in_one_batch(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, list(reversed(THREAD)))
    assert threads(db) == [{"1", "2", "3", "4"}]


def test_late_parent_merges_two_waiting_branches(db: Database, ws: int, clock: FrozenClock) -> None:
    other = customer("c2")
    ingest(db, ws, clock, [event("b", minutes=3, reply_to="a", outbound=True)])
    ingest(db, ws, clock, [event("c", minutes=4, reply_to="a", author=other)])
    assert count(db, Conversation) == 2
    result = ingest(db, ws, clock, [event("a", minutes=0)])
    assert result.conversations_merged == 1
    assert threads(db) == [{"a", "b", "c"}]
    with db.session() as session:
        merged = session.scalars(select(Event).where(Event.kind == "conversation.merged")).all()
    assert len(merged) == 1


def test_same_message_twice_is_stored_once(db: Database, ws: int, clock: FrozenClock) -> None:
    first = ingest(db, ws, clock, THREAD)
    again = ingest(db, ws, clock, [*THREAD, THREAD[0]])
    assert first.stored == 4
    assert again.stored == 0
    assert again.duplicates == 5
    assert count(db, Message) == 4
    assert count(db, Conversation) == 1
    assert count(db, Contact) == 1


def test_rerun_changes_nothing_not_even_the_log(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, THREAD)
    events_before = count(db, Event)
    ingest(db, ws, clock, THREAD)
    assert count(db, Event) == events_before


def test_new_message_within_window_joins_the_open_conversation(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    ingest(db, ws, clock, [event("1", minutes=0), event("2", minutes=60)])
    assert threads(db) == [{"1", "2"}]


def test_new_message_after_window_starts_a_new_conversation(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    ingest(db, ws, clock, [event("1", minutes=0)], window=timedelta(hours=1))
    ingest(db, ws, clock, [event("2", minutes=61)], window=timedelta(hours=1))
    assert threads(db) == [{"1"}, {"2"}]


def test_window_ignores_resolved_conversations(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, [event("1", minutes=0)])
    with db.write() as session:
        conv = session.scalars(select(Conversation)).one()
        conv.status = ConversationStatus.RESOLVED
    ingest(db, ws, clock, [event("2", minutes=10)])
    assert threads(db) == [{"1"}, {"2"}]


def test_other_channel_is_another_conversation(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(
        db,
        ws,
        clock,
        [event("1", minutes=0), event("1", minutes=5, channel="mastodon")],
    )
    assert count(db, Conversation) == 2
    assert count(db, Message) == 2  # the same id on two channels is two messages


def test_reply_reopens_a_resolved_conversation(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, THREAD[:2])
    with db.write() as session:
        conv = session.scalars(select(Conversation)).one()
        conv.status = ConversationStatus.RESOLVED
        conv.resolved_at = at(6)
    ingest(db, ws, clock, [THREAD[2]])
    with db.session() as session:
        conv = session.scalars(select(Conversation)).one()
        assert conv.status == ConversationStatus.OPEN
        assert conv.resolved_at is None
        assert session.scalar(select(Event.kind).where(Event.kind == "conversation.reopened"))


def test_private_follow_up_links_by_thread(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(
        db,
        ws,
        clock,
        [
            event("dm1", minutes=0, private=True, thread_ref="t-9"),
            event("dm2", minutes=3, private=True, thread_ref="t-9", outbound=True),
            event("dm3", minutes=9, private=True, thread_ref="t-9"),
        ],
    )
    assert threads(db) == [{"dm1", "dm2", "dm3"}]


def test_identity_is_upserted_and_refreshed(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, [event("1", author=customer("c1", followers=10))])
    ingest(db, ws, clock, [event("2", minutes=3000, author=customer("c1", followers=332_000))])
    with db.session() as session:
        identity = session.scalars(select(ContactIdentity)).one()
    assert identity.followers == 332_000
    assert count(db, Contact) == 1


def test_brand_author_becomes_a_channel_account(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, THREAD)
    with db.session() as session:
        account = session.scalars(select(ChannelAccount)).one()
        conv = session.scalars(select(Conversation)).one()
        outbound = session.scalars(select(Message).where(Message.direction == "out")).all()
    assert account.handle == "AcmeCare"
    assert conv.channel_account_id == account.id
    assert all(
        m.author_identity_id is None and m.channel_account_id == account.id for m in outbound
    )
    assert count(db, ContactIdentity) == 1  # the brand is not a contact


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (event("big", text="x" * 100_001), "over the 100,000 limit"),
        (event("nul", text="a\x00b"), "NUL"),
        (event("", text="no id"), "message id"),
        (event("noauthor", author=Author(external_id="")), "author id"),
    ],
)
def test_bad_events_are_quarantined_with_their_reason(
    db: Database,
    ws: int,
    clock: FrozenClock,
    bad,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    result = ingest(db, ws, clock, [bad, event("ok", minutes=1)])
    assert result.stored == 1
    assert result.quarantined == 1
    with db.session() as session:
        row = session.scalars(select(Quarantine)).one()
    assert reason in row.reason
    assert row.raw  # kept whole
    ingest(db, ws, clock, [bad])  # the same bad input again is kept once
    assert count(db, Quarantine) == 1


def test_workspaces_are_separate(db: Database, ws: int, clock: FrozenClock) -> None:
    with db.write() as session:
        other = create_workspace(session, slug="other", name="Other", clock=clock).id
    ingest(db, ws, clock, THREAD)
    result = ingest(db, other, clock, THREAD)
    assert result.stored == 4  # the same platform ids in another brand's store
    assert count(db, Conversation) == 2


def test_event_log_is_append_only(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(db, ws, clock, THREAD)
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    for stmt in (update(Event).values(kind="tampered"), delete(Event)):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
            session.execute(stmt)
    assert count(db, Event) > 0


def test_an_edit_updates_the_text_and_keeps_the_old_wording(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    from dataclasses import replace

    from heedful.store import search

    original = event("e1", text="my router is brokn")
    ingest(db, ws, clock, [original])
    with db.write() as session:
        search.index_pending(session)
    result = ingest(
        db, ws, clock, [replace(original, text="my router is broken", extra={"edited": True})]
    )
    assert result.edited == 1 and result.stored == 0
    with db.session() as session:
        assert session.scalar(select(Message.text)) == "my router is broken"
        logged = session.scalars(select(Event).where(Event.kind == "message.edited")).one()
        assert logged.data["previous_text"] == "my router is brokn"
        assert search.search_conversation_ids(session, [ws], "broken")
        assert not search.search_conversation_ids(session, [ws], "brokn")
    assert (
        ingest(
            db, ws, clock, [replace(original, text="my router is broken", extra={"edited": True})]
        ).edited
        == 0
    )
