"""Where the other areas plug into the pages: one small adapter per feature.

The pages call these, never another area's internals. A feature whose service has not been
installed yet answers "nothing" (an empty list, None), and the template leaves its slot out —
no page ever shows made-up data. To light a slot up, make its adapter call the area's service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.store.tables import Agent, Conversation, Message, Workspace

if TYPE_CHECKING:
    from heedful.services.reply_windows import PrivateWindow


@dataclass(frozen=True)
class ChannelInfo:
    """What the composer needs to know about a channel (from its adapter's capabilities)."""

    public_reply: bool
    private_message: bool
    max_length: int | None
    length_unit: str
    signature: str  # format, e.g. " ^{initials}"


def channel_info(channel: str) -> ChannelInfo:
    from heedful.channels.registry import adapter_classes

    cls = adapter_classes().get(channel)
    if cls is None:
        return ChannelInfo(True, False, None, "characters", " ^{initials}")
    caps = cls.capabilities
    return ChannelInfo(
        caps.public_reply,
        caps.private_message,
        caps.max_length,
        caps.length_unit,
        caps.signature_default,
    )


def signature_for(workspace: Workspace, agent: Agent | None, channel: str, public: bool) -> str:
    """The signature the care workflow appends on send (shown in the composer's preview).
    Public replies are signed in the workspace's format for the channel; private messages
    too, since they name who answers."""
    from heedful.care.config import care_settings
    from heedful.care.signatures import render_signature

    return render_signature(
        care_settings(workspace), agent=agent, workspace=workspace, channel=channel
    )


def sign_text(workspace: Workspace, agent: Agent | None, channel: str, text: str) -> str:
    """``text`` as it will be sent: signed once, refused when the signature makes it too long
    for a channel that counts plain characters."""
    from heedful.care.config import care_settings
    from heedful.care.signatures import signed_reply

    info = channel_info(channel)
    limit = info.max_length if info.length_unit == "characters" else None
    signed = signed_reply(
        text,
        settings=care_settings(workspace),
        agent=agent,
        workspace=workspace,
        channel=channel,
        limit=limit,
    )
    return signed.text


# -- the reply coach --------------------------------------------------------------------------


def coach_available() -> bool:
    try:
        import heedful.coach  # noqa: F401
    except ImportError:  # pragma: no cover - the coach is part of the package
        return False
    return True


def coach_findings(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    text: str,
    *,
    public: bool,
    signed: bool,
    clock: Clock,
) -> list[dict[str, Any]]:
    """The coach's findings on a draft, in its stable JSON shape."""
    from heedful.coach import Coach, CoachConfig, Draft

    config = CoachConfig.model_validate(workspace.settings.get("coach") or {})
    draft = Draft(
        text=text,
        customer=last_customer_text(session, conversation),
        channel=conversation.channel,
        public=public,
        signature_required=signed,
        to=str(conversation.contact_id) if conversation.contact_id else None,
        now=clock.now(),
    )
    return [f.as_dict() for f in Coach(config, clock=clock).check(draft)]


def last_customer_text(session: Session, conversation: Conversation, limit: int = 3) -> str:
    rows = session.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return "\n".join(reversed(rows))


# -- help articles and similar cases (the composer's suggestions) ---------------------------

SUGGESTIONS = 3  # articles, and resolved cases, shown at most
SNIPPET_CHARS = 160


def help_suggestions(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    text: str,
    *,
    articles: bool = True,
    similar: bool = True,
    embedder: Any = None,
    mood: Any = None,
) -> dict[str, list[dict[str, Any]]]:
    """Suggestions for answering ``text`` (the customer's latest message, and the draft as it
    grows): up to :data:`SUGGESTIONS` help articles of the conversation's workspace (title,
    link, a snippet of the body, why it matched) and up to :data:`SUGGESTIONS` different
    replies that resolved similar cases of the same workspace (this conversation left out),
    each without its author's signature, since sending signs the reply again. Every row read
    is of the workspace (the coach's search filters by its id). ``embedder`` and ``mood`` are
    the coach's shared encoder and sentiment reader; without them, keywords alone rank."""
    from heedful.coach.help.suggest import similar_cases, suggest_articles
    from heedful.store.tables import HelpArticle

    found: dict[str, list[dict[str, Any]]] = {"articles": [], "similar_cases": []}
    if not text.strip():
        return found
    if articles:
        ranked = suggest_articles(session, workspace.id, text, embedder=embedder, limit=SUGGESTIONS)
        bodies: dict[int, str] = dict(
            session.execute(
                select(HelpArticle.id, HelpArticle.body).where(
                    HelpArticle.workspace_id == workspace.id,
                    HelpArticle.id.in_([a.id for a in ranked]),
                )
            ).all()
        )
        found["articles"] = [
            {
                "id": a.id,
                "title": a.title,
                "url": a.url,
                "snippet": _snippet(bodies.get(a.id, "")),
                "why": list(a.reasons),
                "insert": a.url,
            }
            for a in ranked
            if a.id in bodies
        ]
    if similar:
        cases = [
            c
            for c in similar_cases(
                session,
                workspace.id,
                text,
                exclude_conversation_id=conversation.id,
                embedder=embedder,
                mood=mood,
                limit=SUGGESTIONS * 4,  # some have no reply to offer, or one already offered
            )
            if c.resolving_reply and c.resolving_reply.strip()
        ]
        replies = _unsigned_replies(session, workspace, [c.conversation_id for c in cases])
        offered: set[str] = set()
        for case in cases:
            reply = replies.get((case.conversation_id, case.resolving_reply or ""), "")
            key = " ".join(reply.lower().split())
            if reply and key not in offered and len(offered) < SUGGESTIONS:
                offered.add(key)
                found["similar_cases"].append(
                    {
                        "conversation_id": case.conversation_id,
                        "customer": _snippet(case.customer_message),
                        "reply": reply,
                        "sentiment_improved": case.sentiment_improved,
                        "why": list(case.reasons),
                        "insert": reply,
                    }
                )
    return found


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _unsigned_replies(
    session: Session, workspace: Workspace, conversation_ids: list[int]
) -> dict[tuple[int, str], str]:
    """Each brand reply of these conversations (of ``workspace``), by (conversation, text),
    without the signature its agent's format put at its end."""
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Message.conversation_id, Message.text, Message.agent_id, Message.channel).where(
            Message.workspace_id == workspace.id,
            Message.conversation_id.in_(conversation_ids),
            Message.direction == "out",
        )
    ).all()
    agent_ids = {agent_id for _, _, agent_id, _ in rows if agent_id is not None}
    agents = {
        a.id: a for a in session.scalars(select(Agent).where(Agent.id.in_(sorted(agent_ids))))
    }
    found: dict[tuple[int, str], str] = {}
    for conversation_id, text, agent_id, channel in rows:
        agent = agents.get(agent_id) if agent_id is not None else None
        signature = signature_for(workspace, agent, channel, True).strip()
        body = text.rstrip()
        if signature and body.endswith(signature):
            body = body[: -len(signature)].rstrip()
        found[(conversation_id, text)] = body
    return found


