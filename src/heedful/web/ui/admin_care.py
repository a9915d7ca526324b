"""Admin pages for the care area's settings: business hours and SLA policies
(``/admin/hours``), and reply signatures (``/admin/signatures``).

The forms are turned into the care area's own models (:class:`BusinessCalendar`,
:class:`SlaPolicy`, :class:`CareSettings`) before anything is stored, so this screen cannot
save what the SLA engine or the signing code would refuse; a refused form comes back with the
reason and what was typed, and nothing changes.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from heedful.care.calendars import load_calendar, load_policies, save_calendar, save_policies
from heedful.care.clocks import TICK_BATCH, snapshot_missing
from heedful.care.config import (
    CareSettings,
    care_settings,
    parse_care_settings,
    update_care_settings,
)
from heedful.care.events import log_event
from heedful.care.hours import DAY_NAMES, BusinessCalendar
from heedful.care.signatures import render_signature, sign, signature_format
from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.errors import ValidationFailed
from heedful.store.tables import Agent, BusinessHours, ChannelAccount, Workspace
from heedful.web.access import Viewer
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.ui.admin import admin_workspace, render_admin

router = APIRouter(include_in_schema=False)

DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_POLICIES = 50
MAX_TEXT = 2000
SAMPLE_REPLY = "Thanks for telling us, we're looking into it now."
_SLUG = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,39}$")


def channel_slugs(session: Session, workspace: Workspace) -> list[str]:
    """Every channel an admin may set something for: the installed adapters and the channels
    the workspace already has accounts on."""
    from heedful.channels.registry import adapter_classes

    used = session.scalars(
        select(ChannelAccount.channel).where(ChannelAccount.workspace_id == workspace.id)
    )
    return sorted(set(adapter_classes()) | set(used))


def _text(form: FormData, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationFailed(f"{name}: at most {limit} characters")
    return text.replace("\r\n", "\n")


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


# -- business hours and SLA policies ---------------------------------------------------------


def hours_form(calendar: BusinessCalendar, always_open_channels: list[str]) -> dict[str, Any]:
    """The calendar as the form shows it (ranges per day, one closed date per line)."""
    weekly = calendar.weekly.to_spec()
    return {
        "timezone": calendar.timezone,
        "days": {d: ", ".join(weekly.get(d, [])) for d in DAY_NAMES},
        "closed_dates": "\n".join(sorted(d.isoformat() for d in calendar.closed_dates)),
        "holiday_country": calendar.holiday_country or "",
        "holiday_subdivision": calendar.holiday_subdivision or "",
        "always_open": calendar.always_open,
        "always_open_channels": always_open_channels,
    }


def policy_form(spec: dict[str, Any]) -> dict[str, Any]:
    """An SLA policy (``SlaPolicy.to_spec``) as one row of the form."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "name": spec["name"],
        "channels": ", ".join(spec["channels"]),
        "visibility": spec["visibility"] or "",
        "min_priority": text(spec["min_priority"]),
        "max_priority": text(spec["max_priority"]),
        "first_response": text(spec["first_response_minutes"]),
        "next_response": text(spec["next_response_minutes"]),
        "resolution": text(spec["resolution_minutes"]),
        "business_hours": bool(spec["business_hours"]),
        "at_risk_percent": text(round(float(spec["at_risk_fraction"]) * 100, 2)).removesuffix(".0"),
    }


def calendar_from_form(form: FormData, channels: list[str]) -> tuple[BusinessCalendar, list[str]]:
    """The calendar the form describes, built (and so validated) by the care area."""
    weekly = {d: _split(_text(form, f"day_{d}", 200)) for d in DAY_NAMES}
    spec = {
        "timezone": _text(form, "timezone", 64).strip() or "UTC",
        "weekly": {d: spans for d, spans in weekly.items() if spans},
        "closed_dates": _split(_text(form, "closed_dates", 20_000)),
        "holiday_country": _text(form, "holiday_country", 8).strip().upper() or None,
        "holiday_subdivision": _text(form, "holiday_subdivision", 16).strip().upper() or None,
        "always_open": form.get("always_open") == "on",
    }
    calendar = BusinessCalendar.from_spec(spec)
    always = [c for c in form.getlist("always_open_channels") if isinstance(c, str)]
    unknown = sorted(set(always) - set(channels))
    if unknown:
        raise ValidationFailed(f"unknown channel(s) for 24/7: {', '.join(unknown)}")
    return calendar, sorted(set(always))


