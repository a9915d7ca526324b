"""The out-of-hours acknowledgement on live traffic: sent once per wait, truthful, tracked as
the team's promise, and never mistaken for an answer from a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from heedful.care.clocks import sla_states_of
from heedful.care.config import update_care_settings
from heedful.care.sla import SlaMetric, SlaStatus
from heedful.clock import FrozenClock, as_utc
from heedful.domain import MessageKind, Visibility
from heedful.services.pipeline import receive
from heedful.services.replies import send_reply
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.db import Database
from heedful.store.tables import Conversation, Event, Message, OutboxItem, Promise, Workspace
from tests.factories import customer, event

pytestmark = pytest.mark.db

FRIDAY_EVENING = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # London: closed until Monday 09:00
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)  # open


def minutes_after_t0(when: datetime) -> float:
    return (when - datetime(2026, 11, 20, 9, 0, tzinfo=UTC)).total_seconds() / 60


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FRIDAY_EVENING)


@pytest.fixture
def ws(db: Database, clock: FrozenClock) -> int:
    with db.write() as session:
        workspace = create_workspace(
            session, slug="acme", name="Acme", clock=clock, timezone="Europe/London"
        )
        add_channel_account(
            session, workspace, channel="mastodon", external_id="brand", handle="acme", clock=clock
        )
        update_care_settings(
            session,
            workspace,
            {"acknowledge_out_of_hours": True, "team": "The Acme care team"},
            clock=clock,
        )
        return workspace.id


def live(db: Database, ws: int, clock: FrozenClock, external_id: str, **kw: object) -> int:
    kw.setdefault("minutes", minutes_after_t0(clock.now()))
    e = event(external_id, channel="mastodon", account_ref="brand", **kw)  # type: ignore[arg-type]
    with db.write() as session:
        result = receive(session, ws, [e], clock=clock)
    return next(iter(result.conversation_ids))


def automatic(db: Database) -> list[Message]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Message).where(Message.kind == MessageKind.AUTO.value).order_by(Message.id)
            )
        )


def test_a_message_out_of_hours_is_acknowledged_truthfully_and_the_time_is_a_promise(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    conv_id = live(db, ws, clock, "m1", text="my parcel never arrived")
    [ack] = automatic(db)
    assert ack.visibility == Visibility.PUBLIC.value and ack.in_reply_to_external_id == "m1"
    assert "Monday" in ack.text and ack.text.endswith("– The Acme care team")
    with db.session() as session:
        assert session.scalar(select(OutboxItem.state).where(OutboxItem.message_id == ack.id)) == (
            "queued"
        )
        [promise] = session.scalars(select(Promise).where(Promise.conversation_id == conv_id))
        assert promise.source == "ack" and promise.state == "open"
        # Monday 09:00 London opening + the default one-hour first-response target
        assert promise.due_at is not None
        assert as_utc(promise.due_at) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        conv = session.get(Conversation, conv_id)
        assert conv is not None
        # not an answer from a person: no first response, the clock still runs
        assert conv.first_response_at is None and conv.last_outbound_at is None
        state = sla_states_of(session, [conv], now=MONDAY_MORNING)[conv_id]
        first = next(c for c in state.clocks if c.metric is SlaMetric.FIRST_RESPONSE)
        assert first.stopped_at is None and first.status is SlaStatus.BREACHED


def test_once_per_wait_then_again_after_a_person_answered(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    conv_id = live(db, ws, clock, "m1")
    clock.advance(timedelta(minutes=10))
    live(db, ws, clock, "m2", reply_to="m1", text="hello??")
    assert len(automatic(db)) == 1  # the open promise already told them when
    clock.set(MONDAY_MORNING - timedelta(minutes=40))  # Monday 09:50, open
    with db.write() as session:
        conv = session.get(Conversation, conv_id)
        assert conv is not None
        send_reply(
            session,
            agent=None,
            conversation=conv,
            text="Hi, sorry for the wait: I'm looking at your parcel now ^AB",
            visibility=Visibility.PUBLIC,
            clock=clock,
        )
    with db.session() as session:
        [promise] = session.scalars(select(Promise).where(Promise.source == "ack"))
        assert promise.state == "kept"
    clock.set(datetime(2026, 11, 23, 19, 0, tzinfo=UTC))  # Monday evening: closed again
    live(db, ws, clock, "m3", reply_to="m1", text="still nothing")
    assert len(automatic(db)) == 2


def test_no_acknowledgement_in_hours_for_mentions_for_late_arrivals_or_when_off(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING)
    live(db, ws, clock, "open-hours")
    clock.set(FRIDAY_EVENING)
    live(db, ws, clock, "mention", author=customer("c2"), unsolicited=True)
    live(db, ws, clock, "late", author=customer("c3"), minutes=minutes_after_t0(clock.now()) - 120)
    assert automatic(db) == []
    with db.write() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        update_care_settings(session, workspace, {"acknowledge_out_of_hours": False}, clock=clock)
    live(db, ws, clock, "off", author=customer("c4"))
    assert automatic(db) == []


def test_a_channel_that_cannot_post_it_gets_none_and_an_event_says_why(
    db: Database, ws: int, clock: FrozenClock
) -> None:
    with db.write() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        update_care_settings(session, workspace, {"handles": "orders " * 120}, clock=clock)
    live(db, ws, clock, "m1")
    assert automatic(db) == []
    with db.session() as session:
        [skipped] = session.scalars(select(Event).where(Event.kind == "acknowledgement.skipped"))
        assert "500" in skipped.data["reason"]
