"""SLA snapshots on the store: written by the changes the clocks depend on, read by the pages
without the timeline, and the tick's queue (``sla_next_at``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select

from heedful.care.calendars import save_policies
from heedful.care.clocks import (
    set_conversation_status,
    sla_json,
    sla_states,
    sla_states_of,
    sla_tick,
    snapshot_missing,
)
from heedful.care.sla import SlaPolicy
from heedful.care.snapshot import NEVER
from heedful.care.workflow import after_inbound
from heedful.store.db import Database
from heedful.store.tables import Conversation
from tests.care.conftest import World
from tests.factories import T0, customer, event

H = timedelta(hours=1)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *args: object) -> None:
        seen.append(sql)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)


def receive(world: World, *events: object) -> list[int]:
    """Ingest and run the care step of the live pipeline (snapshots the clocks)."""
    result = world.ingest(list(events))  # type: ignore[arg-type]
    with world.db.write() as s:
        after_inbound(s, world.ws, result.conversation_ids, clock=world.clock)
    return list(result.conversation_ids)


def live(world: World, conversation_id: int) -> object:
    with world.db.session() as s:
        conv = s.get(Conversation, conversation_id)
        assert conv is not None
        return sla_json(sla_states_of(s, [conv], now=world.clock.now())[conversation_id])


def test_pages_read_the_snapshot_without_the_timeline_and_agree_with_it(world: World) -> None:
    world.clock.set(T0)
    [conv] = receive(world, event("q1", author=customer("sam")))
    with world.db.session() as s:
        stored = s.get(Conversation, conv)
        assert stored is not None and stored.sla_state is not None
        assert stored.sla_next_at == T0 + 45 * timedelta(minutes=1)  # at risk then
    for minutes in (10, 50, 70, 300):
        world.clock.set(T0 + minutes * timedelta(minutes=1))
        with statements(world.db) as seen, world.db.session() as s:
            [summary] = sla_states(s, [conv], world.clock).values()
        assert not [sql for sql in seen if "FROM message" in sql]  # no timeline loaded
        assert summary == live(world, conv)
    assert summary["status"] == "breached"


def test_changes_the_clocks_depend_on_write_a_new_snapshot(world: World) -> None:
    world.clock.set(T0)
    [conv] = receive(world, event("q1", author=customer("sam")))
    world.clock.advance(minutes=20)
    with world.db.write() as s:
        row = s.get(Conversation, conv)
        assert row is not None
        set_conversation_status(s, row, "waiting", agent_id=world.anna, clock=world.clock)
    world.clock.advance(hours=3)
    with world.db.session() as s:
        row = s.get(Conversation, conv)
        assert row is not None and row.sla_next_at == NEVER  # paused: nothing will change
        [summary] = sla_states(s, [conv], world.clock).values()
    assert summary["status"] == "paused" and summary == live(world, conv)
    # A change no care step saw (here: the priority, set directly) makes the snapshot stale:
    # the pages compute from the timeline until it is taken again.
    with world.db.write() as s:
        row = s.get(Conversation, conv)
        assert row is not None
        row.priority = 85  # the urgent policy now
    with world.db.session() as s:
        [summary] = sla_states(s, [conv], world.clock).values()
    assert summary["policy"] == "urgent" and summary == live(world, conv)


def test_the_tick_looks_only_at_conversations_whose_check_has_come(world: World) -> None:
    world.clock.set(T0)
    [early] = receive(world, event("q1", author=customer("sam")))
    world.clock.set(T0 + 30 * timedelta(minutes=1))
    [late] = receive(world, event("q2", author=customer("kim"), minutes=30))
    world.clock.set(T0 + 50 * timedelta(minutes=1))  # the first is at risk, the second is not
    with statements(world.db) as seen, world.db.write() as s:
        [(conv, escalation)] = sla_tick(s, clock=world.clock)
    assert (conv, escalation.level) == (early, "at_risk")
    loaded = [sql for sql in seen if sql.startswith("SELECT conversation.id")]
    assert loaded  # the queue is read through the index, not by scanning every open row
    with world.db.session() as s:
        rows = {c.id: c for c in s.scalars(select(Conversation))}
    assert rows[early].sla_next_at == T0 + H  # breaches then
    assert rows[late].sla_next_at == T0 + 75 * timedelta(minutes=1)  # untouched
    with world.db.write() as s:
        assert sla_tick(s, clock=world.clock) == []


def test_imported_conversations_are_snapshotted_in_the_background(world: World) -> None:
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam")), event("q2", author=customer("kim"))])
    with world.db.session() as s:
        assert all(c.sla_next_at is None for c in s.scalars(select(Conversation)))
        before = sla_states(s, [c.id for c in s.scalars(select(Conversation))], world.clock)
    with world.db.write() as s:
        assert snapshot_missing(s, clock=world.clock) == 2
        assert snapshot_missing(s, clock=world.clock) == 0
    with world.db.session() as s:
        after = sla_states(s, list(before), world.clock)
    assert after == before


def test_new_policies_make_every_snapshot_stale_and_queue_them(world: World) -> None:
    world.clock.set(T0)
    [conv] = receive(world, event("q1", author=customer("sam")))
    world.clock.advance(minutes=12)
    with world.db.write() as s:
        save_policies(
            s,
            world.ws,
            [SlaPolicy("strict", first_response=15 * timedelta(minutes=1))],
            clock=world.clock,
        )
    with world.db.session() as s:
        row = s.get(Conversation, conv)
        assert row is not None and row.sla_next_at is None  # queued for the tick
        [summary] = sla_states(s, [conv], world.clock).values()
    assert summary["policy"] == "strict" and summary["status"] == "at_risk"  # 3 of 15 min left
