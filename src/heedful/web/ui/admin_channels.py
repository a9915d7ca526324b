"""Admin page for channel accounts (``/admin/channels``): connect an account of any installed
adapter, set its settings and secrets, see the webhook URL to paste into the platform, pause
and resume it.

The form for an adapter is built from its pydantic ``config_model``: every ``SecretStr`` field
is a password input that is never filled in (the page says only whether a secret is set, and
an empty one keeps the stored value). Accounts are written by the channel-account services
(``add_channel_account``, ``configure_channel_account``, ``pause_channel_account``,
``resume_channel_account``), which encrypt the secrets and log every change without values.
"""

from __future__ import annotations

import enum
import math
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from heedful.channels.registry import adapter_class, adapter_classes
from heedful.config import Settings
from heedful.errors import ConfigError, NotFound, ValidationFailed
from heedful.services.channel_accounts import (
    channel_secret_names,
    configure_channel_account,
    pause_channel_account,
    resume_channel_account,
    secret_fields,
    validate_config,
)
from heedful.services.workspaces import add_channel_account
from heedful.store.crypto import SecretBox
from heedful.store.tables import ChannelAccount, Workspace
from heedful.web.access import Viewer, access_channel_account_by_id
from heedful.web.deps import ClockDep, SessionDep, SettingsDep, ViewerDep, WriteSessionDep
from heedful.web.ui.admin import admin_workspace, render_admin

router = APIRouter(include_in_schema=False)
FIELD_PREFIX = "cfg_"
MAX_VALUE = 2000


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret_key_value())


def _config_model(channel: str) -> type[BaseModel]:
    """The channel's settings model; an unknown channel is the form's error, not a 500."""
    try:
        return adapter_class(channel).config_model
    except ConfigError as exc:
        raise ValidationFailed(str(exc)) from None


def _actor(viewer: Viewer) -> str:
    return f"agent:{viewer.agent_id}" if viewer.agent_id else "system"


# -- the form of an adapter's settings -------------------------------------------------------


