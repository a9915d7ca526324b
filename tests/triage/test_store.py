"""Triage with context from the store, on constructed histories (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from heedful.cli import build_app
from heedful.clock import FrozenClock
from heedful.queries.conversation import conversation_json
from heedful.services.contacts import link_identity
from heedful.services.ingest import ingest_events
from heedful.services.pipeline import receive
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationTriage,
    Message,
    MessageTriage,
    RawEvent,
    Workspace,
)
from heedful.triage.history import context_signals
from heedful.triage.jobs import triage_pending
from heedful.triage.service import triage_messages
from heedful.web.features import triage_reasons
from tests.factories import BRAND, at, customer, event

ANGRY = "still no signal and nobody answers!! third time asking"


@pytest.fixture
def ws(db: Database, clock: FrozenClock) -> int:
    with db.write() as session:
        return create_workspace(session, slug="acme", name="Acme", clock=clock).id


def ingest(db: Database, ws: int, clock: FrozenClock, events: list) -> list[int]:  # type: ignore[type-arg]
    with db.write() as session:
        return ingest_events(session, ws, events, clock=clock).message_ids


def message_id(db: Database, external_id: str) -> int:
    with db.session() as session:
        return session.scalars(select(Message.id).where(Message.external_id == external_id)).one()


def context_of(db: Database, external_id: str):  # type: ignore[no-untyped-def]
    mid = message_id(db, external_id)
    with db.session() as session:
        return context_signals(session, [mid])[mid]


def triage_all(
    db: Database, ws: int, clock: FrozenClock, ids: list[int], stage: str = "fast"
) -> None:
    with db.write() as session:
        triage_messages(session, ws, ids, clock=clock, stage=stage)  # type: ignore[arg-type]


def test_repeat_complainer(db: Database, ws: int, clock: FrozenClock) -> None:
    ids = ingest(db, ws, clock, [event(f"r{i}", text=ANGRY, minutes=60 * i) for i in range(3)])
    ctx = context_of(db, "r2")
    assert (ctx.messages_24h, ctx.unanswered_24h, ctx.span_hours) == (3, 3, 2.0)
    first = context_of(db, "r0")
    assert (first.messages_24h, first.unanswered_24h) == (1, 1)
    triage_all(db, ws, clock, ids)
    with db.session() as session:
        rows = {t.message_id: t for t in session.scalars(select(MessageTriage))}
        conversation = session.scalars(select(Conversation)).one()
    third = rows[message_id(db, "r2")]
    assert {"text": "3rd message in 2 h, none answered", "points": 26} in third.reasons
    assert third.priority > rows[message_id(db, "r0")].priority
    assert conversation.priority == third.priority


def test_answered_messages_are_not_unanswered(db: Database, ws: int, clock: FrozenClock) -> None:
    ingest(
        db, ws, clock,
        [
            event("a0", text="my order is late", minutes=0),
            event("b0", outbound=True, reply_to="a0", minutes=10, text="Sorry! Checking ^AB"),
            event("a1", text="still nothing", reply_to="b0", minutes=60),
        ],
    )  # fmt: skip
    ctx = context_of(db, "a1")
    assert (ctx.messages_24h, ctx.unanswered_24h, ctx.brand_replied) == (2, 1, True)


def test_channel_hopper(db: Database, ws: int, clock: FrozenClock) -> None:
    person = customer("c1")
    ingest(
        db, ws, clock,
        [
            event("x1", author=person, text=ANGRY, minutes=0),
            event("e1", author=customer("c1@mail.test"), channel="email", text=ANGRY, minutes=30),
        ],
    )  # fmt: skip
    assert context_of(db, "e1").other_channels == ()  # two different people so far
    with db.write() as session:
        email = session.scalars(
            select(ContactIdentity).where(ContactIdentity.channel == "email")
        ).one()
        x_contact = session.scalars(
            select(Contact).join(ContactIdentity).where(ContactIdentity.channel == "x")
        ).one()
        link_identity(session, email, x_contact, clock=clock)
    ctx = context_of(db, "e1")
    assert ctx.other_channels == ("x",)
    assert ctx.messages_24h == 2
    ids = [message_id(db, "x1"), message_id(db, "e1")]
    triage_all(db, ws, clock, ids)
    with db.session() as session:
        hopped = session.get(MessageTriage, message_id(db, "e1"))
    assert hopped is not None
    assert {"text": "also wrote on x (channel hopping)", "points": 12} in hopped.reasons


def test_pile_on(db: Database, ws: int, clock: FrozenClock) -> None:
    events = [event("p0", author=customer("c0"), text="the app is down again!!", minutes=0)]
    events += [
        event(f"p{i}", author=customer(f"c{i}"), reply_to="p0", text="same here", minutes=5 * i)
        for i in range(1, 5)
    ]
    ids = ingest(db, ws, clock, events)
    assert context_of(db, "p4").others_in_thread == 4
    assert context_of(db, "p1").others_in_thread == 1
    triage_all(db, ws, clock, ids)
    with db.session() as session:
        last = session.get(MessageTriage, message_id(db, "p4"))
    assert last is not None
    assert {"text": "4 other people joined the thread", "points": 12} in last.reasons


def test_high_reach_author_outranks_the_same_words_from_a_small_account(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    ids = ingest(
        db, ws, clock,
        [
            event("h0", author=customer("big", followers=332_000), text=ANGRY, minutes=0),
            event("hb", outbound=True, reply_to="h0", text="That's a bit harsh", minutes=5),
            event("s0", author=customer("small", followers=40), text=ANGRY, minutes=1),
        ],
    )  # fmt: skip
    assert BRAND.followers == 203_000
    ctx = context_of(db, "h0")
    assert (ctx.author_followers, ctx.brand_followers) == (332_000, 203_000)
    triage_all(db, ws, clock, ids)
    with db.session() as session:
        big = session.get(MessageTriage, message_id(db, "h0"))
        small = session.get(MessageTriage, message_id(db, "s0"))
    assert big is not None and small is not None
    assert big.priority > small.priority
    assert "332k followers — more than the brand (203k)" in [r["text"] for r in big.reasons]


def test_live_ingest_triages_inline_and_the_sweep_refines(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    with db.write() as session:
        result = receive(session, ws, [event("l0", text=ANGRY)], clock=clock)
    with db.session() as session:
        row = session.get(MessageTriage, result.message_ids[0])
        conversation = session.scalars(select(Conversation)).one()
        reasons = triage_reasons(session, [conversation.id])
    assert row is not None and row.stage == "fast"
    assert conversation.priority == row.priority > 0
    assert reasons[conversation.id][0].text == row.reasons[0]["text"]
    assert triage_pending(db, clock=clock, stage="full") == 1
    with db.session() as session:
        refined = session.get(MessageTriage, result.message_ids[0])
        document = conversation_json(session, conversation)
    assert refined is not None and refined.stage == "full"
    assert document["reasons"] == refined.reasons
    assert document["messages"][0]["triage"]["stage"] == "full"
    assert triage_pending(db, clock=clock, stage="full") == 0


def test_the_refine_takes_small_bites_while_webhook_bodies_wait(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    from types import SimpleNamespace

    from heedful.services.webhooks import store_raw_event
    from heedful.services.workspaces import add_channel_account
    from heedful.triage.jobs import BUSY_CHUNK, sweep

    ingest(
        db, ws, clock, [event(f"r{i}", text=f"refund {i} missing", minutes=i) for i in range(40)]
    )
    with db.write() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        account = add_channel_account(
            session, workspace, channel="webhook", external_id="shop", clock=clock
        )
        raw = store_raw_event(session, account, headers={}, body=b"{}", clock=clock)
    ctx = SimpleNamespace(db=db, clock=clock)

    def refined() -> int:
        with db.session() as session:
            return len(
                session.scalars(select(MessageTriage).where(MessageTriage.stage == "full")).all()
            )

    sweep(ctx, {})  # the fast pass of all 40 first
    sweep(ctx, {})
    assert refined() == BUSY_CHUNK
    with db.write() as session:
        session.execute(
            RawEvent.__table__.update().where(RawEvent.id == raw).values(status="processed")
        )
    sweep(ctx, {})  # processed, but it arrived a moment ago: the traffic may go on
    assert refined() == 2 * BUSY_CHUNK
    clock.advance(minutes=1)
    sweep(ctx, {})
    assert refined() == 40


def test_fast_pass_never_overwrites_a_full_result(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    ids = ingest(db, ws, clock, [event("f0", text=ANGRY)])
    triage_all(db, ws, clock, ids, stage="full")
    triage_all(db, ws, clock, ids, stage="fast")
    with db.session() as session:
        row = session.get(MessageTriage, ids[0])
    assert row is not None and row.stage == "full"


def test_bulk_import_is_triaged_in_the_background(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    ingest(db, ws, clock, [event(f"b{i}", text=f"order {i} late", minutes=i) for i in range(5)])
    with db.session() as session:
        assert session.scalars(select(MessageTriage)).all() == []
    assert triage_pending(db, clock=clock, stage="fast") == 5
    assert triage_pending(db, clock=clock, stage="fast") == 0
    with db.session() as session:
        assert len(session.scalars(select(ConversationTriage)).all()) >= 1


def test_the_sweep_refreshes_the_sla_state_of_conversations_whose_priority_changed(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    """The SLA policy is matched by priority: a stored SLA snapshot made under the old
    priority would time escalations by the wrong targets."""
    from heedful.care.clocks import refresh_sla_by_id, row_key, rules_versions
    from heedful.care.snapshot import usable

    ingest(db, ws, clock, [event("s1", text=ANGRY, author=customer("c9", 400_000))])
    with db.write() as session:
        refresh_sla_by_id(session, session.scalars(select(Conversation.id)), clock=clock)
    assert triage_pending(db, clock=clock, stage="fast") == 1
    with db.session() as session:
        [conv] = session.scalars(select(Conversation))
        assert conv.priority > 0
        rules = rules_versions(session, [ws])[ws]
        assert usable(conv.sla_state, key=row_key(conv), rules=rules, now=clock.now())


def test_the_sweep_resumes_where_it_ended_and_rescans_from_the_start(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    from heedful.store.tables import TriageProgress

    ingest(db, ws, clock, [event(f"p{i}", text=f"parcel {i} lost", minutes=i) for i in range(6)])
    assert triage_pending(db, clock=clock, stage="fast", limit=4) == 4
    with db.session() as session:
        progress = session.get(TriageProgress, "fast")
        assert progress is not None
        first_position = progress.after_id
    assert triage_pending(db, clock=clock, stage="fast", limit=4) == 2  # only what is left
    # a message that commits late with a lower id is found by the periodic look from the start
    with db.write() as session:
        session.execute(delete(MessageTriage).where(MessageTriage.message_id <= first_position - 2))
    assert triage_pending(db, clock=clock, stage="fast") == 0
    clock.advance(minutes=11)
    assert triage_pending(db, clock=clock, stage="fast") == first_position - 2


def test_workspace_weights_apply(db: Database, ws: int, clock: FrozenClock) -> None:
    ids = ingest(db, ws, clock, [event("w0", text="when does the store open?")])
    triage_all(db, ws, clock, ids)
    with db.write() as session:
        before = session.get(MessageTriage, ids[0])
        assert before is not None
        base = before.priority
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        workspace.settings = {"triage": {"weights": {"base": 40}}}
    triage_all(db, ws, clock, ids)
    with db.session() as session:
        after = session.get(MessageTriage, ids[0])
    assert after is not None and after.priority == base + 35


def test_rerun_command(
    db: Database, ws: int, clock: FrozenClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(db, ws, clock, [event("o0", text=ANGRY, minutes=0), event("n0", text=ANGRY, minutes=90)])
    monkeypatch.setenv("HEEDFUL_DATABASE_URL", database_url)
    since = (at(60) + timedelta(seconds=1)).isoformat(timespec="seconds").replace("+00:00", "")
    result = CliRunner().invoke(build_app(), ["triage", "--rerun", "--since", since])
    assert result.exit_code == 0, result.output
    assert "re-triaged 1 messages" in result.output
    with db.session() as session:
        stages = {t.message_id: t.stage for t in session.scalars(select(MessageTriage))}
    assert stages == {message_id(db, "n0"): "full"}
