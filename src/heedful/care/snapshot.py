"""SLA snapshots: a conversation's clocks as of the moment they were computed, stored on the
conversation (``conversation.sla_state``) so the pages can tell any later moment's state
without loading the timeline, the policies or the status history.

Between two events of a conversation (a message, a status change) nothing pauses or restarts
its clocks, so a clock that was running at the snapshot ``at`` has, at ``now``, the time left
it had then minus the time counted since (calendar time, or open time on the business
calendar); its status follows from that (breached at zero, at risk within the policy's
fraction of the target). A stopped or paused clock keeps its status and time left. This is
exactly what :func:`heedful.care.sla.sla_state` computes from the timeline (tested for
equality), as long as

* the snapshot's ``key`` still matches the conversation (status class, priority, message
  count, last inbound and outbound times) and its ``rules`` the workspace's policies and
  calendar (see :func:`rules_version`) — otherwise an event was missed and the snapshot is
  stale;
* ``at <= now < until``, where ``until`` is the first instant after ``at`` that the timeline
  mentions (a message or status change dated in the future), if any.

A stale snapshot is never evaluated: the caller computes the state from the timeline instead.

Also here: when the SLA tick must next look at a conversation (:func:`next_check`), the first
instant a running clock turns at risk or breaches.

Everything here is pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from heedful.care.hours import BusinessCalendar
from heedful.care.sla import URGENCY, ConversationSla, SlaStatus, Timeline, _spans

VERSION = 1
# The stored document (kept small: it is on every conversation row):
#   {"v": VERSION, "k": key digest, "r": rules version, "at": epoch µs of the snapshot,
#    "u": epoch µs until which it holds (or null), "p": policy name (or null),
#    "b": business hours (0/1), "f": at-risk fraction,
#    "c": [[metric, fixed status (null: running), target µs, remaining µs at "at", due_at,
#           counts on (0/1): its time left goes down from "at"], …]}
# Nothing will change without an event: the tick need not look again (sla_next_at).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
# A snapshot with business-hours clocks is renewed at least this often, so evaluating it
# only ever counts a day of open time.
BUSINESS_RENEWAL = timedelta(days=1)
_RUNNING = {SlaStatus.ON_TRACK, SlaStatus.AT_RISK, SlaStatus.BREACHED}


def conversation_key(
    status: str,
    priority: int,
    message_count: int,
    last_inbound_at: datetime | None,
    last_outbound_at: datetime | None,
) -> str:
    """What must not have changed since the snapshot (waiting and resolved pause the clocks;
    new and open are alike to them), as a short digest."""
    kind = status if status in ("waiting", "resolved") else "open"
    return _digest(
        kind, str(priority), str(message_count), _iso(last_inbound_at), _iso(last_outbound_at)
    )


def rules_version(parts: Iterable[object]) -> str:
    """A short fingerprint of a workspace's SLA policies and calendar (see clocks.py)."""
    return _digest(*((_iso(p) if isinstance(p, datetime) else p) for p in parts))


def _digest(*parts: object) -> str:
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2s(text.encode("utf-8"), digest_size=8).hexdigest()


def snapshot(
    state: ConversationSla,
    timeline: Timeline,
    *,
    now: datetime,
    key: str,
    rules: str,
) -> dict[str, Any]:
    """The stored form of ``state`` (computed from ``timeline`` at ``now``)."""
    paused = timeline.paused_at(now)
    spans = _spans(timeline, now) if state.clocks else []
    unstopped = {metric for metric, (_, stop, _) in spans if stop is None}
    clocks = []
    for clock in state.clocks:
        # A clock whose span has no end counts on (unless paused now); one that starts after
        # ``now`` (a message dated later) does not count yet, and the snapshot ends then ("u").
        counts = clock.metric in unstopped and not paused and clock.started_at <= now
        running = counts and clock.stopped_at is None
        clocks.append(
            [
                clock.metric.value,
                None if running else clock.status.value,
                _micros(clock.target),
                _micros(clock.remaining),
                _iso(clock.due_at),
                int(counts),
            ]
        )
    later = [t for t in _instants(timeline) if t > now]
    policy = state.policy
    return {
        "v": VERSION,
        "k": key,
        "r": rules,
        "at": _epoch(now),
        "u": _epoch(min(later)) if later else None,
        "p": policy.name if policy else None,
        "b": int(bool(policy and policy.business_hours)),
        "f": policy.at_risk_fraction if policy else None,
        "c": clocks,
    }