def policies_from_form(form: FormData) -> list[dict[str, Any]]:
    """The policy rows of the form, in the order given (blank rows and rows marked for
    removal left out), each checked by :meth:`SlaPolicy.from_spec`."""
    from heedful.care.sla import SlaPolicy

    try:
        count = min(int(_text(form, "rows", 4) or 0), MAX_POLICIES + 1)
    except ValueError:
        raise ValidationFailed("rows: not a number") from None
    ordered: list[tuple[float, int, dict[str, Any]]] = []
    for i in range(count):
        row = {key: _text(form, f"{key}_{i}", 200).strip() for key in _POLICY_FIELDS}
        if form.get(f"remove_{i}") == "on" or not any(row.values()):
            continue
        spec = _policy_spec(row, business=form.get(f"business_hours_{i}") == "on")
        SlaPolicy.from_spec(spec)
        try:
            position = float(_text(form, f"position_{i}", 10) or i + 1)
        except ValueError:
            raise ValidationFailed(f"policy {row['name']!r}: the order is not a number") from None
        ordered.append((position, i, spec))
    if len(ordered) > MAX_POLICIES:
        raise ValidationFailed(f"at most {MAX_POLICIES} SLA policies")
    if not ordered:
        raise ValidationFailed(
            "keep at least one SLA policy (conversations no policy matches have no SLA at all)"
        )
    return [spec for _, _, spec in sorted(ordered, key=lambda item: item[:2])]


_POLICY_FIELDS = (
    "name",
    "channels",
    "visibility",
    "min_priority",
    "max_priority",
    "first_response",
    "next_response",
    "resolution",
    "at_risk_percent",
)


def _policy_spec(row: dict[str, str], *, business: bool) -> dict[str, Any]:
    name = row["name"]
    if not name:
        raise ValidationFailed("every SLA policy needs a name")
    where = f"policy {name!r}"
    channels = _split(row["channels"])
    bad = [c for c in channels if not _SLUG.match(c)]
    if bad:
        raise ValidationFailed(f"{where}: {', '.join(bad)} is not a channel name")
    if row["visibility"] not in {"", *(v.value for v in Visibility)}:
        raise ValidationFailed(f"{where}: visibility must be public, private or any")
    low = _whole(row["min_priority"] or "0", f"{where}: lowest priority", 0, 100)
    high = _whole(row["max_priority"] or "100", f"{where}: highest priority", 0, 100)
    if low > high:
        raise ValidationFailed(f"{where}: the lowest priority is above the highest")
    targets = {
        key: _whole(row[key], f"{where}: {key.replace('_', ' ')} target", 1, 366 * 24 * 60)
        if row[key]
        else None
        for key in ("first_response", "next_response", "resolution")
    }
    if not any(targets.values()):
        raise ValidationFailed(f"{where}: set at least one target")
    percent = _number(row["at_risk_percent"] or "25", f"{where}: at-risk threshold")
    return {
        "name": name[:100],
        "channels": channels,
        "visibility": row["visibility"] or None,
        "min_priority": low,
        "max_priority": high,
        "first_response_minutes": targets["first_response"],
        "next_response_minutes": targets["next_response"],
        "resolution_minutes": targets["resolution"],
        "business_hours": business,
        "at_risk_fraction": percent / 100,
    }


