"""Sticky ownership across channels, hand-over notes, automatic assignment with capacity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from heedful.care.config import update_care_settings
from heedful.care.handover import handover_notes, mark_handover_read
from heedful.care.ownership import (
    assign_conversation,
    claim_conversation,
    clock_in,
    clock_out,
    route_conversations,
    set_capacity,
)
from heedful.care.workflow import after_inbound, after_outbound
from heedful.errors import ValidationFailed
from heedful.services.contacts import link_identity
from heedful.store.tables import Contact, ContactIdentity, Workspace
from tests.care.conftest import World
from tests.factories import customer, event

FRIDAY_MORNING = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_first_replier_owns_and_later_messages_on_another_channel_follow(world: World) -> None:
    world.clock.set(FRIDAY_MORNING)
    world.ingest([event("t1", author=customer("sam"), minutes=20)])
    world.ingest([event("t2", outbound=True, reply_to="t1", minutes=25)])
    with world.db.write() as s:
        after_outbound(
            s,
            message=world.message(s, "t2"),
            conversation=world.conversation_of(s, "t1"),
            agent=world.agent(s, world.anna),
            clock=world.clock,
        )
    # Sam e-mails: a new identity, linked to the same person, on another channel.
    world.ingest(
        [event("m1", author=customer("sam@example.com"), channel="email", private=True, minutes=60)]
    )
    with world.db.write() as s:
        twitter = s.scalar(select(ContactIdentity).where(ContactIdentity.external_id == "sam"))
        mail = s.scalar(
            select(ContactIdentity).where(ContactIdentity.external_id == "sam@example.com")
        )
        assert twitter and mail
        contact = s.get(Contact, twitter.contact_id)
        assert contact is not None
        link_identity(s, mail, contact, clock=world.clock)
        routed = after_inbound(s, world.ws, [world.conversation_of(s, "m1").id], clock=world.clock)
    assert [(r.agent_id, r.reason) for r in routed] == [(world.anna, "sticky")]
    assigned = world.events("conversation.assigned")
    assert [e.data["reason"] for e in assigned] == ["claimed", "sticky"]


def test_off_shift_owner_does_not_get_the_new_conversation(world: World) -> None:
    world.clock.set(FRIDAY_MORNING)
    world.ingest([event("t1", author=customer("sam"), minutes=20)])
    with world.db.write() as s:
        claim_conversation(
            s, world.conversation_of(s, "t1"), world.agent(s, world.anna), clock=world.clock
        )
        for agent in (world.anna, world.ben, world.lena):
            clock_in(s, world.ws, agent, clock=world.clock)
        clock_out(s, world.ws, world.anna, clock=world.clock)
        set_capacity(s, world.ws, world.lena, capacity=0, clock=world.clock)
    world.ingest([event("t9", author=customer("sam"), minutes=26 * 60)])  # a new thread next day
    world.clock.set(datetime(2026, 11, 21, 11, 30, tzinfo=UTC))
    with world.db.write() as s:
        routed = route_conversations(
            s, world.ws, [world.conversation_of(s, "t9").id], clock=world.clock
        )
    assert [(r.agent_id, r.reason) for r in routed] == [(world.ben, "least_loaded")]


def test_least_loaded_and_round_robin_respect_capacity(world: World) -> None:
    world.clock.set(FRIDAY_MORNING)  # business hours: everyone without shifts is on
    with world.db.write() as s:
        set_capacity(s, world.ws, world.lena, capacity=1, clock=world.clock)
    world.ingest([event(f"t{i}", author=customer(f"c{i}"), minutes=i) for i in range(5)])
    with world.db.write() as s:
        ids = [world.conversation_of(s, f"t{i}").id for i in range(5)]
        routed = route_conversations(s, world.ws, ids, clock=world.clock)
    owners = [r.agent_id for r in routed]
    assert owners.count(world.lena) == 1  # full after one
    assert sorted(owners.count(a) for a in (world.anna, world.ben)) == [2, 2]

    with world.db.write() as s:
        workspace = s.get(Workspace, world.ws)
        assert workspace is not None
        update_care_settings(s, workspace, {"assignment": "round_robin"}, clock=world.clock)
    world.ingest([event(f"r{i}", author=customer(f"d{i}"), minutes=10 + i) for i in range(2)])
    world.clock.advance(minutes=1)
    with world.db.write() as s:
        ids = [world.conversation_of(s, f"r{i}").id for i in range(2)]
        routed = route_conversations(s, world.ws, ids, clock=world.clock)
    # Round robin: whoever waited longest since their last assignment, Lena is full.
    assert len({r.agent_id for r in routed}) == 2 and world.lena not in {r.agent_id for r in routed}


def test_outside_hours_without_shifts_nobody_is_assigned(world: World) -> None:
    world.clock.set(datetime(2026, 11, 21, 22, 0, tzinfo=UTC))  # Saturday night
    world.ingest([event("t1", author=customer("sam"))])
    with world.db.write() as s:
        assert (
            route_conversations(s, world.ws, [world.conversation_of(s, "t1").id], clock=world.clock)
            == []
        )


def test_hand_over_needs_a_note_that_the_next_owner_sees_first(world: World) -> None:
    world.clock.set(FRIDAY_MORNING)
    world.ingest([event("t1", author=customer("sam"))])
    with world.db.write() as s:
        conversation = world.conversation_of(s, "t1")
        anna, ben = world.agent(s, world.anna), world.agent(s, world.ben)
        assert (
            assign_conversation(s, conversation, anna, by_agent=None, note=None, clock=world.clock)
            is None
        )
        with pytest.raises(ValidationFailed, match="hand-over needs a note"):
            assign_conversation(s, conversation, ben, by_agent=anna, note=" ", clock=world.clock)
        assign_conversation(
            s,
            conversation,
            ben,
            by_agent=anna,
            clock=world.clock,
            note="Refund promised by Friday; customer prefers e-mail.",
        )
        assert conversation.owner_id == world.ben
        assert not claim_conversation(s, conversation, anna, clock=world.clock)
    with world.db.write() as s:
        conversation = world.conversation_of(s, "t1")
        [note] = handover_notes(s, conversation.id, for_agent_id=world.ben)
        assert note.from_agent_id == world.anna and note.read_at is None
        assert mark_handover_read(s, conversation.id, world.ben, clock=world.clock) == 1
    [handed] = world.events("conversation.handed_over")
    assert handed.data["previous_owner_id"] == world.anna and handed.data["owner_id"] == world.ben
