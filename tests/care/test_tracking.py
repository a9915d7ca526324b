"""Promises on the store: recorded from replies, reminded, kept or broken (frozen clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heedful.care.tracking import (
    cancel_promise,
    conversation_promises,
    mark_kept,
    open_promises_for_contact,
    promise_tick,
)
from heedful.care.workflow import after_outbound
from heedful.errors import ConflictError, ValidationFailed
from heedful.store.tables import Conversation
from tests.care.conftest import World
from tests.factories import T0, customer, event


def reply(world: World, external_id: str, text: str, minutes: float, **kw: object) -> None:
    world.ingest(
        [event(external_id, outbound=True, reply_to="q1", text=text, minutes=minutes, **kw)]
    )
    with world.db.write() as s:
        after_outbound(
            s,
            message=world.message(s, external_id),
            conversation=world.conversation_of(s, "q1"),
            agent=world.agent(s, world.anna),
            clock=world.clock,
        )


@pytest.fixture
def asked(world: World) -> World:
    world.clock.set(T0)  # Friday 20 November 2026, 09:00 UTC
    world.ingest([event("q1", author=customer("sam"), text="Where is my refund??")])
    return world


def states(world: World) -> list[tuple[str, str]]:
    with world.db.session() as s:
        conv = world.conversation_of(s, "q1")
        return [(p.action, p.state) for p in conversation_promises(s, conv.id)]


def test_reply_records_owned_promises_with_due_times(asked: World) -> None:
    reply(asked, "a1", "Sorry Sam! I'll call you at 2pm today. We'll look into it. ^AB", 10)
    with asked.db.session() as s:
        conv = asked.conversation_of(s, "q1")
        timed, vague = conversation_promises(s, conv.id)
        assert conv.owner_id == asked.anna
        assert (timed.action, timed.owner_id, timed.vague) == ("call", asked.anna, False)
        assert timed.due_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
        assert timed.remind_at == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
        assert vague.vague and vague.due_at is None and vague.remind_at is None
        assert [p["action"] for p in open_promises_for_contact(s, conv.contact_id or 0)] == [
            "call",
            "investigate",
        ]
    assert len(asked.events("promise.made")) == 2


def test_reminder_then_broken_reraises_the_conversation(asked: World) -> None:
    reply(asked, "a1", "I'll call you at 2pm today.", 10)
    with asked.db.write() as s:
        conv = asked.conversation_of(s, "q1")
        conv.status, conv.priority = "resolved", 30
    asked.clock.set(datetime(2026, 11, 20, 13, 1, tzinfo=UTC))
    with asked.db.write() as s:
        result = promise_tick(s, clock=asked.clock)
        assert len(result.reminded) == 1 and result.broken == []
        assert promise_tick(s, clock=asked.clock).reminded == []  # once
    asked.clock.set(datetime(2026, 11, 20, 14, 10, tzinfo=UTC))  # within the 15-min tolerance
    with asked.db.write() as s:
        assert promise_tick(s, clock=asked.clock).broken == []
    asked.clock.set(datetime(2026, 11, 20, 14, 16, tzinfo=UTC))
    with asked.db.write() as s:
        assert len(promise_tick(s, clock=asked.clock).broken) == 1
    assert states(asked) == [("call", "broken")]
    with asked.db.session() as s:
        conv = asked.conversation_of(s, "q1")
        assert (conv.status, conv.priority) == ("open", 50)
    [reminder] = asked.events("promise.reminder")
    assert reminder.data["notify_agent_id"] == asked.anna
    assert "promise broken" in asked.events("conversation.reraised")[0].data["reason"]


def test_a_later_reply_keeps_a_promise_to_get_back(asked: World) -> None:
    reply(asked, "a1", "We'll get back to you within 2 hours.", 10)
    reply(asked, "a2", "Hi Sam, your refund is on its way.", 40)
    assert states(asked) == [("reply", "kept")]  # "on its way" is news, not a new promise


def test_a_promise_to_act_is_kept_only_by_saying_it_is_done(asked: World) -> None:
    reply(asked, "a1", "We'll refund you within 5 working days.", 10)
    reply(asked, "a2", "Quick update: we'll refund you as soon as finance confirms.", 30)
    assert states(asked)[0] == ("refund", "open")
    reply(asked, "a3", "Good news: your refund has been processed today.", 60)
    assert states(asked)[0] == ("refund", "kept")


def test_a_dm_promise_is_kept_by_a_private_message(asked: World) -> None:
    reply(asked, "a1", "I'll DM you in 30 minutes.", 10)
    reply(asked, "a2", "Thanks for your patience!", 20)
    assert states(asked) == [("dm", "open")]
    reply(asked, "d1", "Hi Sam, here are the details.", 30, private=True)
    assert states(asked)[0] == ("dm", "kept")


def test_fulfilling_too_late_does_not_keep(asked: World) -> None:
    reply(asked, "a1", "I'll call you in 30 minutes.", 10)
    reply(asked, "a2", "Sorry, I've just called you but there was no answer.", 10 + 46)
    assert states(asked) == [("call", "open")]  # the tick will mark it broken


def test_mark_kept_and_cancel_by_hand(asked: World) -> None:
    reply(asked, "a1", "I'll call you tomorrow. We'll send a new card next week.", 10)
    with asked.db.write() as s:
        conv = asked.db and s.get(Conversation, asked.conversation_of(s, "q1").id)
        assert conv is not None
        call, card = conversation_promises(s, conv.id)
        mark_kept(s, call, agent_id=asked.anna, clock=asked.clock, note="spoke for 10 minutes")
        with pytest.raises(ConflictError):
            mark_kept(s, call, agent_id=asked.anna, clock=asked.clock)
        with pytest.raises(ValidationFailed):
            cancel_promise(s, card, agent_id=asked.anna, reason="", clock=asked.clock)
        cancel_promise(
            s, card, agent_id=asked.anna, reason="customer collected in store", clock=asked.clock
        )
    assert states(asked) == [("call", "kept"), ("send", "cancelled")]
    asked.clock.advance(timedelta(days=30))
    with asked.db.write() as s:
        assert promise_tick(s, clock=asked.clock).broken == []
