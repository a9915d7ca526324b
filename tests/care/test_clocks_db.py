"""SLA clocks on the store: status changes pause the clock, the tick escalates once."""

from __future__ import annotations

from datetime import timedelta

from heedful.care.calendars import load_calendar, load_policies, save_calendar, save_policies
from heedful.care.clocks import set_conversation_status, sla_states, sla_tick
from heedful.care.hours import BusinessCalendar
from heedful.care.sla import SlaPolicy
from heedful.domain import Visibility
from heedful.store.tables import Conversation
from heedful.workers.context import JobContext
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import JobRegistry
from tests.care.conftest import World
from tests.factories import T0, customer, event

H = timedelta(hours=1)


def test_default_policy_and_status_pause(world: World) -> None:
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam"))])
    world.ingest([event("a1", outbound=True, reply_to="q1", minutes=10)])
    with world.db.write() as s:
        conv = world.conversation_of(s, "q1")
        set_conversation_status(s, conv, "waiting", agent_id=world.anna, clock=world.clock)
    world.clock.advance(hours=5)
    with world.db.session() as s:
        state = sla_states(s, [world.conversation_of(s, "q1").id], world.clock)
        [summary] = state.values()
    assert summary["status"] == "paused" and summary["policy"] == "public social"
    # The customer writes again: the clocks run from their message on.
    world.ingest([event("q2", author=customer("sam"), reply_to="a1", minutes=5 * 60 + 20)])
    world.clock.set(T0 + 6 * H + 5 * timedelta(minutes=1))
    with world.db.session() as s:
        [summary] = sla_states(s, [world.conversation_of(s, "q1").id], world.clock).values()
    assert summary["metric"] == "next_response" and summary["status"] == "on_track"
    assert summary["remaining_seconds"] == (2 * H - 45 * timedelta(minutes=1)).total_seconds()
    [change] = world.events("conversation.status_changed")
    assert change.data == {"from": "new", "to": "waiting"}


def test_tick_escalates_at_risk_then_breach_once_and_notifies(world: World) -> None:
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam"))])
    world.clock.advance(minutes=50)
    with world.db.write() as s:
        [(_, at_risk)] = sla_tick(s, clock=world.clock)
        assert sla_tick(s, clock=world.clock) == []
    world.clock.advance(minutes=15)
    with world.db.write() as s:
        [(_, breached)] = sla_tick(s, clock=world.clock)
        conv = world.conversation_of(s, "q1")
        assert conv.priority == 90
    assert (at_risk.level, breached.level) == ("at_risk", "breached")
    [risk_event] = world.events("sla.at_risk")
    [breach_event] = world.events("sla.breached")
    assert risk_event.data["notify_agent_ids"] == [world.lena]  # unowned: the lead
    assert breach_event.data["notify_agent_ids"] == [world.lena]
    assert "first response target of 1 h breached" in breach_event.data["reason"]


def test_stored_business_hours_and_policies(world: World) -> None:
    world.clock.set(T0)
    calendar = BusinessCalendar("Europe/London", holiday_country="GB", holiday_subdivision="ENG")
    vip = SlaPolicy("dm", first_response=2 * H, business_hours=True, visibility=Visibility.PRIVATE)
    with world.db.write() as s:
        save_calendar(s, world.ws, calendar, always_open_channels=["facebook"], clock=world.clock)
        save_policies(s, world.ws, [vip], clock=world.clock)
    with world.db.session() as s:
        assert load_calendar(s, world.ws) == calendar
        assert load_calendar(s, world.ws, "facebook").always_open
        assert load_policies(s, world.ws) == (vip,)
    # Friday 16:30 London: a DM's 2 business hours run out on Monday at 10:30.
    world.ingest([event("d1", author=customer("sam"), private=True, minutes=7 * 60 + 30)])
    world.clock.set(T0 + 3 * 24 * H)  # Monday 09:00
    with world.db.session() as s:
        [summary] = sla_states(s, [world.conversation_of(s, "d1").id], world.clock).values()
    assert summary["due_at"] == "2026-11-23T10:30:00+00:00" and summary["business_hours"]


def test_the_tick_runs_as_a_periodic_job(world: World) -> None:
    from heedful.care import jobs

    registry = JobRegistry()
    jobs.register(registry)
    assert {job.name for job in registry if job.is_periodic} == {
        "care.sla_tick",
        "care.promise_tick",
    }
    world.clock.set(T0)
    world.ingest([event("q1", author=customer("sam"))])
    world.clock.advance(minutes=70)
    queue = InProcessQueue(registry, world.clock)
    queue.bind(JobContext(world.db, world.clock, queue, channels=None))  # type: ignore[arg-type]
    queue.run_pending()
    with world.db.session() as s:
        assert s.get(Conversation, world.conversation_of(s, "q1").id).priority == 90  # type: ignore[union-attr]
