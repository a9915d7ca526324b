"""What the lead's dashboard shows of the care workflow: SLA attainment today and this week,
breaches and conversations at risk right now, promises due and broken, sentiment turned
around, volume by topic, and the per-agent figures — counted by :mod:`heedful.care.report`
(every definition is in its docstring), so the dashboard, the ``heedful report`` command and
the CSV export never disagree.

"Today" and "this week" are the workspace's own: midnight and Monday in its time zone.

"Right now" (breached, at risk) looks at the open conversations with activity in the last
:data:`LIVE_WINDOW`: a conversation left open for longer than that is in the backlog figures
(and its clock is long breached), and evaluating the clocks of an imported history of a
quarter of a million open conversations on every count would cost seconds for nothing.

Everything here is read-only and runs on the dashboard's background count
(:class:`heedful.web.ui.dashboard.DashboardCache`), never on a page request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.care.calendars import load_calendar
from heedful.care.clocks import SlaRow, sla_summaries
from heedful.care.report import Report, SentimentScorer, build_report
from heedful.clock import as_utc
from heedful.domain.promises import PromiseState
from heedful.queries.dashboard import OPEN_STATUSES, day_window, per_day
from heedful.store.dialect import utc_day
from heedful.store.tables import (
    Agent,
    Conversation,
    ConversationTriage,
    MessageTriage,
    Promise,
)

log = logging.getLogger("heedful.care.dashboard")

LIVE_WINDOW = timedelta(days=7)
LIVE_LIMIT = 20_000  # the most open conversations whose clocks one count evaluates
DUE_SOON = timedelta(hours=24)


@dataclass
class CareBoard:
    today: Report
    week: Report
    breached_now: int = 0
    at_risk_now: int = 0
    live_counted: int = 0  # open conversations whose clocks were evaluated
    live_capped: bool = False  # more than LIVE_LIMIT: the figures cover the most recent
    promises_due_soon: list[dict[str, Any]] = field(default_factory=list)
    promises_overdue: int = 0  # open, past their due time (about to be marked broken)
    topic_days: list[date] = field(default_factory=list)
    topics: dict[str, dict[date, int]] = field(default_factory=dict)  # topic → day → count


def build_care_board(
    session: Session,
    workspace_id: int,
    now: datetime,
    *,
    sentiment: SentimentScorer | None = None,
) -> CareBoard:
    now = as_utc(now)
    zone = ZoneInfo(load_calendar(session, workspace_id).timezone)
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight - timedelta(days=local.weekday())
    board = CareBoard(
        today=build_report(session, workspace_id, midnight, now, sentiment=sentiment),
        week=build_report(session, workspace_id, monday, now, sentiment=sentiment),
    )
    _live_sla(session, workspace_id, now, board)
    _promises(session, workspace_id, now, board)
    _topics(session, workspace_id, now, board)
    return board


def _live_sla(session: Session, workspace_id: int, now: datetime, board: CareBoard) -> None:
    rows = session.execute(
        select(*(getattr(Conversation, name) for name in SlaRow._fields))
        .where(
            Conversation.workspace_id == workspace_id,
            Conversation.status.in_(OPEN_STATUSES),
            Conversation.last_activity_at >= now - LIVE_WINDOW,
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(LIVE_LIMIT + 1)
    ).all()
    board.live_capped = len(rows) > LIVE_LIMIT
    found = sla_summaries(session, [SlaRow(*row) for row in rows[:LIVE_LIMIT]], now=now)
    board.live_counted = min(len(rows), LIVE_LIMIT)
    for summary in found.values():
        if summary.get("status") == "breached":
            board.breached_now += 1
        elif summary.get("status") == "at_risk":
            board.at_risk_now += 1


def _promises(session: Session, workspace_id: int, now: datetime, board: CareBoard) -> None:
    open_ = (Promise.workspace_id == workspace_id, Promise.state == PromiseState.OPEN.value)
    board.promises_overdue = int(
        session.scalar(select(func.count()).where(*open_, Promise.due_at < now)) or 0
    )
    rows = session.execute(
        select(Promise.id, Promise.conversation_id, Promise.span, Promise.due_at, Agent.name)
        .outerjoin(Agent, Agent.id == Promise.owner_id)
        .where(*open_, Promise.due_at >= now, Promise.due_at < now + DUE_SOON)
        .order_by(Promise.due_at)
        .limit(20)
    ).all()
    board.promises_due_soon = [
        {
            "id": r.id,
            "conversation_id": r.conversation_id,
            "span": r.span,
            "due_at": as_utc(r.due_at),
            "owner": r.name or "the team",
        }
        for r in rows
    ]


def _topics(session: Session, workspace_id: int, now: datetime, board: CareBoard) -> None:
    """New conversations per UTC day by the topic of the message that sets their priority."""
    start, board.topic_days = day_window(now)
    day = utc_day(session, Conversation.created_at)
    rows = session.execute(
        select(MessageTriage.topic, day, func.count())
        .select_from(Conversation)
        .join(ConversationTriage, ConversationTriage.conversation_id == Conversation.id)
        .join(MessageTriage, MessageTriage.message_id == ConversationTriage.message_id)
        .where(Conversation.workspace_id == workspace_id, Conversation.created_at >= start)
        .group_by(MessageTriage.topic, day)
    ).all()
    volume = per_day(rows, board.topic_days)
    board.topics = dict(sorted(volume.items(), key=lambda kv: -sum(kv[1].values())))


def triage_sentiment(session: Session, workspace_id: int) -> SentimentScorer | None:
    """Sentiment of customer messages by the workspace's triage models (fast pass), or None
    when they cannot be loaded (the sentiment figures are then left out, and say so)."""
    try:
        from heedful.triage.service import workspace_triage_settings

        analyser = workspace_triage_settings(session, workspace_id).analyser()
    except Exception:
        log.exception("triage models unavailable: sentiment change left out")
        return None

    def score(texts: Sequence[str]) -> list[float]:
        return [a.sentiment_score for a in analyser.analyse(list(texts), mode="fast")]

    return score
