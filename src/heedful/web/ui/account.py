"""The signed-in agent's own page: password and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from heedful.errors import PermissionDenied, ValidationFailed
from heedful.queries.people import api_tokens
from heedful.services.agents import set_password
from heedful.services.auth import create_api_token, revoke_api_token, verify_password
from heedful.store.tables import Agent
from heedful.web.access import Viewer, access_api_token_by_id
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.templating import render

router = APIRouter(include_in_schema=False)


def _agent(session: SessionDep, viewer: Viewer) -> Agent:
    agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    if agent is None:
        raise PermissionDenied("only an agent has an account page")
    return agent


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    agent = _agent(session, viewer)
    return render(request, "account.html", agent=agent, tokens=api_tokens(session, agent.id))


@router.post("/account/password")
def change_password(
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
) -> Response:
    agent = _agent(session, viewer)
    if not verify_password(agent.password_hash, current):
        raise ValidationFailed("the current password is wrong")
    set_password(session, agent, new, clock=clock)  # signs out everywhere
    return RedirectResponse("/login", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=100)],
) -> HTMLResponse:
    agent = _agent(session, viewer)
    plain, _row = create_api_token(session, agent, name, clock=clock)
    session.flush()
    return render(
        request, "account.html", agent=agent, tokens=api_tokens(session, agent.id), new_token=plain
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    revoke_api_token(session, access_api_token_by_id(session, viewer, token_id), clock=clock)
    return RedirectResponse("/account#tokens", status_code=303)