# -- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivateWindowInfo:
    """The composer's line on private messages where the platform limits them in time."""

    open: bool
    reach: str  # PrivateReach: "message", "comment" or "closed"
    closes_at: str | None  # ISO-8601, while open
    seconds_left: int | None  # at render time (the page counts down from it)
    label: str  # "Private replies possible until 14:32 UTC — 3 h left", or why not


def private_window_info(
    session: Session, workspace: Workspace, conversation: Conversation, clock: Clock
) -> PrivateWindowInfo | None:
    """None when the channel sends no private messages, or sends them at any time."""
    from heedful.services.reply_windows import PrivateReach

    window = _private_window(session, conversation, clock)
    if window is None or window.reach is PrivateReach.UNLIMITED:
        return None
    if window.closes_at is None:
        label = f"Private messages are not possible now: {window.reason}"
        return PrivateWindowInfo(False, window.reach.value, None, None, label)
    now = clock.now()
    left = window.closes_at - now
    until = _local_time(window.closes_at, now, workspace.timezone)
    if window.reach is PrivateReach.COMMENT:
        label = (
            f"One private reply to this comment possible until {until} — {_left(left)} left "
            "(the platform allows one per comment, within 7 days of it; the conversation can go "
            "on privately once the customer answers)"
        )
    else:
        label = f"Private replies possible until {until} — {_left(left)} left"
    return PrivateWindowInfo(
        True, window.reach.value, window.closes_at.isoformat(), int(left.total_seconds()), label
    )