def _whole(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed(f"{what} must be a whole number") from None
    if not low <= value <= high:
        raise ValidationFailed(f"{what} must be between {low} and {high}")
    return value


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(f"{what} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationFailed(f"{what} must be a number")
    return value


def _hours_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    ws: Workspace,
    *,
    hours: dict[str, Any] | None = None,
    policies: list[dict[str, Any]] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    if hours is None:
        row = session.get(BusinessHours, ws.id)
        hours = hours_form(
            load_calendar(session, ws.id), list(row.always_open_channels or []) if row else []
        )
    if policies is None:
        policies = [policy_form(p.to_spec()) for p in load_policies(session, ws.id)]
    settings = care_settings(ws)
    calendar = load_calendar(session, ws.id)
    return render_admin(
        request,
        session,
        viewer,
        ws,
        "admin_hours.html",
        boundaries={
            "acknowledge": settings.acknowledge_out_of_hours,
            "handles": settings.handles or "",
            "example": acknowledgement_example(calendar, settings, ws),
        },
        section="hours",
        section_title="Hours and SLA",
        status_code=status_code,
        hours=hours,
        policies=policies,
        days=list(zip(DAY_NAMES, DAY_LABELS, strict=True)),
        channels=channel_slugs(session, ws),
        visibilities=[v.value for v in Visibility],
        **context,
    )


def acknowledgement_example(
    calendar: BusinessCalendar, settings: CareSettings, ws: Workspace
) -> str | None:
    """What a customer writing at the start of the next closed period would be sent (None
    for a team that is always open)."""
    from datetime import UTC, datetime, timedelta

    from heedful.care.boundaries import out_of_hours_acknowledgement

    if calendar.always_open:
        return None
    moment = datetime.now(UTC).replace(second=0, microsecond=0)
    for _ in range(7 * 24 * 4):  # the next closed quarter-hour within a week
        if not calendar.is_open(moment):
            break
        moment += timedelta(minutes=15)
    ack = out_of_hours_acknowledgement(
        calendar, moment, team=settings.team_name(ws), handles=settings.handles
    )
    return ack.text if ack else None


@router.post("/admin/boundaries")
async def save_boundaries_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Turn the out-of-hours acknowledgement on or off, and say what the account handles."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    changes = {
        "acknowledge_out_of_hours": form.get("acknowledge_out_of_hours") == "on",
        "handles": _text(form, "handles") or None,
    }
    try:
        update_care_settings(session, ws, changes, clock=clock, actor_agent_id=viewer.agent_id)
    except ValidationFailed as exc:
        return _hours_page(request, session, viewer, ws, status_code=422, error=str(exc))
    return RedirectResponse(f"/admin/hours?workspace={ws.slug}&saved=boundaries#boundaries", 303)


@router.get("/admin/hours", response_class=HTMLResponse)
def hours_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    notice = {
        "hours": "Business hours saved.",
        "sla": "SLA policies saved.",
        "boundaries": "Out-of-hours acknowledgement saved.",
    }.get(saved, "")
    return _hours_page(request, session, viewer, ws, saved=notice)


@router.post("/admin/hours")
async def save_hours_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Save the workspace's time zone, weekly hours, closed dates and 24/7 channels."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    channels = channel_slugs(session, ws)
    try:
        calendar, always = calendar_from_form(form, channels)
    except ValidationFailed as exc:
        typed = _typed_hours(form)
        return _hours_page(
            request, session, viewer, ws, hours=typed, status_code=422, error=str(exc)
        )
    save_calendar(session, ws.id, calendar, clock=clock, always_open_channels=always)
    _rules_saved(session, ws, "business_hours.changed", clock, viewer, timezone=calendar.timezone)
    return RedirectResponse(f"/admin/hours?workspace={ws.slug}&saved=hours#hours", 303)


@router.post("/admin/sla")
async def save_sla_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Replace the workspace's SLA policies (first match wins, in the order given)."""
    from heedful.care.sla import SlaPolicy

    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    try:
        specs = policies_from_form(form)
    except ValidationFailed as exc:
        return _hours_page(
            request,
            session,
            viewer,
            ws,
            policies=_typed_policies(form),
            status_code=422,
            error=str(exc),
        )
    save_policies(session, ws.id, [SlaPolicy.from_spec(s) for s in specs], clock=clock)
    names = [s["name"] for s in specs]
    _rules_saved(session, ws, "sla.policies_changed", clock, viewer, policies=names)
    return RedirectResponse(f"/admin/hours?workspace={ws.slug}&saved=sla#sla", 303)


def _rules_saved(
    session: Session, ws: Workspace, kind: str, clock: Clock, viewer: Viewer, **data: Any
) -> None:
    """Log the change, and bring the stored SLA state up to date: saving queued every
    conversation of the workspace for the tick (``rules_changed``); snapshot the first batch
    now so a small workspace shows the new clocks at once (the tick does the rest)."""
    log_event(
        session,
        workspace_id=ws.id,
        kind=kind,
        subject=("workspace", ws.id),
        clock=clock,
        agent_id=viewer.agent_id,
        **data,
    )
    snapshot_missing(session, clock=clock, limit=TICK_BATCH, workspace_id=ws.id)


def _typed_hours(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value[:20_000] if isinstance(value, str) else ""

    return {
        "timezone": text("timezone"),
        "days": {d: text(f"day_{d}") for d in DAY_NAMES},
        "closed_dates": text("closed_dates"),
        "holiday_country": text("holiday_country"),
        "holiday_subdivision": text("holiday_subdivision"),
        "always_open": form.get("always_open") == "on",
        "always_open_channels": [c for c in form.getlist("always_open_channels")],
    }


def _typed_policies(form: FormData) -> list[dict[str, Any]]:
    try:
        count = min(int(str(form.get("rows", "0"))), MAX_POLICIES + 1)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row: dict[str, Any] = {}
        for key in _POLICY_FIELDS:
            value = form.get(f"{key}_{i}")
            row[key] = value[:200] if isinstance(value, str) else ""
        if not any(row.values()):
            continue
        row["business_hours"] = form.get(f"business_hours_{i}") == "on"
        rows.append(row)
    return rows


# -- signatures -------------------------------------------------------------------------------


def signature_examples(
    settings: CareSettings, agent: Agent | None, workspace: Workspace, channels: list[str]
) -> list[dict[str, str]]:
    """How a reply by ``agent`` is signed on each channel (the default first)."""
    rows = []
    for channel in ["", *channels]:
        key = channel or "(default)"
        if channel and channel not in settings.signatures:
            continue
        try:
            signature = render_signature(
                settings, agent=agent, workspace=workspace, channel=channel or "-"
            )
            example = sign(SAMPLE_REPLY, signature).text
        except (ValueError, KeyError, IndexError) as exc:
            example = f"cannot be rendered: {exc}"
        rows.append(
            {"channel": key, "format": signature_format(settings, channel), "example": example}
        )
    return rows


def signatures_from_form(form: FormData, channels: list[str]) -> dict[str, Any]:
    """The signature settings the form describes (other care settings kept)."""
    default = _text(form, "signature", 500)
    if not default.strip():
        raise ValidationFailed(
            "the default signature cannot be empty: every reply is signed by its agent"
        )
    per_channel = {}
    for channel in channels:
        fmt = _text(form, f"signature_{channel}", 500)
        if fmt.strip():
            per_channel[channel] = fmt
    team = _text(form, "team", 200).strip() or None
    return {"signature": default, "signatures": per_channel, "team": team}


def _check_renders(settings: CareSettings, agent: Agent | None, workspace: Workspace) -> None:
    """The care settings model checks the placeholders; a format spec such as ``{name:d}``
    only fails when used, so render every format once before it is saved."""
    probe = agent or Agent(name="Anna Example", initials="AE", email="a@example.com")
    for channel in ["-", *settings.signatures]:
        try:
            render_signature(settings, agent=probe, workspace=workspace, channel=channel)
        except (ValueError, KeyError, IndexError) as exc:
            where = f"the {channel} signature" if channel != "-" else "the default signature"
            raise ValidationFailed(f"{where} cannot be rendered: {exc}") from None


def _placeholder_values(
    agent: Agent | None, workspace: Workspace, settings: CareSettings
) -> dict[str, str]:
    """What the placeholders stand for when the signed-in agent signs (for the live example
    the page's script draws as the admin types)."""
    name = agent.name if agent else "Anna Example"
    return {
        "initials": agent.initials if agent else "AE",
        "name": name,
        "first_name": name.split()[0] if name.split() else name,
        "team": settings.team_name(workspace),
        "workspace": workspace.name,
    }


def _signatures_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    ws: Workspace,
    *,
    settings: CareSettings | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    settings = settings or care_settings(ws)
    channels = channel_slugs(session, ws)
    agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    values = typed or {
        "signature": settings.signature,
        "signatures": dict(settings.signatures),
        "team": settings.team or "",
    }
    return render_admin(
        request,
        session,
        viewer,
        ws,
        "admin_signatures.html",
        section="signatures",
        section_title="Signatures",
        status_code=status_code,
        values=values,
        channels=channels,
        examples=signature_examples(settings, agent, ws, channels),
        team_default=f"The {ws.name} team",
        agent=agent,
        sample_reply=SAMPLE_REPLY,
        live_agent=_placeholder_values(agent, ws, settings),
        **context,
    )


@router.get("/admin/signatures", response_class=HTMLResponse)
def signatures_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    notice = "Signatures saved." if saved else ""
    return _signatures_page(request, session, viewer, ws, saved=notice)


@router.post("/admin/signatures")
async def save_signatures_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Save the signature formats (or, with ``preview``, show them without saving)."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    channels = channel_slugs(session, ws)
    agent = session.get(Agent, viewer.agent_id) if viewer.agent_id else None
    typed = _typed_signatures(form, channels)
    try:
        changes = signatures_from_form(form, channels)
        document = {**care_settings(ws).model_dump(exclude_defaults=True), **changes}
        settings = parse_care_settings(document)
        _check_renders(settings, agent, ws)
    except ValidationFailed as exc:
        return _signatures_page(
            request, session, viewer, ws, typed=typed, status_code=422, error=str(exc)
        )
    if form.get("preview"):
        return _signatures_page(
            request,
            session,
            viewer,
            ws,
            settings=settings,
            typed=typed,
            saved="Preview only: not saved yet.",
        )
    update_care_settings(session, ws, changes, clock=clock, actor_agent_id=viewer.agent_id)
    return RedirectResponse(f"/admin/signatures?workspace={ws.slug}&saved=1", 303)


def _typed_signatures(form: FormData, channels: list[str]) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value[:500].replace("\r\n", "\n") if isinstance(value, str) else ""

    return {
        "signature": text("signature"),
        "signatures": {c: text(f"signature_{c}") for c in channels if text(f"signature_{c}")},
        "team": text("team"),
    }
