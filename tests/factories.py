"""Small builders for test data (events, workspaces). Real objects, no mocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer(ident: str = "c1", followers: int | None = 120, **kw: Any) -> Author:
    return Author(
        external_id=ident,
        handle=kw.get("handle", f"user_{ident}"),
        display_name=kw.get("display_name", f"User {ident}"),
        followers=followers,
    )


BRAND = Author(external_id="brand", handle="AcmeCare", display_name="Acme Care", followers=203_000)


def event(
    external_id: str,
    *,
    author: Author | None = None,
    minutes: float = 0,
    reply_to: str | None = None,
    text: str | None = None,
    channel: str = "x",
    outbound: bool = False,
    private: bool = False,
    thread_ref: str | None = None,
    **kw: Any,
) -> InboundEvent:
    return InboundEvent(
        channel=channel,
        external_id=external_id,
        author=author or (BRAND if outbound else customer()),
        text=text if text is not None else f"message {external_id}",
        created_at=at(minutes),
        kind=MessageKind.REPLY if reply_to else (MessageKind.DM if private else MessageKind.POST),
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        in_reply_to=reply_to,
        thread_ref=thread_ref,
        **kw,
    )
