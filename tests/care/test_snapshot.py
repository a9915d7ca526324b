"""Stored SLA snapshots say exactly what the timeline says, at any later moment, and the tick's
next check comes no later than the next change of a running clock's status."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from heedful.care import snapshot
from heedful.care.clocks import sla_json
from heedful.care.hours import BusinessCalendar
from heedful.care.sla import SlaPolicy, SlaStatus, Timeline, default_policies, sla_state
from heedful.domain.enums import ConversationStatus, Visibility

H = timedelta(hours=1)
M = timedelta(minutes=1)
T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # Friday afternoon in London
CALENDARS = {
    "london": BusinessCalendar("Europe/London", holiday_country="GB", holiday_subdivision="ENG"),
    "office": BusinessCalendar("UTC"),
    "always": BusinessCalendar("UTC", always_open=True),
}
POLICIES = [
    *default_policies(),
    SlaPolicy("tight", first_response=10 * M, next_response=15 * M, resolution=2 * H),
    SlaPolicy("dm", first_response=2 * H, next_response=H, resolution=16 * H, business_hours=True),
    SlaPolicy("loose", first_response=4 * H, at_risk_fraction=0.5),
]


def random_timeline(rng: random.Random) -> Timeline:
    inbound = sorted(T0 + rng.randint(0, 3000) * M for _ in range(rng.randint(0, 4)))
    outbound = sorted(T0 + rng.randint(0, 3000) * M for _ in range(rng.randint(0, 3)))
    statuses = [
        (T0 + rng.randint(0, 3000) * M, rng.choice(list(ConversationStatus)))
        for _ in range(rng.randint(0, 3))
    ]
    return Timeline.build(inbound, outbound, statuses)


def live(timeline: Timeline, policy: SlaPolicy, calendar: BusinessCalendar, at: datetime) -> object:
    return sla_json(sla_state(timeline, policy, calendar, at))


@pytest.mark.parametrize("seed", range(6))
def test_a_snapshot_evaluated_later_equals_the_live_state(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(150):
        timeline = random_timeline(rng)
        policy = rng.choice(POLICIES)
        calendar = CALENDARS[rng.choice(list(CALENDARS))]
        taken = T0 + rng.randint(-60, 3200) * M + rng.randint(0, 59) * timedelta(seconds=1)
        state = sla_state(timeline, policy, calendar, taken)
        doc = snapshot.snapshot(state, timeline, now=taken, key="k", rules="r")
        for _ in range(6):
            later = taken + rng.choice([0, 1, 7, 44, 61, 600, 3000]) * M
            later += rng.randint(0, 59) * timedelta(seconds=1)
            if not snapshot.usable(doc, key="k", rules="r", now=later):
                assert any(taken < t <= later for t in instants(timeline))
                continue
            evaluated = snapshot.evaluate(doc, later, calendar)
            assert snapshot.summary(doc, evaluated) == live(timeline, policy, calendar, later)
            checked += 1
    assert checked > 300


@pytest.mark.parametrize("seed", range(4))
def test_no_running_clock_changes_status_before_the_next_check(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(120):
        timeline = random_timeline(rng)
        policy = rng.choice(POLICIES)
        calendar = CALENDARS[rng.choice(list(CALENDARS))]
        taken = T0 + rng.randint(0, 3200) * M
        doc = snapshot.snapshot(
            sla_state(timeline, policy, calendar, taken), timeline, now=taken, key="k", rules="r"
        )
        due = snapshot.next_check(doc, calendar, escalations_pending=False)
        before = statuses(doc, taken, calendar)
        if due is snapshot.NEVER:  # nothing runs but breached clocks: no status will change
            running = [s for s, c in zip(before, doc["c"], strict=True) if c[1] is None]
            assert all(s is SlaStatus.BREACHED for s in running)
            continue
        assert due > taken
        for fraction in (0.1, 0.5, 0.9, 0.999):
            moment = taken + (due - taken) * fraction
            if snapshot.usable(doc, key="k", rules="r", now=moment):
                assert statuses(doc, moment, calendar) == before


def test_a_pending_escalation_is_checked_at_once() -> None:
    timeline = Timeline.build([T0])
    policy = SlaPolicy("public", first_response=H)
    at = T0 + 50 * M  # at risk
    doc = snapshot.snapshot(
        sla_state(timeline, policy, CALENDARS["always"], at), timeline, now=at, key="k", rules="r"
    )
    assert snapshot.next_check(doc, None, escalations_pending=True) == at
    assert snapshot.next_check(doc, None, escalations_pending=False) == T0 + H


def test_a_stale_snapshot_is_not_used() -> None:
    timeline = Timeline.build([T0])
    state = sla_state(timeline, POLICIES[0], CALENDARS["always"], T0)
    doc = snapshot.snapshot(state, timeline, now=T0, key="k", rules="r")
    later = T0 + M
    assert snapshot.usable(doc, key="k", rules="r", now=later)
    assert not snapshot.usable(doc, key="other", rules="r", now=later)
    assert not snapshot.usable(doc, key="k", rules="other", now=later)
    assert not snapshot.usable(doc, key="k", rules="r", now=T0 - M)  # before it was taken
    key = snapshot.conversation_key("new", 10, 1, T0, None)
    assert key == snapshot.conversation_key("open", 10, 1, T0, None)
    assert key != snapshot.conversation_key("waiting", 10, 1, T0, None)
    assert key != snapshot.conversation_key("new", 11, 1, T0, None)


def instants(timeline: Timeline) -> list[datetime]:
    return [*timeline.inbound, *timeline.outbound, *(t for t, _ in timeline.statuses)]


def statuses(doc: dict[str, object], at: datetime, calendar: BusinessCalendar) -> list[SlaStatus]:
    return [c.status for c in snapshot.evaluate(doc, at, calendar)]


def test_public_visibility_default_is_used_for_the_policy_name() -> None:
    # the snapshot carries the matched policy's name and business-hours flag for the badge
    timeline = Timeline.build([T0])
    policy = next(p for p in default_policies() if p.visibility is Visibility.PRIVATE)
    doc = snapshot.snapshot(
        sla_state(timeline, policy, CALENDARS["london"], T0), timeline, now=T0, key="k", rules="r"
    )
    summary = snapshot.summary(doc, snapshot.evaluate(doc, T0 + H, CALENDARS["london"]))
    assert summary is not None and summary["policy"] == policy.name and summary["business_hours"]
