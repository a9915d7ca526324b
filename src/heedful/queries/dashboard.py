"""The lead's dashboard: backlog, oldest unanswered, first responses, volume and per-agent
figures for one workspace, from the spine's own columns. Every query reads an index range, never
the conversation or message tables whole: ``ix_conversation_status_priority`` (the backlog,
counted in the index), ``ix_conversation_unanswered`` (open conversations with no first
response yet, oldest first), ``ix_conversation_created`` (the period's conversations, and the
per-day volume counted by the database), ``ix_conversation_owner`` and ``ix_message_agent``.
Counting a backlog of a quarter of a million still takes tens of milliseconds, so the pages
keep each workspace's figures for a few seconds (``heedful.web.ui.dashboard``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from heedful.store.dialect import utc_day
from heedful.store.tables import Agent, Conversation, Membership, Message

OPEN_STATUSES = ("new", "open", "waiting")
ONE_HOUR = timedelta(hours=1)
VOLUME_DAYS = 14  # the per-day charts' span


@dataclass
class Dashboard:
    computed_at: datetime | None = None
    backlog: int = 0
    unanswered: int = 0
    oldest_unanswered: dict[str, Any] | None = None
    period_days: int = 7
    conversations: int = 0
    answered: int = 0
    within_hour: int = 0
    median_first_response: timedelta | None = None
    days: list[date] = field(default_factory=list)
    volume: dict[str, dict[date, int]] = field(default_factory=dict)  # channel → day → count
    agents: list[dict[str, Any]] = field(default_factory=list)
    # what the care area adds (heedful.care.dashboard.CareBoard), when it could be counted
    care: Any = None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.conversations if self.conversations else None

    @property
    def within_hour_rate(self) -> float | None:
        return self.within_hour / self.conversations if self.conversations else None


def build_dashboard(session: Session, workspace_id: int, now: datetime, days: int = 7) -> Dashboard:
    board = Dashboard(computed_at=now, period_days=days)
    _backlog(session, workspace_id, board)
    since = now - timedelta(days=days)
    _first_responses(session, workspace_id, since, board)
    _volume(session, workspace_id, now, board)
    board.agents = agent_figures(session, workspace_id, since)
    return board


def _open(workspace_id: int) -> Any:
    return and_(Conversation.workspace_id == workspace_id, Conversation.status.in_(OPEN_STATUSES))


def _backlog(session: Session, workspace_id: int, board: Dashboard) -> None:
    board.backlog = int(
        session.scalar(select(func.count()).select_from(Conversation).where(_open(workspace_id)))
        or 0
    )
    unanswered = and_(
        Conversation.workspace_id == workspace_id,
        Conversation.first_response_at.is_(None),
        Conversation.status.in_(OPEN_STATUSES),
    )
    board.unanswered = int(
        session.scalar(select(func.count()).select_from(Conversation).where(unanswered)) or 0
    )
    oldest = session.execute(
        select(Conversation.id, Conversation.channel, Conversation.first_inbound_at)
        .where(unanswered, Conversation.first_inbound_at.is_not(None))
        .order_by(Conversation.first_inbound_at)
        .limit(1)
    ).first()
    if oldest is not None:
        board.oldest_unanswered = {
            "id": oldest.id,
            "channel": oldest.channel,
            "since": oldest.first_inbound_at,
        }


def _first_responses(
    session: Session, workspace_id: int, since: datetime, board: Dashboard
) -> None:
    rows = session.execute(
        select(Conversation.first_inbound_at, Conversation.first_response_at).where(
            Conversation.workspace_id == workspace_id,
            Conversation.created_at >= since,
            Conversation.first_inbound_at.is_not(None),
        )
    ).all()
    waits = [r.first_response_at - r.first_inbound_at for r in rows if r.first_response_at]
    board.conversations = len(rows)
    board.answered = len(waits)
    board.within_hour = sum(1 for w in waits if w <= ONE_HOUR)
    board.median_first_response = median(waits) if waits else None


def _volume(session: Session, workspace_id: int, now: datetime, board: Dashboard) -> None:
    """New conversations per day and channel over the last 14 days (UTC days), counted by
    the database."""
    start, board.days = day_window(now)
    day = utc_day(session, Conversation.created_at)
    rows = session.execute(
        select(Conversation.channel, day, func.count())
        .where(Conversation.workspace_id == workspace_id, Conversation.created_at >= start)
        .group_by(Conversation.channel, day)
    ).all()
    board.volume = dict(sorted(per_day(rows, board.days).items()))


def day_window(now: datetime, days: int = VOLUME_DAYS) -> tuple[datetime, list[date]]:
    """The last ``days`` UTC days up to ``now``: the first one's midnight, and the days."""
    start = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), now.tzinfo)
    return start, [start.date() + timedelta(days=i) for i in range(days)]


def per_day(rows: Iterable[Any], days: list[date]) -> dict[str, dict[date, int]]:
    """``(series, "YYYY-MM-DD", count)`` rows as series → day → count, every day present."""
    counts: dict[str, dict[date, int]] = defaultdict(lambda: dict.fromkeys(days, 0))
    for series, on, count in rows:
        when = date.fromisoformat(str(on))
        if when in counts[series]:
            counts[series][when] += int(count)
    return dict(counts)


def agent_figures(session: Session, workspace_id: int, since: datetime) -> list[dict[str, Any]]:
    """Per member: open conversations owned, replies sent in the period."""
    members = session.execute(
        select(Agent.id, Agent.name, Agent.initials, Membership.role)
        .join(Membership, Membership.agent_id == Agent.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Agent.name)
    ).all()
    ids = [m.id for m in members]
    owned = dict(
        session.execute(
            select(Conversation.owner_id, func.count())
            .where(_open(workspace_id), Conversation.owner_id.in_(ids))
            .group_by(Conversation.owner_id)
        ).all()
    )
    replies = dict(
        session.execute(
            select(Message.agent_id, func.count())
            .where(
                Message.agent_id.in_(ids),
                Message.created_at >= since,
                Message.workspace_id == workspace_id,
            )
            .group_by(Message.agent_id)
        ).all()
    )
    return [
        {
            "id": m.id,
            "name": m.name,
            "initials": m.initials,
            "role": m.role,
            "open_owned": int(owned.get(m.id, 0)),
            "replies": int(replies.get(m.id, 0)),
        }
        for m in members
    ]
