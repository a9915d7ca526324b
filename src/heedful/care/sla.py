"""SLA clocks: policies, the live state of a conversation's clocks, and what to do about them.

Three clocks per conversation, each with a target from the matching policy:

* **first response** — from the customer's first message to the brand's first reply;
* **next response** — from the first customer message the brand has not answered yet (after
  its first reply) to the brand's next reply;
* **resolution** — from the customer's first message until the conversation is resolved.

A clock counts *business* time (the workspace's opening hours, see ``heedful.care.hours``) or
*calendar* time, as its policy says. It does not count while the conversation waits on the
customer (status ``waiting``) or is resolved; it carries on where it left off when the
customer writes again or the conversation is reopened.

A running clock is **on track**, **at risk** once no more than ``at_risk_fraction`` of its
target is left (a quarter by default), **breached** when the target has passed, or **paused**.
A stopped clock was **met** or **breached**; a clock stopped by resolving a conversation that
never got the reply it waited for is **closed** and counts in no attainment figure.

Everything here is pure: the time comes in as ``now`` (from an injected clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from heedful.care.hours import BusinessCalendar
from heedful.clock import ensure_utc
from heedful.domain.enums import ConversationStatus, Visibility
from heedful.errors import ValidationFailed


class SlaMetric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class SlaStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    CLOSED = "closed"  # stopped by resolution before the awaited reply: not counted


URGENCY = {
    SlaStatus.BREACHED: 0,
    SlaStatus.AT_RISK: 1,
    SlaStatus.ON_TRACK: 2,
    SlaStatus.PAUSED: 3,
    SlaStatus.MET: 4,
    SlaStatus.CLOSED: 5,
}


# ---- policies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for the conversations it matches: by channel, visibility and priority.

    Empty ``channels`` and ``visibility=None`` match any; priorities are inclusive bounds on the
    conversation's 0-100 triage priority.
    """

    name: str
    first_response: timedelta | None = timedelta(hours=1)
    next_response: timedelta | None = None
    resolution: timedelta | None = None
    business_hours: bool = False
    channels: frozenset[str] = frozenset()
    visibility: Visibility | None = None
    min_priority: int = 0
    max_priority: int = 100
    at_risk_fraction: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.at_risk_fraction < 1:
            raise ValidationFailed("the at-risk threshold must be a fraction between 0 and 1")
        for target in (self.first_response, self.next_response, self.resolution):
            if target is not None and target <= timedelta(0):
                raise ValidationFailed(f"SLA targets must be positive (policy {self.name!r})")

    def matches(self, channel: str, visibility: Visibility, priority: int) -> bool:
        return (
            (not self.channels or channel in self.channels)
            and (self.visibility is None or self.visibility == visibility)
            and self.min_priority <= priority <= self.max_priority
        )

    def target(self, metric: SlaMetric) -> timedelta | None:
        return {
            SlaMetric.FIRST_RESPONSE: self.first_response,
            SlaMetric.NEXT_RESPONSE: self.next_response,
            SlaMetric.RESOLUTION: self.resolution,
        }[metric]

    def to_spec(self) -> dict[str, Any]:
        def minutes(value: timedelta | None) -> int | None:
            return None if value is None else int(value.total_seconds() // 60)

        return {
            "name": self.name,
            "first_response_minutes": minutes(self.first_response),
            "next_response_minutes": minutes(self.next_response),
            "resolution_minutes": minutes(self.resolution),
            "business_hours": self.business_hours,
            "channels": sorted(self.channels),
            "visibility": self.visibility.value if self.visibility else None,
            "min_priority": self.min_priority,
            "max_priority": self.max_priority,
            "at_risk_fraction": self.at_risk_fraction,
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> SlaPolicy:
        def minutes(key: str) -> timedelta | None:
            value = spec.get(key)
            return None if value is None else timedelta(minutes=float(value))

        visibility = spec.get("visibility")
        return cls(
            name=str(spec.get("name") or "policy"),
            first_response=minutes("first_response_minutes"),
            next_response=minutes("next_response_minutes"),
            resolution=minutes("resolution_minutes"),
            business_hours=bool(spec.get("business_hours", False)),
            channels=frozenset(spec.get("channels") or ()),
            visibility=Visibility(visibility) if visibility else None,
            min_priority=int(spec.get("min_priority", 0)),
            max_priority=int(spec.get("max_priority", 100)),
            at_risk_fraction=float(spec.get("at_risk_fraction", 0.25)),
        )


def default_policies() -> tuple[SlaPolicy, ...]:
    """The policies a new workspace starts with, most specific first.

    Urgent conversations (priority 80+) get a first answer within 30 minutes around the clock.
    Public social posts get one within an hour of calendar time — the public norm (42% of people
    expect it) — and a next reply within two. Private messages: two business hours. Reviews
    and e-mail: one business day (8 business hours).
    """
    hour = timedelta(hours=1)
    return (
        SlaPolicy("urgent", 30 * timedelta(minutes=1), hour, 8 * hour, min_priority=80),
        SlaPolicy(
            "e-mail and reviews",
            8 * hour,
            8 * hour,
            40 * hour,
            business_hours=True,
            channels=frozenset({"email", "review", "trustpilot", "google_reviews"}),
        ),
        SlaPolicy("public social", hour, 2 * hour, 24 * hour, visibility=Visibility.PUBLIC),
        SlaPolicy(
            "private messages",
            2 * hour,
            4 * hour,
            24 * hour,
            business_hours=True,
            visibility=Visibility.PRIVATE,
        ),
    )


def match_policy(
    policies: Sequence[SlaPolicy], channel: str, visibility: Visibility, priority: int
) -> SlaPolicy | None:
    """The first policy, in the workspace's order, that matches the conversation."""
    return next((p for p in policies if p.matches(channel, visibility, priority)), None)


# ---- the timeline of a conversation ------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """What the clocks need to know about a conversation: when the customer wrote, when the
    brand replied, and when its status changed (``waiting`` and ``resolved`` pause the clocks).
    """

    inbound: tuple[datetime, ...]
    outbound: tuple[datetime, ...] = ()
    statuses: tuple[tuple[datetime, ConversationStatus], ...] = ()

    @classmethod
    def build(
        cls,
        inbound: Iterable[datetime],
        outbound: Iterable[datetime] = (),
        statuses: Iterable[tuple[datetime, ConversationStatus | str]] = (),
    ) -> Timeline:
        return cls(
            tuple(sorted(ensure_utc(t) for t in inbound)),
            tuple(sorted(ensure_utc(t) for t in outbound)),
            tuple(sorted((ensure_utc(t), ConversationStatus(s)) for t, s in statuses)),
        )

    def status_at(self, at: datetime) -> ConversationStatus:
        current = ConversationStatus.OPEN
        for when, status in self.statuses:
            if when > at:
                break
            current = status
        return current

    def paused_spans(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """Intervals when the clocks stand still: waiting on the customer, or resolved. A pause
        ends with the next status change or when the customer writes again."""
        spans: list[tuple[datetime, datetime]] = []
        for i, (when, status) in enumerate(self.statuses):
            if status not in {ConversationStatus.WAITING, ConversationStatus.RESOLVED}:
                continue
            end = self.statuses[i + 1][0] if i + 1 < len(self.statuses) else until
            wrote = next((t for t in self.inbound if t > when), None)
            end = min(end, until, wrote or end)
            if end > when:
                spans.append((when, end))
        return spans

    def paused_at(self, at: datetime) -> bool:
        return any(a <= at < b for a, b in self.paused_spans(at + timedelta(microseconds=1)))


# ---- clocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    metric: SlaMetric
    status: SlaStatus
    target: timedelta
    started_at: datetime
    elapsed: timedelta  # counted time (business or calendar), pauses excluded
    stopped_at: datetime | None = None
    due_at: datetime | None = None  # when a running clock breaches, if nothing pauses it

    @property
    def remaining(self) -> timedelta:
        return self.target - self.elapsed


@dataclass(frozen=True)
class ConversationSla:
    policy: SlaPolicy | None
    clocks: tuple[SlaClock, ...] = field(default_factory=tuple)

    @property
    def current(self) -> SlaClock | None:
        """The most urgent clock: breached first, then at risk, then the least time left."""
        if not self.clocks:
            return None
        return min(self.clocks, key=lambda c: (URGENCY[c.status], c.remaining))

    @property
    def status(self) -> SlaStatus | None:
        current = self.current
        return current.status if current else None


def sla_state(
    timeline: Timeline,
    policy: SlaPolicy | None,
    calendar: BusinessCalendar,
    now: datetime,
) -> ConversationSla:
    """The live state of every clock the policy sets, as of ``now``."""
    now = ensure_utc(now)
    if policy is None or not timeline.inbound:
        return ConversationSla(policy)
    measure = _Measure(timeline, calendar, policy.business_hours, now)
    clocks = [
        clock
        for metric, span in _spans(timeline, now)
        if (target := policy.target(metric)) is not None
        for clock in [_clock(metric, span, target, policy, measure, timeline, now)]
    ]
    return ConversationSla(policy, tuple(clocks))


_Span = tuple[datetime, datetime | None, bool]  # start, stop, stopped by the awaited event


def _spans(timeline: Timeline, now: datetime) -> list[tuple[SlaMetric, _Span]]:
    spans: list[tuple[SlaMetric, _Span]] = []
    first_in = timeline.inbound[0]
    first_out = next((t for t in timeline.outbound if t >= first_in and t <= now), None)
    spans.append((SlaMetric.FIRST_RESPONSE, (first_in, first_out, first_out is not None)))
    if first_out is not None:
        waiting_since = _unanswered_since(timeline, now)
        if waiting_since is not None:
            spans.append((SlaMetric.NEXT_RESPONSE, (waiting_since, None, False)))
    resolved_at = _resolved_at(timeline, now)
    spans.append((SlaMetric.RESOLUTION, (first_in, resolved_at, resolved_at is not None)))
    return spans


def _unanswered_since(timeline: Timeline, now: datetime) -> datetime | None:
    last_out = max((t for t in timeline.outbound if t <= now), default=None)
    if last_out is None:
        return None
    return next((t for t in timeline.inbound if last_out < t <= now), None)


def _resolved_at(timeline: Timeline, now: datetime) -> datetime | None:
    status_now = timeline.status_at(now)
    if status_now is not ConversationStatus.RESOLVED:
        return None
    return max(t for t, s in timeline.statuses if s is ConversationStatus.RESOLVED and t <= now)


@dataclass(frozen=True)
class _Measure:
    timeline: Timeline
    calendar: BusinessCalendar
    business: bool
    now: datetime

    def counted(self, start: datetime, end: datetime) -> timedelta:
        """Time the clock ran between ``start`` and ``end``, pauses excluded."""
        total = self._length(start, end)
        for a, b in self.timeline.paused_spans(self.now):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total -= self._length(lo, hi)
        return total

    def _length(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta(0)
        if self.business:
            return self.calendar.business_time_between(start, end)
        return end - start

    def reach(self, start: datetime, target: timedelta) -> datetime:
        """When a clock started at ``start`` has counted ``target`` (no pauses after now)."""
        left = target
        for a, b in self._active(start):
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("active spans never end")  # pragma: no cover

    def _active(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        spans = self.calendar.open_spans(start) if self.business else iter([(start, _FOREVER)])
        pauses = self.timeline.paused_spans(self.now)
        for a, b in spans:
            yield from _subtract(a, b, pauses)


_FOREVER = datetime.max.replace(tzinfo=UTC)


def _subtract(
    a: datetime, b: datetime, pauses: list[tuple[datetime, datetime]]
) -> Iterator[tuple[datetime, datetime]]:
    for lo, hi in pauses:
        if hi <= a or lo >= b:
            continue
        if lo > a:
            yield a, lo
        a = max(a, hi)
        if a >= b:
            return
    yield a, b


def _clock(
    metric: SlaMetric,
    span: _Span,
    target: timedelta,
    policy: SlaPolicy,
    measure: _Measure,
    timeline: Timeline,
    now: datetime,
) -> SlaClock:
    start, stop, awaited = span
    elapsed = measure.counted(start, stop or now)
    if stop is not None or _closed_without_reply(timeline, now):
        stopped = stop or _resolved_at(timeline, now) or now
        if metric is not SlaMetric.RESOLUTION and not awaited:
            status = SlaStatus.CLOSED
        else:
            status = SlaStatus.MET if elapsed <= target else SlaStatus.BREACHED
        return SlaClock(metric, status, target, start, elapsed, stopped_at=stopped)
    remaining = target - elapsed
    status = _running_status(remaining, target, policy, paused=timeline.paused_at(now))
    due = None if status is SlaStatus.PAUSED else measure.reach(start, target)
    return SlaClock(metric, status, target, start, elapsed, due_at=due)


def _closed_without_reply(timeline: Timeline, now: datetime) -> bool:
    return timeline.status_at(now) is ConversationStatus.RESOLVED


def _running_status(
    remaining: timedelta, target: timedelta, policy: SlaPolicy, *, paused: bool
) -> SlaStatus:
    if remaining <= timedelta(0):
        return SlaStatus.BREACHED
    if paused:
        return SlaStatus.PAUSED
    if remaining <= target * policy.at_risk_fraction:
        return SlaStatus.AT_RISK
    return SlaStatus.ON_TRACK


# ---- escalation ------------------------------------------------------------------------------


class EscalationAction(StrEnum):
    RAISE_PRIORITY = "raise_priority"
    NOTIFY_OWNER = "notify_owner"
    NOTIFY_LEAD = "notify_lead"


@dataclass(frozen=True)
class EscalationRules:
    """What happens when a clock turns at risk or breaches (per workspace)."""

    at_risk_raise_by: int = 10
    breach_priority: int = 90  # a breached conversation is raised to at least this
    notify_lead_at_risk: bool = False  # the owner is told at risk; the lead only at breach
    # A breach first seen longer than this after it happened (history brought in by an import,
    # or a long outage of the workers) is news to nobody: it stays in the figures and on the
    # badge, but raises no priority and notifies no one.
    stale_after: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Escalation:
    key: str  # "first_response:breached": each happens once per clock start
    metric: SlaMetric
    level: SlaStatus
    actions: tuple[EscalationAction, ...]
    new_priority: int
    reason: str


def escalations(
    sla: ConversationSla,
    priority: int,
    *,
    owned: bool,
    already: Iterable[str] = (),
    rules: EscalationRules | None = None,
) -> list[Escalation]:
    """The escalations due now that have not happened yet (``already`` holds their keys)."""
    rules = rules or EscalationRules()
    done = set(already)
    found: list[Escalation] = []
    for clock in sla.clocks:
        if clock.status not in {SlaStatus.AT_RISK, SlaStatus.BREACHED} or clock.stopped_at:
            continue
        key = f"{clock.metric}:{clock.status}:{clock.started_at.isoformat()}"
        if key in done:
            continue
        if clock.status is SlaStatus.BREACHED and -clock.remaining > rules.stale_after:
            continue
        escalation = _escalate(clock, priority, owned=owned, key=key, rules=rules)
        priority = escalation.new_priority
        found.append(escalation)
    return found


def _escalate(
    clock: SlaClock, priority: int, *, owned: bool, key: str, rules: EscalationRules
) -> Escalation:
    name = clock.metric.value.replace("_", " ")
    if clock.status is SlaStatus.BREACHED:
        over = _words(-clock.remaining)
        return Escalation(
            key,
            clock.metric,
            clock.status,
            (EscalationAction.RAISE_PRIORITY, EscalationAction.NOTIFY_LEAD),
            min(100, max(priority, rules.breach_priority)),
            f"{name} target of {_words(clock.target)} breached ({over} over)",
        )
    actions = [EscalationAction.RAISE_PRIORITY]
    actions.append(EscalationAction.NOTIFY_OWNER if owned else EscalationAction.NOTIFY_LEAD)
    if rules.notify_lead_at_risk and owned:
        actions.append(EscalationAction.NOTIFY_LEAD)
    return Escalation(
        key,
        clock.metric,
        clock.status,
        tuple(actions),
        min(100, priority + rules.at_risk_raise_by),
        f"{name} at risk: {_words(clock.remaining)} left of {_words(clock.target)}",
    )


def _words(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