def _instants(timeline: Timeline) -> Iterable[datetime]:
    yield from timeline.inbound
    yield from timeline.outbound
    yield from (at for at, _ in timeline.statuses)


@dataclass(frozen=True)
class Evaluated:
    """One clock of a snapshot at a later moment."""

    metric: str
    status: SlaStatus
    target: timedelta
    remaining: timedelta
    due_at: str | None


def usable(doc: Mapping[str, Any] | None, *, key: str, rules: str, now: datetime) -> bool:
    """Whether ``doc`` may be evaluated at ``now`` (see the module docstring)."""
    if not doc or doc.get("v") != VERSION or doc.get("k") != key or doc.get("r") != rules:
        return False
    moment = _epoch(now)
    until = doc.get("u")
    return doc["at"] <= moment and (until is None or moment < until)


def evaluate(
    doc: Mapping[str, Any], now: datetime, calendar: BusinessCalendar | None
) -> list[Evaluated]:
    """Every clock of a usable snapshot as of ``now`` (``calendar``: the conversation's
    business calendar, needed only when ``doc["b"]``)."""
    at = _from_epoch(doc["at"])
    counted: timedelta | None = None
    clocks = []
    for metric, fixed, target_us, remaining_us, due_at, counts in doc["c"]:
        target = timedelta(microseconds=target_us)
        remaining = timedelta(microseconds=remaining_us)
        if counts:
            if counted is None:
                if doc["b"]:
                    assert calendar is not None, "a business-hours snapshot needs its calendar"
                    counted = calendar.business_time_between(at, now)
                else:
                    counted = now - at
            remaining -= counted
        if fixed is not None:
            status = SlaStatus(fixed)
        else:
            status = _running_status(remaining, target, float(doc["f"]))
        clocks.append(Evaluated(metric, status, target, remaining, due_at))
    return clocks


def _running_status(remaining: timedelta, target: timedelta, fraction: float) -> SlaStatus:
    if remaining <= timedelta(0):
        return SlaStatus.BREACHED
    if remaining <= target * fraction:
        return SlaStatus.AT_RISK
    return SlaStatus.ON_TRACK


def summary(doc: Mapping[str, Any], clocks: list[Evaluated]) -> dict[str, Any] | None:
    """The most urgent clock, as :func:`heedful.care.clocks.sla_json` gives it."""
    if not clocks or doc.get("p") is None:
        return None
    current = min(clocks, key=lambda c: (URGENCY[c.status], c.remaining))
    return {
        "status": current.status.value,
        "metric": current.metric,
        "policy": doc["p"],
        "target_seconds": int(current.target.total_seconds()),
        "remaining_seconds": int(current.remaining.total_seconds()),
        "due_at": current.due_at,
        "business_hours": bool(doc["b"]),
    }


def next_check(
    doc: Mapping[str, Any],
    calendar: BusinessCalendar | None,
    *,
    escalations_pending: bool,
) -> datetime:
    """When the SLA tick must next look at the conversation: now when a running clock is at
    risk or breached and its escalation may not have happened yet, else the first instant a
    running clock turns at risk or breaches, the snapshot's ``until``, or a day later for
    business-hours clocks; :data:`NEVER` when no clock runs."""
    at = _from_epoch(doc["at"])
    found = [_from_epoch(doc["u"])] if doc.get("u") is not None else []
    for clock, stored in zip(evaluate(doc, at, calendar), doc["c"], strict=True):
        if stored[1] is not None:
            continue  # stopped, paused or not started: no status change without an event
        if clock.status is not SlaStatus.ON_TRACK:
            if escalations_pending:
                found.append(at)
            if clock.status is SlaStatus.AT_RISK:
                found.append(_after(doc, calendar, at, clock.remaining))
            continue
        threshold = clock.target * float(doc["f"])
        found.append(_after(doc, calendar, at, clock.remaining - threshold))
    if doc["b"] and any(stored[5] for stored in doc["c"]):
        found.append(at + BUSINESS_RENEWAL)  # keeps evaluate()'s business-time count short
    return min(found, default=NEVER)


def _after(
    doc: Mapping[str, Any], calendar: BusinessCalendar | None, at: datetime, amount: timedelta
) -> datetime:
    """The instant ``amount`` of counted time after ``at`` (the first at which it has run)."""
    if doc["b"]:
        assert calendar is not None
        return calendar.add_business_time(at, amount)
    return at + amount


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _epoch(value: datetime) -> int:
    """Microseconds since the epoch (exact for aware datetimes)."""
    return _micros(value - _EPOCH)


def _from_epoch(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None
