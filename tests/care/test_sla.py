"""SLA clocks with a frozen clock: on track, at risk, breach, pause/resume, business time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heedful.care.hours import BusinessCalendar
from heedful.care.sla import (
    ConversationSla,
    EscalationAction,
    SlaClock,
    SlaMetric,
    SlaPolicy,
    SlaStatus,
    Timeline,
    default_policies,
    escalations,
    match_policy,
    sla_state,
)
from heedful.clock import FrozenClock
from heedful.domain.enums import ConversationStatus, Visibility
from heedful.errors import ValidationFailed

H = timedelta(hours=1)
M = timedelta(minutes=1)
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # Wednesday 10:00 London
CALENDAR = BusinessCalendar("Europe/London")
PUBLIC = SlaPolicy("public", first_response=H, next_response=2 * H, resolution=24 * H)
BUSINESS = SlaPolicy("dm", first_response=2 * H, business_hours=True)


def clock_of(state: ConversationSla, metric: SlaMetric) -> SlaClock:
    return next(c for c in state.clocks if c.metric is metric)


def first(timeline: Timeline, policy: SlaPolicy, clock: FrozenClock) -> SlaClock:
    return clock_of(sla_state(timeline, policy, CALENDAR, clock.now()), SlaMetric.FIRST_RESPONSE)


def test_default_public_policy_is_one_hour() -> None:
    policy = match_policy(default_policies(), "x", Visibility.PUBLIC, 20)
    assert policy is not None and policy.first_response == H and not policy.business_hours
    urgent = match_policy(default_policies(), "x", Visibility.PUBLIC, 85)
    assert urgent is not None and urgent.name == "urgent"
    email = match_policy(default_policies(), "email", Visibility.PRIVATE, 20)
    assert email is not None and email.business_hours


def test_first_response_on_track_then_at_risk_then_breached() -> None:
    clock = FrozenClock(T0)
    timeline = Timeline.build(inbound=[T0])
    clock.advance(minutes=30)
    state = first(timeline, PUBLIC, clock)
    assert (state.status, state.remaining, state.due_at) == (SlaStatus.ON_TRACK, 30 * M, T0 + H)
    clock.advance(minutes=16)  # 14 minutes left: under a quarter of the hour
    assert first(timeline, PUBLIC, clock).status is SlaStatus.AT_RISK
    clock.advance(minutes=15)
    breached = first(timeline, PUBLIC, clock)
    assert breached.status is SlaStatus.BREACHED and breached.remaining == -M
    assert breached.due_at == T0 + H


def test_a_reply_stops_the_clock_met_or_late() -> None:
    clock = FrozenClock(T0 + 3 * H)
    on_time = Timeline.build(inbound=[T0], outbound=[T0 + 50 * M])
    late = Timeline.build(inbound=[T0], outbound=[T0 + 70 * M])
    assert first(on_time, PUBLIC, clock).status is SlaStatus.MET
    late_clock = first(late, PUBLIC, clock)
    assert late_clock.status is SlaStatus.BREACHED and late_clock.stopped_at == T0 + 70 * M


def test_waiting_on_the_customer_pauses_and_resumes() -> None:
    clock = FrozenClock(T0 + 4 * H)
    timeline = Timeline.build(
        inbound=[T0, T0 + 3 * H],
        outbound=[T0 + 10 * M],
        statuses=[(T0 + 10 * M, ConversationStatus.WAITING), (T0 + 3 * H, "open")],
    )
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    resolution = clock_of(state, SlaMetric.RESOLUTION)
    # ran 10 minutes, paused 2 h 50 min, ran again for an hour
    assert resolution.elapsed == 70 * M and resolution.status is SlaStatus.ON_TRACK
    assert resolution.due_at == clock.now() + 24 * H - 70 * M
    nxt = clock_of(state, SlaMetric.NEXT_RESPONSE)
    assert nxt.started_at == T0 + 3 * H and nxt.elapsed == H and nxt.status is SlaStatus.ON_TRACK


def test_paused_clock_reports_paused_and_no_due_time() -> None:
    clock = FrozenClock(T0 + 2 * H)
    timeline = Timeline.build(
        inbound=[T0], outbound=[T0 + 5 * M], statuses=[(T0 + 5 * M, "waiting")]
    )
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    resolution = clock_of(state, SlaMetric.RESOLUTION)
    assert resolution.status is SlaStatus.PAUSED and resolution.due_at is None


def test_business_hours_clock_stops_overnight_and_over_the_weekend() -> None:
    friday_1630 = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    clock = FrozenClock(datetime(2026, 11, 23, 9, 45, tzinfo=UTC))  # Monday 09:45
    state = first(Timeline.build(inbound=[friday_1630]), BUSINESS, clock)
    assert state.elapsed == 75 * M and state.status is SlaStatus.ON_TRACK
    assert state.due_at == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    clock.set(datetime(2026, 11, 23, 10, 31, tzinfo=UTC))
    assert first(Timeline.build(inbound=[friday_1630]), BUSINESS, clock).status is (
        SlaStatus.BREACHED
    )


def test_resolving_without_a_reply_closes_the_first_response_clock() -> None:
    clock = FrozenClock(T0 + 3 * H)
    timeline = Timeline.build(inbound=[T0], statuses=[(T0 + 20 * M, "resolved")])
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    assert clock_of(state, SlaMetric.FIRST_RESPONSE).status is SlaStatus.CLOSED
    assert clock_of(state, SlaMetric.RESOLUTION).status is SlaStatus.MET


def test_current_clock_is_the_most_urgent() -> None:
    clock = FrozenClock(T0 + 5 * H)
    timeline = Timeline.build(inbound=[T0, T0 + 2 * H], outbound=[T0 + 30 * M])
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    assert state.current is not None and state.current.metric is SlaMetric.NEXT_RESPONSE
    assert state.status is SlaStatus.BREACHED


def test_escalation_at_risk_notifies_owner_and_breach_notifies_lead_once() -> None:
    clock = FrozenClock(T0 + 50 * M)
    timeline = Timeline.build(inbound=[T0])
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    [at_risk] = escalations(state, 40, owned=True)
    assert at_risk.actions == (EscalationAction.RAISE_PRIORITY, EscalationAction.NOTIFY_OWNER)
    assert at_risk.new_priority == 50 and "10 min left" in at_risk.reason
    assert escalations(state, 50, owned=True, already=[at_risk.key]) == []
    clock.advance(minutes=20)
    state = sla_state(timeline, PUBLIC, CALENDAR, clock.now())
    [breach] = escalations(state, 50, owned=True, already=[at_risk.key])
    assert EscalationAction.NOTIFY_LEAD in breach.actions and breach.new_priority == 90
    assert "breached (10 min over)" in breach.reason


def test_a_breach_first_seen_long_after_it_happened_is_not_escalated() -> None:
    # imported history, or workers that were down for days: nobody is paged for old news
    timeline = Timeline.build(inbound=[T0])
    long_after = sla_state(timeline, PUBLIC, CALENDAR, T0 + 3 * 24 * H)
    assert clock_of(long_after, SlaMetric.FIRST_RESPONSE).status is SlaStatus.BREACHED
    assert escalations(long_after, 40, owned=True) == []
    soon_after = sla_state(timeline, PUBLIC, CALENDAR, T0 + 2 * H)
    assert [e.level for e in escalations(soon_after, 40, owned=True)] == [SlaStatus.BREACHED]


def test_unowned_at_risk_goes_to_the_lead() -> None:
    clock = FrozenClock(T0 + 50 * M)
    state = sla_state(Timeline.build(inbound=[T0]), PUBLIC, CALENDAR, clock.now())
    [at_risk] = escalations(state, 0, owned=False)
    assert EscalationAction.NOTIFY_LEAD in at_risk.actions


def test_policy_spec_round_trip_and_validation() -> None:
    policy = SlaPolicy(
        "vip", 15 * M, H, 4 * H, True, frozenset({"x"}), Visibility.PUBLIC, 50, 100, 0.3
    )
    assert SlaPolicy.from_spec(policy.to_spec()) == policy
    with pytest.raises(ValidationFailed, match="fraction"):
        SlaPolicy("bad", at_risk_fraction=1.5)