def reply_address_note(session: Session, conversation: Conversation) -> str | None:
    """Where a reply goes when the customer's latest message asked for answers elsewhere (an
    e-mail's Reply-To: a mailing list, a web form): said in the composer, never a surprise."""
    from heedful.services.reply_addresses import reply_address

    latest = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    address = reply_address(session, latest) if latest is not None else None
    if address is None:
        return None
    return (
        f"Your reply goes to {address}: the customer's last message asked for answers there "
        "(Reply-To), not to its sender"
    )


def require_private_window(session: Session, conversation: Conversation, clock: Clock) -> None:
    """Refuse (``ReplyWindowClosed``) before anything is written, e.g. the public
    acknowledgement of "take it offline", when the private message could not follow."""
    from heedful.services.reply_windows import require_private_window as require

    window = _private_window(session, conversation, clock)
    if window is not None:
        require(window)


def _private_window(
    session: Session, conversation: Conversation, clock: Clock
) -> PrivateWindow | None:
    from heedful.channels.registry import adapter_classes
    from heedful.services.reply_windows import private_window

    cls = adapter_classes().get(conversation.channel)
    account_id = conversation.channel_account_id
    if cls is None or account_id is None or not cls.capabilities.private_message:
        return None
    return private_window(session, conversation, account_id, cls.capabilities, clock.now())


def _local_time(moment: datetime, now: datetime, timezone: str) -> str:
    """``14:32 UTC`` today (in the workspace's time zone), else ``Sat 21 Nov 14:32 CET``."""
    try:
        zone: tzinfo = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local, today = moment.astimezone(zone), now.astimezone(zone)
    shown = local.strftime("%H:%M" if local.date() == today.date() else "%a %d %b %H:%M")
    return f"{shown} {local.tzname() or 'UTC'}"