def _kind(annotation: Any) -> tuple[str, list[str], bool]:
    """(input kind, choices, optional) for a config field's type."""
    args = get_args(annotation)
    optional = get_origin(annotation) in (Union, types.UnionType) and type(None) in args
    if optional:
        inner = [a for a in args if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else str
    if annotation is SecretStr:
        return "secret", [], optional
    if annotation is bool:
        return "bool", [], optional
    if annotation is int:
        return "int", [], optional
    if annotation is float:
        return "float", [], optional
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", [str(m.value) for m in annotation], optional
    if get_origin(annotation) is Literal:
        return "choice", [str(a) for a in get_args(annotation)], optional
    return "text", [], optional


def config_fields(
    model: type[BaseModel], stored: dict[str, Any], secrets_set: set[str]
) -> list[dict[str, Any]]:
    """The adapter's settings as form fields, with the stored values (never a secret's)."""
    fields = []
    for name, info in model.model_fields.items():
        kind, choices, optional = _kind(info.annotation)
        default = None if info.is_required() else info.default
        if isinstance(default, enum.Enum):
            default = default.value
        value = stored.get(name, default) if kind != "secret" else None
        fields.append(
            {
                "name": name,
                "label": name.replace("_", " "),
                "kind": kind,
                "choices": choices,
                "required": info.is_required(),
                "optional": optional,
                "description": info.description or "",
                "value": "" if value is None or isinstance(value, SecretStr) else value,
                "secret_set": name in secrets_set,
            }
        )
    return fields


def values_from_form(model: type[BaseModel], form: FormData) -> dict[str, Any]:
    """The settings the form gives, typed: empty secrets and empty numbers are left out (a
    stored secret is kept; a number takes its stored or default value); an empty optional
    text clears it."""
    values: dict[str, Any] = {}
    secrets = secret_fields(model)
    for name, info in model.model_fields.items():
        kind, choices, optional = _kind(info.annotation)
        raw = form.get(FIELD_PREFIX + name)
        text = raw if isinstance(raw, str) else ""
        if len(text) > MAX_VALUE:
            raise ValidationFailed(f"{name}: at most {MAX_VALUE} characters")
        if name in secrets:
            if text:
                values[name] = text
        elif kind == "bool":
            values[name] = text == "on"
        elif kind in ("int", "float"):
            if text.strip():
                values[name] = _number(name, text.strip(), whole=kind == "int")
        elif kind == "choice":
            if text not in choices:
                raise ValidationFailed(f"{name}: choose one of {', '.join(choices)}")
            values[name] = text
        else:
            values[name] = None if optional and not text.strip() else text.strip()
    return values


def _number(name: str, text: str, *, whole: bool) -> int | float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ValidationFailed(f"{name}: {text[:20]!r} is not {kind}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationFailed(f"{name}: not a number")
    return value


def webhook_url(request: Request, settings: Settings, account: ChannelAccount) -> str | None:
    """Where the platform must send this account's webhooks (None: the channel polls)."""
    try:
        cls = adapter_class(account.channel)
    except ConfigError:
        return None
    if not cls.capabilities.webhook:
        return None
    base = settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/webhooks/{account.channel}/{account.id}"


# -- pages ------------------------------------------------------------------------------------


def _channels_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    settings: Settings,
    ws: Workspace,
    *,
    channel: str = "",
    editing: ChannelAccount | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    adapters = adapter_classes()
    accounts = session.scalars(
        select(ChannelAccount)
        .where(ChannelAccount.workspace_id == ws.id)
        .order_by(ChannelAccount.channel, ChannelAccount.id)
    ).all()
    box = _box(settings)
    rows = []
    secrets_of: dict[int, list[str]] = {}
    for account in accounts:
        try:
            secrets_set = channel_secret_names(account, box)
        except ConfigError:  # encrypted under another key: say nothing is set
            secrets_set = []
        secrets_of[account.id] = secrets_set
        rows.append(
            {
                "account": account,
                "adapter": adapters.get(account.channel),
                "webhook_url": webhook_url(request, settings, account),
                "secrets_set": secrets_set,
            }
        )
    fields: list[dict[str, Any]] = []
    chosen = editing.channel if editing else channel
    if chosen in adapters:
        model = adapters[chosen].config_model
        stored = dict(editing.config) if editing else {}
        known = set(secrets_of.get(editing.id, [])) if editing else set()
        fields = config_fields(model, {**stored, **(typed or {})}, known)
    elif chosen:
        context.setdefault("error", f"no channel adapter {chosen!r} is installed")
        chosen = ""
    return render_admin(
        request,
        session,
        viewer,
        ws,
        "admin_channels.html",
        section="channels",
        section_title="Channel accounts",
        status_code=status_code,
        rows=rows,
        adapters=sorted(adapters.items()),
        chosen=chosen,
        chosen_name=adapters[chosen].name if chosen else "",
        editing=editing,
        fields=fields,
        identity=typed or {},
        **context,
    )


def _account_of(session: Session, viewer: Viewer, ws: Workspace, account_id: int) -> ChannelAccount:
    account = access_channel_account_by_id(session, viewer, account_id)
    if account.workspace_id != ws.id:
        raise NotFound(f"no channel account {account_id} in this workspace")
    return account


@router.get("/admin/channels", response_class=HTMLResponse)
def channels_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    channel: Annotated[str, Query(max_length=40)] = "",
    saved: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    notice = {
        "added": "Channel account connected.",
        "configured": "Settings saved.",
        "paused": "Account paused: nothing is fetched or sent for it.",
        "resumed": "Account resumed.",
    }.get(saved, "")
    return _channels_page(request, session, viewer, settings, ws, channel=channel, saved=notice)


@router.get("/admin/channels/{account_id}", response_class=HTMLResponse)
def channel_account_page(
    account_id: int,
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    account = _account_of(session, viewer, ws, account_id)
    url = webhook_url(request, settings, account)
    notice = ""
    if saved == "added":
        notice = "Channel account connected." + (
            f" Register this webhook URL with the platform: {url}" if url else ""
        )
    return _channels_page(request, session, viewer, settings, ws, editing=account, saved=notice)


@router.post("/admin/channels")
async def add_channel_route(
    request: Request,
    session: WriteSessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """Connect an account: its identity on the platform, then its settings and secrets."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    channel = str(form.get("channel", ""))[:40]
    identity = {
        key: str(form.get(key, "")).strip()[:200]
        for key in ("external_id", "handle", "display_name")
    }
    try:
        model = _config_model(channel)
        if not identity["external_id"]:
            raise ValidationFailed("the account's id on the platform is needed")
        values = values_from_form(model, form)
        validate_config(model, values)  # before anything is written
        exists = session.scalar(
            select(ChannelAccount.id).where(
                ChannelAccount.workspace_id == ws.id,
                ChannelAccount.channel == channel,
                ChannelAccount.external_id == identity["external_id"],
            )
        )
        if exists is not None:
            raise ValidationFailed(f"this {channel} account is already connected")
    except ValidationFailed as exc:
        return _channels_page(
            request,
            session,
            viewer,
            settings,
            ws,
            channel=channel if channel in adapter_classes() else "",
            typed={**identity, **_plain_typed(form)},
            status_code=422,
            error=str(exc),
        )
    account = add_channel_account(
        session,
        ws,
        channel=channel,
        external_id=identity["external_id"],
        handle=identity["handle"] or None,
        display_name=identity["display_name"] or None,
        clock=clock,
    )
    configure_channel_account(
        session, account, values, box=_box(settings), clock=clock, actor=_actor(viewer)
    )
    return RedirectResponse(
        f"/admin/channels/{account.id}?workspace={ws.slug}&saved=added#account", 303
    )


@router.post("/admin/channels/{account_id}")
async def configure_channel_route(
    account_id: int,
    request: Request,
    session: WriteSessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """Change an account's settings; a secret left empty keeps its stored value."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    account = _account_of(session, viewer, ws, account_id)
    try:
        model = _config_model(account.channel)
        values = values_from_form(model, form)
        configure_channel_account(
            session, account, values, box=_box(settings), clock=clock, actor=_actor(viewer)
        )
    except ValidationFailed as exc:  # refused before anything was written
        return _channels_page(
            request,
            session,
            viewer,
            settings,
            ws,
            editing=account,
            typed=_plain_typed(form),
            status_code=422,
            error=str(exc),
        )
    return RedirectResponse(f"/admin/channels?workspace={ws.slug}&saved=configured#accounts", 303)


@router.post("/admin/channels/{account_id}/pause")
def pause_channel_route(
    account_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Stop fetching and sending for the account until it is resumed."""
    ws = admin_workspace(session, viewer, workspace)
    account = _account_of(session, viewer, ws, account_id)
    pause_channel_account(
        session,
        account.id,
        reason=reason.strip() or "paused by an admin",
        clock=clock,
        actor=_actor(viewer),
    )
    return RedirectResponse(f"/admin/channels?workspace={ws.slug}&saved=paused#accounts", 303)


@router.post("/admin/channels/{account_id}/resume")
def resume_channel_route(
    account_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)],
) -> Response:
    """Fetch and send again; webhook bodies that waited are processed at once."""
    ws = admin_workspace(session, viewer, workspace)
    account = _account_of(session, viewer, ws, account_id)
    resume_channel_account(session, account.id, clock=clock, actor=_actor(viewer))
    return RedirectResponse(f"/admin/channels?workspace={ws.slug}&saved=resumed#accounts", 303)


def _plain_typed(form: FormData) -> dict[str, Any]:
    """What was typed, to show a refused form again: plain fields only, never a secret."""
    typed: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key.startswith(FIELD_PREFIX):
            typed[key[len(FIELD_PREFIX) :]] = value[:MAX_VALUE]
    for key in ("external_id", "handle", "display_name"):
        found = form.get(key)
        if isinstance(found, str):
            typed[key] = found[:200]
    return typed
