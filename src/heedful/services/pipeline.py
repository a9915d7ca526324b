"""What happens to inbound traffic, step by step, as explicit calls (no hidden hooks).

Live sources (connectors, webhooks, the API) call :func:`receive`. Bulk imports call the
ingest service alone, so a million-row import is never bound by the slow steps: the
background ``triage.sweep`` job finds the untriaged messages and triages them afterwards (a
fast pass first, then the network), and the search index is built once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from heedful.care.workflow import after_inbound as care_after_inbound
from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.services.ingest import IngestOptions, IngestResult, ingest_events
from heedful.store import search
from heedful.triage.service import triage_messages


def receive(
    session: Session,
    workspace_id: int,
    events: Sequence[InboundEvent],
    *,
    clock: Clock,
    options: IngestOptions | None = None,
) -> IngestResult:
    """Store live inbound events and run the steps that follow, in the caller's transaction."""
    result = ingest_events(session, workspace_id, events, clock=clock, options=options)
    after_ingest(session, workspace_id, result, clock=clock)
    return result


def after_ingest(
    session: Session, workspace_id: int, result: IngestResult, *, clock: Clock
) -> None:
    """The steps after every live ingest, in order."""
    if not result.message_ids:
        return
    search.index_pending(session)
    # triage area: fast first pass inline; the triage.sweep job refines it in the background
    triage_messages(session, workspace_id, result.message_ids, clock=clock, stage="fast")
    care_after_inbound(session, workspace_id, result.conversation_ids, clock=clock)
