"""Two agents on one conversation see each other; a stale view asks for confirmation; replies
are signed in the workspace's format and the signature counts in the length limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from heedful.care.collision import (
    ensure_fresh_view,
    leave_conversation,
    mark_drafting,
    open_conversation,
    others_here,
)
from heedful.care.config import CareSettings, parse_care_settings, update_care_settings
from heedful.care.signatures import render_signature, sign, signed_reply
from heedful.errors import ConflictError, ValidationFailed
from heedful.store.tables import Workspace
from tests.care.conftest import World
from tests.factories import T0, customer, event


def test_drafting_agents_see_each_other_and_presence_expires(world: World) -> None:
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam"))])
    with world.db.write() as s:
        conv = world.conversation_of(s, "q1")
        open_conversation(s, conv, world.anna, clock=world.clock)
        open_conversation(s, conv, world.ben, clock=world.clock)
        mark_drafting(s, conv, world.ben, clock=world.clock)
    with world.db.session() as s:
        conv = world.conversation_of(s, "q1")
        [ben] = others_here(s, conv.id, world.anna, now=world.clock.now())
        assert (ben.name, ben.drafting) == ("Ben Cole", True)
        assert [p.name for p in others_here(s, conv.id, world.ben, now=world.clock.now())] == [
            "Anna Bell"
        ]
        later = world.clock.now() + timedelta(minutes=5)
        assert others_here(s, conv.id, world.anna, now=later) == []
    with world.db.write() as s:
        leave_conversation(s, world.conversation_of(s, "q1").id, world.ben)
    with world.db.session() as s:
        assert (
            others_here(s, world.conversation_of(s, "q1").id, world.anna, now=world.clock.now())
            == []
        )


def test_a_reply_on_a_stale_view_needs_confirmation(world: World) -> None:
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam"), text="My order is late")])
    with world.db.write() as s:
        presence = open_conversation(
            s, world.conversation_of(s, "q1"), world.anna, clock=world.clock
        )
        seen = presence.seen_message_id
    with world.db.session() as s:
        ensure_fresh_view(s, world.conversation_of(s, "q1").id, seen)  # nothing new: fine
    world.ingest(
        [
            event(
                "q2",
                author=customer("sam"),
                reply_to="q1",
                minutes=3,
                text="Actually it just arrived, cancel the complaint",
            )
        ]
    )
    with world.db.session() as s:
        conv_id = world.conversation_of(s, "q1").id
        with pytest.raises(ConflictError, match=r"1 new customer message arrived.*just arrived"):
            ensure_fresh_view(s, conv_id, seen)
        ensure_fresh_view(s, conv_id, seen, confirmed=True)


def test_signatures_per_channel_counted_in_the_limit(world: World) -> None:
    with world.db.write() as s:
        workspace = s.get(Workspace, world.ws)
        assert workspace is not None
        anna = world.agent(s, world.anna)
        settings = update_care_settings(
            s,
            workspace,
            {"signatures": {"facebook": " – {first_name}", "email": "\n\n{name}\n{team}"}},
            clock=world.clock,
        )
        assert render_signature(settings, agent=anna, workspace=workspace, channel="x") == " ^AB"
        assert (
            render_signature(settings, agent=anna, workspace=workspace, channel="facebook")
            == " – Anna"
        )
        assert render_signature(settings, agent=anna, workspace=workspace, channel="email") == (
            "\n\nAnna Bell\nThe Acme team"
        )
        assert render_signature(settings, agent=None, workspace=workspace, channel="x") == (
            " – The Acme team"
        )
        text = "x" * 276
        assert (
            signed_reply(
                text, settings=settings, agent=anna, workspace=workspace, channel="x", limit=280
            ).length
            == 280
        )
        with pytest.raises(ValidationFailed, match="with its signature '\\^AB' the reply is 281"):
            signed_reply(
                text + "y",
                settings=settings,
                agent=anna,
                workspace=workspace,
                channel="x",
                limit=280,
            )
    assert sign("Thanks! ^AB", " ^AB").text == "Thanks! ^AB"  # signing twice changes nothing
    assert len(world.events("workspace.settings_changed")) == 1


def test_bad_signature_formats_are_refused() -> None:
    assert CareSettings().signature == " ^{initials}"
    with pytest.raises(ValidationFailed, match="unknown placeholder"):
        parse_care_settings({"signature": " ^{nickname}"})
    with pytest.raises(ValidationFailed, match="assignment"):
        parse_care_settings({"assignment": "random"})
