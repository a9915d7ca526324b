"""Business hours and SLA policies of a workspace, stored and loaded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from heedful.care.hours import BusinessCalendar, WeeklyHours
from heedful.care.sla import SlaPolicy, default_policies
from heedful.clock import Clock
from heedful.store.tables import BusinessHours, SlaPolicyRow, Workspace


def load_calendar(
    session: Session, workspace_id: int, channel: str | None = None
) -> BusinessCalendar:
    """The workspace's calendar (Monday-Friday 09:00-17:00 in its time zone when none is set);
    24/7 for a channel listed as always open."""
    row = session.get(BusinessHours, workspace_id)
    if row is None:
        workspace = session.get(Workspace, workspace_id)
        return BusinessCalendar(timezone=workspace.timezone if workspace else "UTC")
    calendar = BusinessCalendar(
        timezone=row.timezone,
        weekly=WeeklyHours.parse(row.weekly),
        closed_dates=frozenset(date.fromisoformat(d) for d in row.closed_dates),
        holiday_country=row.holiday_country,
        holiday_subdivision=row.holiday_subdivision,
        always_open=row.always_open,
    )
    if channel is not None and channel in (row.always_open_channels or []):
        return replace(calendar, always_open=True)
    return calendar


def save_calendar(
    session: Session,
    workspace_id: int,
    calendar: BusinessCalendar,
    *,
    clock: Clock,
    always_open_channels: Iterable[str] = (),
) -> BusinessHours:
    """Set the workspace's business hours (the calendar was validated when it was built)."""
    row = session.get(BusinessHours, workspace_id) or BusinessHours(workspace_id=workspace_id)
    row.timezone = calendar.timezone
    row.weekly = calendar.weekly.to_spec()
    row.closed_dates = sorted(d.isoformat() for d in calendar.closed_dates)
    row.holiday_country = calendar.holiday_country
    row.holiday_subdivision = calendar.holiday_subdivision
    row.always_open = calendar.always_open
    row.always_open_channels = sorted(set(always_open_channels))
    row.updated_at = clock.now()
    session.add(row)
    _rules_changed(session, workspace_id)
    return row


def load_policies(session: Session, workspace_id: int) -> tuple[SlaPolicy, ...]:
    """The workspace's SLA policies in order, or the defaults when it has set none."""
    rows = session.scalars(
        select(SlaPolicyRow)
        .where(SlaPolicyRow.workspace_id == workspace_id)
        .order_by(SlaPolicyRow.position, SlaPolicyRow.id)
    ).all()
    if not rows:
        return default_policies()
    return tuple(SlaPolicy.from_spec(_spec(row)) for row in rows)


def save_policies(
    session: Session, workspace_id: int, policies: Sequence[SlaPolicy], *, clock: Clock
) -> None:
    """Replace the workspace's SLA policies (first match wins, in this order)."""
    session.execute(delete(SlaPolicyRow).where(SlaPolicyRow.workspace_id == workspace_id))
    for position, policy in enumerate(policies):
        spec = policy.to_spec()
        session.add(
            SlaPolicyRow(
                workspace_id=workspace_id,
                position=position,
                name=policy.name,
                channels=spec["channels"],
                visibility=spec["visibility"],
                min_priority=policy.min_priority,
                max_priority=policy.max_priority,
                first_response_minutes=spec["first_response_minutes"],
                next_response_minutes=spec["next_response_minutes"],
                resolution_minutes=spec["resolution_minutes"],
                business_hours=policy.business_hours,
                at_risk_fraction=policy.at_risk_fraction,
                created_at=clock.now(),
            )
        )
    _rules_changed(session, workspace_id)


def _rules_changed(session: Session, workspace_id: int) -> None:
    from heedful.care.clocks import rules_changed  # clocks loads calendars from here

    rules_changed(session, workspace_id)


def _spec(row: SlaPolicyRow) -> dict[str, object]:
    return {
        "name": row.name,
        "first_response_minutes": row.first_response_minutes,
        "next_response_minutes": row.next_response_minutes,
        "resolution_minutes": row.resolution_minutes,
        "business_hours": row.business_hours,
        "channels": row.channels,
        "visibility": row.visibility,
        "min_priority": row.min_priority,
        "max_priority": row.max_priority,
        "at_risk_fraction": row.at_risk_fraction,
    }
