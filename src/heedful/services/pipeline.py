"""What happens to inbound traffic, step by step, as explicit calls (no hidden hooks).

Live sources (connectors, webhooks, the API) call :func:`receive`. Bulk imports call the
ingest service alone, so a million-row import is never bound by the slow steps: the
background ``triage.sweep`` job finds the untriaged messages and triages them afterwards (a
fast pass first, then the network), and the search index is built once at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from heedful.care.workflow import after_inbound as care_after_inbound
from heedful.clock import Clock
from heedful.domain import Direction, InboundEvent
from heedful.services.acknowledgements import acknowledge_out_of_hours
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events
from heedful.services.reply_addresses import remember_reply_addresses
from heedful.store import search
from heedful.store.tables import Workspace
from heedful.triage.priority import TextAnalysis
from heedful.triage.service import analyse_texts, triage_messages


@dataclass(frozen=True)
class Prepared:
    """What the steps after ingest can work out from the events alone, computed by
    :func:`prepare` before the write transaction, so the CPU-bound part (triage's fast
    reading of the texts) does not hold the database's write lock."""

    text_analyses: Mapping[str, TextAnalysis] = field(default_factory=dict)


def prepare(session: Session, workspace_id: int, events: Sequence[InboundEvent]) -> Prepared:
    """Read-only (any session, or none held for writing): see :class:`Prepared`."""
    texts = [e.text for e in events if e.direction is Direction.INBOUND]
    return Prepared(analyse_texts(session, workspace_id, texts, stage="fast"))


def receive(
    session: Session,
    workspace_id: int,
    events: Sequence[InboundEvent],
    *,
    clock: Clock,
    options: IngestOptions | None = None,
    prepared: Prepared | None = None,
) -> IngestResult:
    """Store live inbound events and run the steps that follow, in the caller's transaction."""
    # Held for the whole call: the steps each look the workspace up (settings of triage, care,
    # SLA, acknowledgements), and the session's identity map keeps only objects someone
    # references, so without this each looked it up in the database again.
    _workspace = session.get(Workspace, workspace_id)
    result = ingest_events(session, workspace_id, events, clock=clock, options=options)
    remember_reply_addresses(session, workspace_id, events, clock=clock)
    after_ingest(session, workspace_id, result, clock=clock, prepared=prepared)
    return result


def after_ingest(
    session: Session,
    workspace_id: int,
    result: IngestResult,
    *,
    clock: Clock,
    prepared: Prepared | None = None,
) -> None:
    """The steps after every live ingest, in order."""
    if not result.message_ids:
        return
    search.index_pending(session)
    # triage area: fast first pass inline; the triage.sweep job refines it in the background
    triage_messages(
        session,
        workspace_id,
        result.message_ids,
        clock=clock,
        stage="fast",
        analyses_by_text=prepared.text_analyses if prepared else None,
    )
    care_after_inbound(session, workspace_id, result.conversation_ids, clock=clock)
    acknowledge_out_of_hours(session, workspace_id, result.conversation_ids, clock=clock)
