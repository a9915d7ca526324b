"""Workspaces (brands), their channel accounts and members."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ValidationFailed
from heedful.services.events import record_event
from heedful.store.tables import ChannelAccount, Workspace

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r} (use an IANA name like Europe/London)"
        ) from None
    return name


def create_workspace(
    session: Session, *, slug: str, name: str, clock: Clock, timezone: str = "UTC"
) -> Workspace:
    if not SLUG.match(slug):
        raise ValidationFailed(
            f"workspace slug {slug!r}: use lower-case letters, digits and dashes (max 63)"
        )
    workspace = Workspace(
        slug=slug, name=name, timezone=check_timezone(timezone), settings={}, created_at=clock.now()
    )
    session.add(workspace)
    session.flush()
    record_event(
        session,
        "workspace.created",
        workspace_id=workspace.id,
        actor="system",
        now=clock.now(),
        subject=("workspace", workspace.id),
        data={"slug": slug},
    )
    return workspace


def get_or_create_workspace(
    session: Session, *, slug: str, clock: Clock, name: str | None = None, timezone: str = "UTC"
) -> Workspace:
    found = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if found is not None:
        return found
    return create_workspace(session, slug=slug, name=name or slug, clock=clock, timezone=timezone)


def add_channel_account(
    session: Session,
    workspace: Workspace,
    *,
    channel: str,
    external_id: str,
    clock: Clock,
    handle: str | None = None,
    display_name: str | None = None,
    followers: int | None = None,
) -> ChannelAccount:
    account = ChannelAccount(
        workspace_id=workspace.id,
        channel=channel,
        external_id=external_id,
        handle=handle,
        display_name=display_name,
        followers=followers,
        status="active",
        config={},
        cursor={},
        created_at=clock.now(),
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        "channel_account.added",
        workspace_id=workspace.id,
        actor="system",
        now=clock.now(),
        subject=("channel_account", account.id),
        data={"channel": channel, "handle": handle},
    )
    return account
