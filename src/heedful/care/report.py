"""The figures that prove the care: per workspace, channel, brand (channel account), agent and day.

Which conversations count: those whose first customer message falls in ``[since, until)``
("inbound conversations"). Everything is measured as of ``until``; messages after it are not
seen. Definitions:

* **response rate** — the share of those conversations that got any reply from the brand;
* **first-response time** — from the first customer message to the brand's first reply at or
  after it, in calendar time and in business time (the workspace's opening hours for the
  channel); median, 90th percentile (nearest rank) and the share answered within one hour;
* **next-response time** — each time the customer wrote again after a reply, until the next
  reply;
* **resolution time** — first customer message to resolution, for resolved conversations;
* **SLA attainment** — first-response clocks of the matching policy met, out of those met or
  breached (clocks still running within target, or closed without a reply, are left out);
* **backlog** — conversations still waiting for a reply at ``until`` (not resolved), and the
  oldest unanswered customer message;
* **promises** — made in the period (by the owner of the promise), kept on time (kept no
  later than the due time plus its tolerance), kept late, broken, still open;
* **sentiment change** — first against last customer message of each conversation with two
  or more (score -1..1): mean change, how many improved or worsened by more than 0.2, and how
  many were turned around (began below -0.2 and ended at 0 or above);
* **contacts who wrote more than once** — people who had to chase (two or more messages before
  the first reply) or who opened more than one conversation in the period.

A conversation's agent is whoever sent its first reply (else its owner), and its brand the
channel account that sent that reply (else the account it was addressed to); a promise's agent
is its owner.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.calendars import load_calendar, load_policies
from heedful.care.clocks import conversation_visibility
from heedful.care.hours import BusinessCalendar
from heedful.care.sla import SlaMetric, SlaStatus, Timeline, match_policy, sla_state
from heedful.clock import as_utc, ensure_utc
from heedful.domain import Direction, MessageKind, Visibility
from heedful.domain.promises import PromiseState
from heedful.errors import NotFound, ValidationFailed
from heedful.store.tables import Agent, ChannelAccount, Conversation, Message, Promise, Workspace

HOUR = timedelta(hours=1)
NOBODY = "(nobody)"
NO_BRAND = "(no account)"
SENTIMENT_STEP = 0.2
HISTOGRAM = (
    ("< 15 min", timedelta(minutes=15)),
    ("15-30 min", timedelta(minutes=30)),
    ("30-60 min", HOUR),
    ("1-2 h", 2 * HOUR),
    ("2-4 h", 4 * HOUR),
    ("4-8 h", 8 * HOUR),
    ("8-24 h", 24 * HOUR),
    ("1-3 days", 72 * HOUR),
    ("> 3 days", timedelta.max),
)
SentimentScorer = Callable[[Sequence[str]], list[float]]


# ---- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    within_hour: float | None  # share answered within one hour

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Stats:
        seconds = sorted(v.total_seconds() for v in values)
        if not seconds:
            return cls(0, None, None, None)
        rank = max(1, math.ceil(0.9 * len(seconds)))
        within = sum(1 for s in seconds if s <= HOUR.total_seconds()) / len(seconds)
        return cls(len(seconds), statistics.median(seconds), seconds[rank - 1], within)


@dataclass
class Figures:
    conversations: int = 0
    answered: int = 0
    first_response: Stats = field(default_factory=lambda: Stats.of([]))
    first_response_business: Stats = field(default_factory=lambda: Stats.of([]))
    next_response: Stats = field(default_factory=lambda: Stats.of([]))
    next_response_business: Stats = field(default_factory=lambda: Stats.of([]))
    resolution: Stats = field(default_factory=lambda: Stats.of([]))
    sla_met: int = 0
    sla_breached: int = 0
    backlog: int = 0
    oldest_unanswered: datetime | None = None
    promises_made: int = 0
    promises_kept_on_time: int = 0
    promises_kept_late: int = 0
    promises_broken: int = 0
    promises_open: int = 0
    sentiment_scored: int = 0
    sentiment_mean_change: float | None = None
    sentiment_improved: int = 0
    sentiment_worsened: int = 0
    sentiment_turned_around: int = 0
    contacts: int = 0
    contacts_wrote_more_than_once: int = 0

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.conversations if self.conversations else None

    @property
    def sla_attainment(self) -> float | None:
        counted = self.sla_met + self.sla_breached
        return self.sla_met / counted if counted else None


@dataclass(frozen=True)
class Day:
    day: date
    conversations: int
    answered: int
    sla_met: int
    sla_breached: int

    @property
    def sla_attainment(self) -> float | None:
        counted = self.sla_met + self.sla_breached
        return self.sla_met / counted if counted else None


@dataclass
class Report:
    workspace: str
    timezone: str
    since: datetime
    until: datetime
    overall: Figures
    by_channel: dict[str, Figures]
    by_brand: dict[str, Figures]
    by_agent: dict[str, Figures]
    days: list[Day]
    histogram: list[tuple[str, int]]
    sentiment_available: bool


# ---- per conversation ----------------------------------------------------------------------------


@dataclass
class _Facts:
    id: int
    channel: str
    brand: str
    agent: str
    contact_id: int | None
    started: datetime
    first_response: timedelta | None = None
    first_response_business: timedelta | None = None
    next_responses: list[timedelta] = field(default_factory=list)
    next_business: list[timedelta] = field(default_factory=list)
    resolution: timedelta | None = None
    sla: str | None = None  # "met" | "breached"
    unanswered_since: datetime | None = None
    chased: bool = False
    sentiment: tuple[float, float] | None = None


@dataclass(frozen=True)
class _Msg:
    inbound: bool
    at: datetime
    agent_id: int | None
    account_id: int | None
    text: str


@dataclass(frozen=True)
class _PromiseFacts:
    agent: str
    channel: str
    brand: str
    state: str
    on_time: bool


def period_bound(value: str, name: str, zone: tzinfo) -> datetime:
    """A period's start or end as given by a person: a date (midnight in ``zone``) or an ISO
    8601 time (in ``zone`` when it has no offset). ``name`` is how the caller calls it."""
    text = value.strip()
    try:
        if len(text) == 10:
            return ensure_utc(datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"{name} {value!r} is not a date (2026-11-01) or ISO 8601 time"
        ) from None
    return ensure_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=zone))


def build_report(
    session: Session,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    sentiment: SentimentScorer | None = None,
) -> Report:
    """The figures for ``[since, until)`` (see the module docstring for every definition)."""
    since, until = ensure_utc(since), ensure_utc(until)
    if until <= since:
        raise ValidationFailed("--until must be after --since")
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"workspace {workspace_id} not found")
    conversations = _conversations(session, workspace_id, since, until)
    messages = _messages(session, [c.id for c in conversations], until)
    facts = _all_facts(session, workspace, conversations, messages, until)
    if sentiment is not None:
        _score_sentiment(facts, messages, sentiment)
    promises = _promises(session, workspace_id, since, until)
    calendar = load_calendar(session, workspace_id)
    return Report(
        workspace=workspace.name,
        timezone=calendar.timezone,
        since=since,
        until=until,
        overall=_figures(facts, promises),
        by_channel=_grouped(facts, promises, lambda f: f.channel),
        by_brand=_grouped(facts, promises, lambda f: f.brand),
        by_agent=_grouped(facts, promises, lambda f: f.agent),
        days=_days(facts, calendar),
        histogram=_histogram(f.first_response for f in facts),
        sentiment_available=sentiment is not None,
    )


def _conversations(
    session: Session, workspace_id: int, since: datetime, until: datetime
) -> list[Conversation]:
    return list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.workspace_id == workspace_id,
                Conversation.first_inbound_at >= since,
                Conversation.first_inbound_at < until,
            )
            .order_by(Conversation.id)
        )
    )


def _messages(session: Session, ids: list[int], until: datetime) -> dict[int, list[_Msg]]:
    found: dict[int, list[_Msg]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        rows = session.execute(
            select(
                Message.conversation_id,
                Message.direction,
                Message.created_at,
                Message.agent_id,
                Message.channel_account_id,
                Message.text,
            )
            .where(
                Message.conversation_id.in_(part),
                Message.created_at < until,
                Message.kind.not_in([MessageKind.NOTE.value, MessageKind.AUTO.value]),
            )
            .order_by(Message.created_at, Message.id)
        )
        for conv, direction, at, agent_id, account_id, text in rows:
            inbound = direction == Direction.INBOUND.value
            found[conv].append(_Msg(inbound, as_utc(at), agent_id, account_id, text))
    return found


def _all_facts(
    session: Session,
    workspace: Workspace,
    conversations: list[Conversation],
    messages: dict[int, list[_Msg]],
    until: datetime,
) -> list[_Facts]:
    brands = dict(
        session.execute(
            select(ChannelAccount.id, ChannelAccount.handle).where(
                ChannelAccount.workspace_id == workspace.id
            )
        ).all()
    )
    names = dict(session.execute(select(Agent.id, Agent.name)).all())
    visibility = conversation_visibility(session, [c.id for c in conversations])
    policies = load_policies(session, workspace.id)
    calendars: dict[str, BusinessCalendar] = {}
    facts = []
    for c in conversations:
        if c.channel not in calendars:
            calendars[c.channel] = load_calendar(session, workspace.id, c.channel)
        found = _facts(c, messages.get(c.id, []), calendars[c.channel], until)
        found.brand = _brand(messages.get(c.id, []), c.channel_account_id, brands)
        found.agent = _agent_name(messages.get(c.id, []), c.owner_id, names)
        policy = match_policy(
            policies, c.channel, visibility.get(c.id, Visibility.PUBLIC), c.priority
        )
        found.sla = _sla_outcome(c, messages.get(c.id, []), policy, calendars[c.channel], until)
        facts.append(found)
    return facts


def _facts(
    c: Conversation, msgs: list[_Msg], calendar: BusinessCalendar, until: datetime
) -> _Facts:
    start = as_utc(c.first_inbound_at) if c.first_inbound_at else until
    facts = _Facts(c.id, c.channel, NO_BRAND, NOBODY, c.contact_id, start)
    replies = [m.at for m in msgs if not m.inbound and m.at >= start]
    if replies:
        facts.first_response = replies[0] - start
        facts.first_response_business = calendar.business_time_between(start, replies[0])
    facts.chased = sum(1 for m in msgs if m.inbound and (not replies or m.at < replies[0])) > 1
    _next_responses(facts, msgs, calendar, replies)
    if c.status == "resolved" and c.resolved_at is not None and as_utc(c.resolved_at) < until:
        facts.resolution = as_utc(c.resolved_at) - start
    else:
        facts.unanswered_since = _unanswered_since(msgs)
    return facts


def _next_responses(
    facts: _Facts, msgs: list[_Msg], calendar: BusinessCalendar, replies: list[datetime]
) -> None:
    if not replies:
        return
    waiting: datetime | None = None
    for m in msgs:
        if m.at < replies[0]:
            continue
        if m.inbound and waiting is None:
            waiting = m.at
        elif not m.inbound and waiting is not None:
            facts.next_responses.append(m.at - waiting)
            facts.next_business.append(calendar.business_time_between(waiting, m.at))
            waiting = None


def _unanswered_since(msgs: list[_Msg]) -> datetime | None:
    waiting = None
    for m in msgs:
        if m.inbound and waiting is None:
            waiting = m.at
        elif not m.inbound:
            waiting = None
    return waiting


def _brand(msgs: list[_Msg], account_id: int | None, handles: dict[int, str | None]) -> str:
    """The account that answered first (several brands may answer one public thread), else the
    account the conversation was addressed to."""
    start = next((m.at for m in msgs if m.inbound), None)
    replied = next(
        (m.account_id for m in msgs if not m.inbound and m.account_id and start and m.at >= start),
        None,
    )
    chosen = replied or account_id
    return (handles.get(chosen) if chosen else None) or NO_BRAND


def _agent_name(msgs: list[_Msg], owner_id: int | None, names: dict[int, str]) -> str:
    first_reply_agent = next((m.agent_id for m in msgs if not m.inbound and m.agent_id), None)
    agent_id = first_reply_agent or owner_id
    return names.get(agent_id, NOBODY) if agent_id else NOBODY


def _sla_outcome(
    c: Conversation,
    msgs: list[_Msg],
    policy: Any,
    calendar: BusinessCalendar,
    until: datetime,
) -> str | None:
    timeline = Timeline.build(
        [m.at for m in msgs if m.inbound],
        [m.at for m in msgs if not m.inbound],
        [(as_utc(c.resolved_at), "resolved")] if c.resolved_at and c.status == "resolved" else [],
    )
    state = sla_state(timeline, policy, calendar, until)
    clock = next((k for k in state.clocks if k.metric is SlaMetric.FIRST_RESPONSE), None)
    if clock is None or clock.status in {SlaStatus.CLOSED, SlaStatus.PAUSED}:
        return None
    if clock.status is SlaStatus.MET:
        return "met"
    return "breached" if clock.status is SlaStatus.BREACHED else None


def _score_sentiment(
    facts: list[_Facts], messages: dict[int, list[_Msg]], scorer: SentimentScorer
) -> None:
    pairs = []
    for f in facts:
        inbound = [m.text for m in messages.get(f.id, []) if m.inbound]
        if len(inbound) >= 2:
            pairs.append((f, inbound[0], inbound[-1]))
    if not pairs:
        return
    scores = scorer([text for _, first, last in pairs for text in (first, last)])
    for i, (f, _, _) in enumerate(pairs):
        f.sentiment = (scores[2 * i], scores[2 * i + 1])


def _promises(
    session: Session, workspace_id: int, since: datetime, until: datetime
) -> list[_PromiseFacts]:
    rows = session.execute(
        select(Promise, Conversation.channel, ChannelAccount.handle, Agent.name)
        .join(Conversation, Conversation.id == Promise.conversation_id)
        .outerjoin(ChannelAccount, ChannelAccount.id == Conversation.channel_account_id)
        .outerjoin(Agent, Agent.id == Promise.owner_id)
        .where(
            Promise.workspace_id == workspace_id,
            Promise.created_at >= since,
            Promise.created_at < until,
        )
    ).all()
    return [
        _PromiseFacts(name or NOBODY, channel, handle or NO_BRAND, p.state, _on_time(p))
        for p, channel, handle, name in rows
    ]


def _on_time(promise: Promise) -> bool:
    if promise.state != PromiseState.KEPT.value or promise.settled_at is None:
        return False
    if promise.due_at is None:
        return True
    grace = timedelta(seconds=promise.tolerance_seconds or 0)
    return as_utc(promise.settled_at) <= as_utc(promise.due_at) + grace


# ---- aggregation ------------------------------------------------------------------------------


def _figures(facts: list[_Facts], promises: list[_PromiseFacts]) -> Figures:
    figures = Figures(conversations=len(facts))
    figures.answered = sum(1 for f in facts if f.first_response is not None)
    figures.first_response = Stats.of(
        f.first_response for f in facts if f.first_response is not None
    )
    figures.first_response_business = Stats.of(
        f.first_response_business for f in facts if f.first_response_business is not None
    )
    figures.next_response = Stats.of(t for f in facts for t in f.next_responses)
    figures.next_response_business = Stats.of(t for f in facts for t in f.next_business)
    figures.resolution = Stats.of(f.resolution for f in facts if f.resolution is not None)
    figures.sla_met = sum(1 for f in facts if f.sla == "met")
    figures.sla_breached = sum(1 for f in facts if f.sla == "breached")
    waiting = [f.unanswered_since for f in facts if f.unanswered_since is not None]
    figures.backlog, figures.oldest_unanswered = len(waiting), min(waiting, default=None)
    _promise_figures(figures, promises)
    _sentiment_figures(figures, facts)
    _contact_figures(figures, facts)
    return figures


def _promise_figures(figures: Figures, promises: list[_PromiseFacts]) -> None:
    figures.promises_made = len(promises)
    figures.promises_kept_on_time = sum(1 for p in promises if p.on_time)
    kept = sum(1 for p in promises if p.state == PromiseState.KEPT.value)
    figures.promises_kept_late = kept - figures.promises_kept_on_time
    figures.promises_broken = sum(1 for p in promises if p.state == PromiseState.BROKEN.value)
    figures.promises_open = sum(1 for p in promises if p.state == PromiseState.OPEN.value)


def _sentiment_figures(figures: Figures, facts: list[_Facts]) -> None:
    pairs = [f.sentiment for f in facts if f.sentiment is not None]
    if not pairs:
        return
    changes = [last - first for first, last in pairs]
    figures.sentiment_scored = len(pairs)
    figures.sentiment_mean_change = statistics.fmean(changes)
    figures.sentiment_improved = sum(1 for c in changes if c > SENTIMENT_STEP)
    figures.sentiment_worsened = sum(1 for c in changes if c < -SENTIMENT_STEP)
    figures.sentiment_turned_around = sum(
        1 for first, last in pairs if first < -SENTIMENT_STEP and last >= 0
    )


def _contact_figures(figures: Figures, facts: list[_Facts]) -> None:
    by_contact: dict[int, list[_Facts]] = defaultdict(list)
    for f in facts:
        if f.contact_id is not None:
            by_contact[f.contact_id].append(f)
    figures.contacts = len(by_contact)
    figures.contacts_wrote_more_than_once = sum(
        1 for convs in by_contact.values() if len(convs) > 1 or any(c.chased for c in convs)
    )


def _grouped(
    facts: list[_Facts], promises: list[_PromiseFacts], key: Callable[[Any], str]
) -> dict[str, Figures]:
    groups: dict[str, list[_Facts]] = defaultdict(list)
    promise_groups: dict[str, list[_PromiseFacts]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    for p in promises:
        promise_groups[key(p)].append(p)
    names = sorted(set(groups) | set(promise_groups))
    return {name: _figures(groups[name], promise_groups[name]) for name in names}


def _days(facts: list[_Facts], calendar: BusinessCalendar) -> list[Day]:
    by_day: dict[date, list[_Facts]] = defaultdict(list)
    for f in facts:
        by_day[calendar.local_date(f.started)].append(f)
    return [
        Day(
            day,
            len(items),
            sum(1 for f in items if f.first_response is not None),
            sum(1 for f in items if f.sla == "met"),
            sum(1 for f in items if f.sla == "breached"),
        )
        for day, items in sorted(by_day.items())
    ]


def _histogram(values: Iterable[timedelta | None]) -> list[tuple[str, int]]:
    counts = [0] * len(HISTOGRAM)
    for value in values:
        if value is None:
            continue
        index = next(i for i, (_, upper) in enumerate(HISTOGRAM) if value < upper)
        counts[index] += 1
    return [(label, count) for (label, _), count in zip(HISTOGRAM, counts, strict=True)]
