"""The conversation page: the thread, the customer panel and the composer; and what an agent
does there (reply, take it offline, note, link or unlink identities).

The composer's suggestions (help articles and replies that resolved similar cases, each
insertable with one click) come with the page and again, debounced, with each coach call as
the agent types. The page renders the help articles for the customer's latest message by
keywords (the workspace's few articles: cheap); the similar cases search every customer
message of the workspace, which at a million messages does not fit the page's 100 ms, so the
page leaves them to the composer's first coach call (and renders them on request, ``?similar=1``,
for a browser without JavaScript)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.errors import PermissionDenied, ValidationFailed
from heedful.queries.conversation import contact_json, conversation_json
from heedful.queries.people import conversation_notes, identity_suggestions, workspace_agents
from heedful.services.contacts import link_identity, unlink_identity
from heedful.services.notes import add_note
from heedful.store.tables import Agent, Conversation, Message, Workspace
from heedful.web import features
from heedful.web.access import (
    Viewer,
    access_agent_by_id,
    access_contact_by_id,
    access_conversation_by_id,
    access_identity_by_id,
)
from heedful.web.api.coach import shared_services
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request,
    conversation_id: int,
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    similar: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    return render(
        request,
        "conversation.html",
        **page_context(session, viewer, conversation, clock, similar=similar),
    )


def page_context(
    session: Session,
    viewer: Viewer,
    conversation: Conversation,
    clock: Clock,
    *,
    similar: bool = False,
) -> dict[str, Any]:
    """What the page shows; ``similar`` also renders the similar resolved cases (see the
    module's docstring)."""
    workspace = session.get(Workspace, conversation.workspace_id)
    assert workspace is not None
    agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    contact = suggestions = None
    promises: list[dict[str, Any]] = []
    if conversation.contact_id is not None:
        row = access_contact_by_id(session, viewer, conversation.contact_id)
        contact = contact_json(session, row)
        suggestions = identity_suggestions(session, row, contact["identities"])
        promises = features.open_promises(session, row.id)
    info = features.channel_info(conversation.channel)
    customer_text = features.last_customer_text(session, conversation, limit=1)
    help_suggestions = features.help_suggestions(
        session, workspace, conversation, customer_text, similar=similar
    )
    return {
        "conversation": conversation_json(session, conversation),
        "workspace": workspace,
        "contact": contact,
        "suggestions": suggestions or [],
        "promises": promises,
        "notes": conversation_notes(session, conversation.id),
        "reasons": features.triage_reasons(session, [conversation.id]).get(conversation.id, []),
        "sla": features.sla_states(session, [conversation.id], clock).get(conversation.id),
        "agents": workspace_agents(session, [conversation.workspace_id]),
        "channel": info,
        "signature_public": features.signature_for(workspace, agent, conversation.channel, True),
        "signature_private": features.signature_for(workspace, agent, conversation.channel, False),
        "private_window": features.private_window_info(session, workspace, conversation, clock),
        "reply_address": features.reply_address_note(session, conversation),
        "coach": features.coach_available(),
        "help_suggestions": help_suggestions,
        "similar_rendered": similar,
        "ownership": features.ownership_available(),
        "handovers": features.handover_notes(session, conversation.id, viewer.agent_id),
        "statuses": ("new", "open", "waiting", "resolved"),
    }


def _back(conversation_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/conversations/{conversation_id}{anchor}", status_code=303)


@router.post("/conversations/{conversation_id}/notes")
def add_note_route(
    conversation_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    text: Annotated[str, Form(max_length=5000)],
) -> Response:
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    add_note(session, conversation, text, agent_id=viewer.agent_id, clock=clock)
    return _back(conversation_id, "#notes")


@router.post("/conversations/{conversation_id}/reply")
def reply_route(
    request: Request,
    conversation_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    text: Annotated[str, Form(max_length=20_000)],
    mode: Annotated[str, Form()] = "public",
    acknowledgement: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Send a public reply, or a private message (taking it offline), optionally with a
    short public acknowledgement posted first."""
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    send_from_composer(
        session, viewer, conversation, text, mode, acknowledgement, clock, request.app.state.jobs
    )
    return _back(conversation_id, "#thread-end")


def send_from_composer(
    session: Session,
    viewer: Viewer,
    conversation: Conversation,
    text: str,
    mode: str,
    acknowledgement: str,
    clock: Clock,
    queue: Any = None,
) -> Message:
    """Send what the composer holds; returns the (last) message sent."""
    if viewer.agent_id is None:
        raise PermissionDenied("only a signed-in agent can send")
    if mode not in ("public", "private"):
        raise ValidationFailed("mode is public or private")
    workspace = session.get(Workspace, conversation.workspace_id)
    agent = session.get(Agent, viewer.agent_id)
    assert workspace is not None
    info = features.channel_info(conversation.channel)
    private = mode == "private"
    if private and not info.private_message:
        raise ValidationFailed(f"{conversation.channel} has no private messages")
    if private:  # before the acknowledgement: it must not go out alone
        features.require_private_window(session, conversation, clock)
    if private and acknowledgement.strip():
        _send(session, workspace, agent, conversation, acknowledgement, False, clock, queue)
    return _send(session, workspace, agent, conversation, text, private, clock, queue)


def _send(
    session: Session,
    workspace: Workspace,
    agent: Agent | None,
    conversation: Conversation,
    text: str,
    private: bool,
    clock: Clock,
    queue: Any,
) -> Message:
    body = features.sign_text(workspace, agent, conversation.channel, text)
    return features.send_reply(
        session,
        conversation,
        body,
        agent=agent,
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        clock=clock,
        queue=queue,
    )


class CoachRequest(BaseModel):
    text: str = Field(max_length=20_000)
    mode: str = "public"
    suggestions: bool = False  # also help articles and similar resolved cases


@router.post("/conversations/{conversation_id}/coach")
def coach_route(
    request: Request,
    conversation_id: int,
    body: CoachRequest,
    session: SessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """The coach's findings on the composer's draft (called as the agent types, and once
    when the page opens); with ``suggestions``, the help articles and similar resolved cases
    for the customer's latest message and the draft, ranked with the coach's shared encoder."""
    conversation = access_conversation_by_id(session, viewer, conversation_id)
    workspace = session.get(Workspace, conversation.workspace_id)
    assert workspace is not None
    agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    public = body.mode != "private"
    signature = features.signature_for(workspace, agent, conversation.channel, public)
    text = body.text if body.text.rstrip().endswith(signature.strip()) else body.text + signature
    findings: list[dict[str, Any]] = []
    if body.text.strip():
        findings = features.coach_findings(
            session, workspace, conversation, text, public=public, signed=public, clock=clock
        )
    result: dict[str, Any] = {"findings": findings, "signature": signature}
    if body.suggestions:
        services = shared_services(request, clock)
        customer = features.last_customer_text(session, conversation, limit=1)
        result |= features.help_suggestions(
            session,
            workspace,
            conversation,
            "\n".join(part for part in (customer, body.text.strip()) if part),
            embedder=services.embedder,
            mood=services.sentiment,
        )
    return result


@router.post("/contacts/{contact_id}/link")
def link_route(
    contact_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    identity_id: Annotated[int, Form()],
    back: Annotated[int | None, Form()] = None,
) -> Response:
    """Link another identity to this contact: the same person on another handle."""
    contact = access_contact_by_id(session, viewer, contact_id)
    identity = access_identity_by_id(session, viewer, identity_id)
    link_identity(
        session,
        identity,
        contact,
        clock=clock,
        actor=_actor(viewer),
        actor_agent_id=viewer.agent_id,
    )
    return _back_to(session, viewer, back)


@router.post("/identities/{identity_id}/unlink")
def unlink_route(
    identity_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    back: Annotated[int | None, Form()] = None,
) -> Response:
    identity = access_identity_by_id(session, viewer, identity_id)
    unlink_identity(
        session, identity, clock=clock, actor=_actor(viewer), actor_agent_id=viewer.agent_id
    )
    return _back_to(session, viewer, back)


def _actor(viewer: Viewer) -> str:
    return f"agent:{viewer.agent_id}" if viewer.agent_id else "system"


def _back_to(session: Session, viewer: Viewer, conversation_id: int | None) -> Response:
    if conversation_id is not None:
        access_conversation_by_id(session, viewer, conversation_id)
        return _back(conversation_id, "#customer-title")
    return RedirectResponse("/", status_code=303)


# -- ownership and status (the care workflow's services) --------------------------------------


@router.post("/conversations/{conversation_id}/assign")
def assign_route(
    conversation_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    agent_id: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Assign (or take) the conversation; taking it from another owner is a hand-over, which
    needs a note for the next owner."""
    from heedful.care.ownership import assign_conversation

    conversation = access_conversation_by_id(session, viewer, conversation_id)
    to_agent = access_agent_by_id(session, viewer, agent_id)
    by_agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    assign_conversation(session, conversation, to_agent, by_agent=by_agent, note=note, clock=clock)
    return _back(conversation_id, "#owner-title")


@router.post("/conversations/{conversation_id}/status")
def status_route(
    conversation_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    status: Annotated[str, Form(max_length=16)],
) -> Response:
    from heedful.care.clocks import set_conversation_status

    conversation = access_conversation_by_id(session, viewer, conversation_id)
    set_conversation_status(session, conversation, status, agent_id=viewer.agent_id, clock=clock)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/handover-read")
def handover_read_route(
    conversation_id: int, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    from heedful.care.handover import mark_handover_read

    conversation = access_conversation_by_id(session, viewer, conversation_id)
    if viewer.agent_id is not None:
        mark_handover_read(session, conversation.id, viewer.agent_id, clock=clock)
    return _back(conversation_id)
