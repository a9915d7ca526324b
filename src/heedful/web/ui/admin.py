"""Admin screens for a workspace: agents and roles, channel accounts, coach rules on this
page; business hours and SLA policies, signatures, help articles, triage weights and channel
accounts each on a page of their own (``/admin/<section>``, see the ``admin_*`` modules).

Every admin route finds its workspace through :func:`admin_workspace`, so an admin of one brand
can neither see nor change another's settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from heedful.domain import AgentRole
from heedful.errors import ConfigError, NotFound, ValidationFailed
from heedful.queries.people import members_of
from heedful.services.agents import add_member, create_agent, find_agent_by_email, remove_member
from heedful.services.workspace_settings import set_area_settings
from heedful.store.tables import ChannelAccount, Workspace
from heedful.web.access import (
    Viewer,
    access_agent_by_id,
    access_workspace_by_slug,
    require_role,
    visible_workspaces,
)
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.templating import render

router = APIRouter(include_in_schema=False)
SEVERITIES = ("block", "warn", "info")


def admin_workspace(session: Session, viewer: Viewer, slug: str) -> Workspace:
    if slug:
        workspace = access_workspace_by_slug(session, viewer, slug)
    else:
        mine = [
            w
            for w in visible_workspaces(session, viewer)
            if viewer.is_at_least(w.id, AgentRole.ADMIN)
        ]
        if not mine:
            raise NotFound("you administer no workspace")
        workspace = mine[0]
    require_role(viewer, workspace.id, AgentRole.ADMIN)
    return workspace


def administered(session: Session, viewer: Viewer) -> list[Workspace]:
    """The workspaces the viewer administers (for the workspace picker)."""
    return [
        w for w in visible_workspaces(session, viewer) if viewer.is_at_least(w.id, AgentRole.ADMIN)
    ]


def render_admin(
    request: Request,
    session: Session,
    viewer: Viewer,
    workspace: Workspace,
    template: str,
    *,
    section: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """An admin sub-page, with the section navigation and workspace picker around it. A
    refused form comes back here with status 422 and ``error`` set, showing what was typed."""
    return render(
        request,
        template,
        status_code=status_code,
        workspace=workspace,
        workspaces=administered(session, viewer),
        section=section,
        **context,
    )


def _to_admin(workspace: Workspace, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/admin?workspace={workspace.slug}#{anchor}", status_code=303)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    accounts = session.scalars(
        select(ChannelAccount)
        .where(ChannelAccount.workspace_id == ws.id)
        .order_by(ChannelAccount.channel, ChannelAccount.id)
    ).all()
    return render(
        request,
        "admin.html",
        workspace=ws,
        workspaces=administered(session, viewer),
        section="",
        members=members_of(session, ws.id),
        accounts=accounts,
        roles=[r.value for r in AgentRole],
        coach_rules=coach_rule_rows(ws),
        severities=SEVERITIES,
    )


@router.post("/admin/agents")
def add_agent_route(
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)],
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=16)] = "agent",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add an agent to the workspace: an existing agent by e-mail, or a new one."""
    ws = admin_workspace(session, viewer, workspace)
    agent = find_agent_by_email(session, email)
    if agent is None:
        agent = create_agent(
            session,
            email=email,
            name=name or email.split("@")[0],
            clock=clock,
            password=password or None,
            actor_agent_id=viewer.agent_id,
        )
    add_member(session, agent, ws, role=role, clock=clock, actor_agent_id=viewer.agent_id)
    return _to_admin(ws, "agents")


@router.post("/admin/agents/{agent_id}/role")
def set_role_route(
    agent_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    ws = admin_workspace(session, viewer, workspace)
    agent = access_agent_by_id(session, viewer, agent_id)
    _require_member(session, agent.id, ws)
    add_member(session, agent, ws, role=role, clock=clock, actor_agent_id=viewer.agent_id)
    return _to_admin(ws, "agents")


@router.post("/admin/agents/{agent_id}/remove")
def remove_agent_route(
    agent_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)],
) -> Response:
    ws = admin_workspace(session, viewer, workspace)
    agent = access_agent_by_id(session, viewer, agent_id)
    _require_member(session, agent.id, ws)
    remove_member(session, agent, ws, clock=clock, actor_agent_id=viewer.agent_id)
    return _to_admin(ws, "agents")


def _require_member(session: Session, agent_id: int, workspace: Workspace) -> None:
    if not any(m["id"] == agent_id for m in members_of(session, workspace.id)):
        raise NotFound(f"no agent {agent_id} in this workspace")


# -- coach rules ------------------------------------------------------------------------------


def coach_rule_rows(workspace: Workspace) -> list[dict[str, Any]]:
    from heedful.coach.registry import rule_classes

    current = (workspace.settings.get("coach") or {}).get("rules", {})
    return [
        {
            "id": rule_id,
            "enabled": current.get(rule_id, {}).get("enabled", True),
            "severity": current.get(rule_id, {}).get("severity") or "",
        }
        for rule_id in sorted(rule_classes())
    ]


@router.post("/admin/coach")
async def coach_rules_route(
    request: Request,
    db_session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
) -> Response:
    form = await request.form()
    ws = admin_workspace(db_session, viewer, str(form.get("workspace", "")))
    document = coach_document(ws, form)
    set_area_settings(
        db_session,
        ws,
        "coach",
        document,
        validate=_validate_coach,
        clock=clock,
        actor_agent_id=viewer.agent_id,
    )
    return _to_admin(ws, "coach")


def coach_document(workspace: Workspace, form: FormData) -> dict[str, Any]:
    """The workspace's coach settings with each rule's on/off and severity from the form
    (other per-rule settings, such as word lists, are kept)."""
    document = dict(workspace.settings.get("coach") or {})
    rules = {k: dict(v) for k, v in (document.get("rules") or {}).items()}
    for row in coach_rule_rows(workspace):
        rule = rules.setdefault(row["id"], {})
        rule["enabled"] = form.get(f"enabled_{row['id']}") == "on"
        severity = str(form.get(f"severity_{row['id']}", ""))
        if severity in SEVERITIES:
            rule["severity"] = severity
        else:
            rule.pop("severity", None)
    document["rules"] = rules
    return document


def _validate_coach(document: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from heedful.coach import CoachConfig
    from heedful.coach.engine import configure_rules

    try:
        configure_rules(CoachConfig.model_validate(document))
    except (ValidationError, ConfigError) as exc:
        raise ValidationFailed(f"coach settings refused: {exc}") from None