def _left(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def send_reply(
    session: Session,
    conversation: Conversation,
    text: str,
    *,
    agent: Agent | None,
    visibility: Visibility,
    clock: Clock,
    queue: Any = None,
) -> Message:
    """Write the reply and its outbox row in the caller's transaction (the delivery worker
    posts it); returns the outbound message."""
    from heedful.services.replies import send_reply as queue_reply

    sent = queue_reply(
        session,
        agent=agent,
        conversation=conversation,
        text=text,
        visibility=visibility,
        clock=clock,
        queue=queue,
    )
    message = session.get(Message, sent.message_id)
    assert message is not None
    return message


# -- triage and the care workflow -----------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    text: str
    weight: float | None = None


def triage_reasons(session: Session, conversation_ids: list[int]) -> dict[int, list[Reason]]:
    """Each conversation's priority reasons, strongest first (triage)."""
    from heedful.triage.service import conversation_reasons

    found = conversation_reasons(session, conversation_ids) if conversation_ids else {}
    return {
        cid: [Reason(str(r.get("text", "")), r.get("points")) for r in reasons]
        for cid, reasons in found.items()
    }


def topic_choices(workspaces: list[Workspace]) -> list[tuple[str, str]]:
    """The topics an inbox can be filtered by: the built-in taxonomy and each workspace's own
    topics, as (id, label) sorted by label; a workspace's renaming labels its topics (the
    first workspace's label wins when two name one topic differently). Invalid triage
    settings fall back to the built-in taxonomy."""
    from heedful.errors import InputRejected
    from heedful.triage.taxonomy import TOPIC_IDS, TopicSettings
    from heedful.triage.workspace import TriageSettings

    labels: dict[str, str] = {}
    for workspace in sorted(workspaces, key=lambda w: w.id):
        try:
            topics = TriageSettings.from_mapping((workspace.settings or {}).get("triage")).topics
        except InputRejected:
            topics = TopicSettings()
        for topic_id in (*TOPIC_IDS, *(t.id for t in topics.custom)):
            labels.setdefault(topic_id, topics.label_of(topic_id))
    if not labels:
        default = TopicSettings()
        labels = {topic_id: default.label_of(topic_id) for topic_id in TOPIC_IDS}
    return sorted(labels.items(), key=lambda item: item[1].lower())


def sentiment_choices() -> tuple[str, ...]:
    """The sentiments triage gives a message (negative, neutral, positive)."""
    from heedful.triage.taxonomy import SENTIMENTS

    return SENTIMENTS


@dataclass(frozen=True)
class SlaBadge:
    state: str  # on_track | at_risk | breached | paused | met (the care workflow's SlaStatus)
    label: str  # "23 min left", "breached 2 h 05 ago", "missed by 2 h", "met", "paused"
    metric: str


def sla_states(session: Session, conversation_ids: list[int], clock: Clock) -> dict[int, SlaBadge]:
    """Each open conversation's most urgent SLA clock, as a badge (care workflow)."""
    from heedful.care.clocks import sla_states as care_sla_states

    if not conversation_ids:
        return {}
    return _badges(care_sla_states(session, conversation_ids, clock))


def sla_states_of_rows(
    session: Session, rows: list[dict[str, Any]], extra: dict[int, dict[str, Any]], clock: Clock
) -> dict[int, SlaBadge]:
    """:func:`sla_states` for inbox rows read with their SLA columns (``InboxPage.extra``):
    the care workflow evaluates each stored SLA snapshot, with no query while they are current."""
    from heedful.care.clocks import SlaRow, sla_summaries

    found = []
    for row in rows:
        more = extra.get(row["id"])
        if more is None:
            continue
        found.append(
            SlaRow(
                row["id"],
                more["workspace_id"],
                row["channel"],
                row["status"],
                row["priority"],
                row["message_count"],
                more["last_inbound_at"],
                more["last_outbound_at"],
                more["sla_state"],
            )
        )
    return _badges(sla_summaries(session, found, now=clock.now()))


def _badges(states: dict[int, dict[str, Any]]) -> dict[int, SlaBadge]:
    from heedful.web.templating import duration

    badges = {}
    for cid, sla in states.items():
        left = int(sla["remaining_seconds"])
        status = str(sla["status"])
        running = sla.get("due_at") is not None  # a stopped clock has no due time
        if status == "met":
            label = "met"
        elif status == "paused":
            label = "paused: waiting on the customer"
        elif status == "breached" and not running:
            label = f"missed by {duration(-left)}"  # answered or resolved, but late
        elif left >= 0:
            label = f"{duration(left)} left"
        else:
            label = f"breached {duration(-left)} ago"
        badges[cid] = SlaBadge(status, label, str(sla["metric"]).replace("_", " "))
    return badges


def open_promises(session: Session, contact_id: int) -> list[dict[str, Any]]:
    """The contact's open promises, soonest due first (care workflow)."""
    from heedful.care.tracking import open_promises_for_contact

    return [dict(p) for p in open_promises_for_contact(session, contact_id)]


def ownership_available() -> bool:
    """Assignment and hand-over come from the care workflow."""
    return True


def handover_notes(
    session: Session, conversation_id: int, agent_id: int | None
) -> list[dict[str, Any]]:
    """Hand-over notes, unread ones for this agent first (care workflow)."""
    from heedful.care.handover import handover_notes as care_notes

    notes = care_notes(session, conversation_id, for_agent_id=agent_id)
    ids = {n.from_agent_id for n in notes} | {n.to_agent_id for n in notes}
    names: dict[int | None, str] = dict(
        session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids - {None}))).all()
    )
    return [
        {
            "note": n.note,
            "from": names.get(n.from_agent_id),
            "to": names.get(n.to_agent_id),
            "unread": n.to_agent_id == agent_id and n.read_at is None,
            "created_at": n.created_at.isoformat(),
        }
        for n in notes
    ]
