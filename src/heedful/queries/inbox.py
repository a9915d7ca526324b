"""The inbox: conversations in a viewer's workspaces, filtered, keyset-paginated.

Written with Core statements over indexed columns (no ORM objects are built), because this is
the hottest read in the product: an agent's queue refreshes all day, at millions of messages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from heedful.errors import ValidationFailed
from heedful.store import search
from heedful.store.base import table_of
from heedful.store.tables import Contact, ContactIdentity, Conversation, Message, Workspace

CONV = table_of(Conversation)
MSG = table_of(Message)
CONTACT = table_of(Contact)
IDENT = table_of(ContactIdentity)
WS = table_of(Workspace)

MAX_LIMIT = 200


class InboxSort(StrEnum):
    ACTIVITY = "activity"  # newest activity first
    PRIORITY = "priority"  # highest priority first, then newest activity


@dataclass
class InboxFilter:
    workspace_ids: list[int]
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    owner_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None
    query: str | None = None  # full-text search over message text
    sort: InboxSort = InboxSort.ACTIVITY
    limit: int = 50
    cursor: str | None = None


@dataclass
class InboxPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationFailed("invalid cursor") from None
    if not isinstance(values, list) or len(values) != length:
        raise ValidationFailed("invalid cursor")
    return values


def list_conversations(session: Session, flt: InboxFilter) -> InboxPage:
    if not flt.workspace_ids:
        return InboxPage([], None)
    limit = max(1, min(flt.limit, MAX_LIMIT))
    stmt = _base_query(flt)
    if flt.query:
        ids = search.search_conversation_ids(session, flt.workspace_ids, flt.query, limit=1000)
        if not ids:
            return InboxPage([], None)
        stmt = stmt.where(CONV.c.id.in_(ids))
    stmt = _order_and_page(stmt, flt).limit(limit + 1)
    rows = session.execute(stmt).mappings().all()
    items = [conversation_row_json(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        key = [last["last_activity_at"].isoformat(), last["id"]]
        if flt.sort is InboxSort.PRIORITY:
            key.insert(0, last["priority"])
        next_cursor = encode_cursor(key)
    return InboxPage(items, next_cursor)


def _base_query(flt: InboxFilter) -> Select[Any]:
    preview = (
        select(MSG.c.text)
        .where(MSG.c.conversation_id == CONV.c.id)
        .order_by(MSG.c.created_at.desc(), MSG.c.id.desc())
        .limit(1)
        .correlate(CONV)
        .scalar_subquery()
    )
    identity = (
        select(IDENT.c.handle)
        .where(IDENT.c.contact_id == CONV.c.contact_id)
        .order_by(IDENT.c.followers.desc().nulls_last(), IDENT.c.id)
        .limit(1)
        .correlate(CONV)
        .scalar_subquery()
    )
    followers = (
        select(func.max(IDENT.c.followers))
        .where(IDENT.c.contact_id == CONV.c.contact_id)
        .correlate(CONV)
        .scalar_subquery()
    )
    stmt = (
        select(
            CONV,
            WS.c.slug.label("workspace_slug"),
            CONTACT.c.display_name.label("contact_name"),
            identity.label("contact_handle"),
            followers.label("contact_followers"),
            preview.label("preview"),
        )
        .join(WS, WS.c.id == CONV.c.workspace_id)
        .outerjoin(CONTACT, CONTACT.c.id == CONV.c.contact_id)
    )
    if len(flt.workspace_ids) == 1:
        stmt = stmt.where(CONV.c.workspace_id == flt.workspace_ids[0])
    else:
        stmt = stmt.where(CONV.c.workspace_id.in_(flt.workspace_ids))
    if flt.status:
        stmt = stmt.where(CONV.c.status.in_(flt.status))
    if flt.channel:
        stmt = stmt.where(CONV.c.channel.in_(flt.channel))
    if flt.owner_id is not None:
        stmt = stmt.where(CONV.c.owner_id == flt.owner_id)
    if flt.unassigned:
        stmt = stmt.where(CONV.c.owner_id.is_(None))
    if flt.contact_id is not None:
        stmt = stmt.where(CONV.c.contact_id == flt.contact_id)
    return stmt


def _order_and_page(stmt: Select[Any], flt: InboxFilter) -> Select[Any]:
    activity, ident = CONV.c.last_activity_at, CONV.c.id
    if flt.sort is InboxSort.PRIORITY:
        if flt.cursor:
            prio, when, last_id = decode_cursor(flt.cursor, 3)
            at = _cursor_time(when)
            stmt = stmt.where(
                or_(
                    CONV.c.priority < int(prio),
                    and_(
                        CONV.c.priority == int(prio), tuple_(activity, ident) < (at, int(last_id))
                    ),
                )
            )
        return stmt.order_by(CONV.c.priority.desc(), activity.desc(), ident.desc())
    if flt.cursor:
        when, last_id = decode_cursor(flt.cursor, 2)
        stmt = stmt.where(tuple_(activity, ident) < (_cursor_time(when), int(last_id)))
    return stmt.order_by(activity.desc(), ident.desc())


def _cursor_time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("invalid cursor") from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def conversation_row_json(row: Any) -> dict[str, Any]:
    """A conversation row (with the joined contact fields) as the API's JSON shape."""
    preview = row["preview"] or ""
    return {
        "id": row["id"],
        "workspace": row["workspace_slug"],
        "channel": row["channel"],
        "status": row["status"],
        "priority": row["priority"],
        "owner_id": row["owner_id"],
        "subject": row["subject"],
        "message_count": row["message_count"],
        "contact": {
            "id": row["contact_id"],
            "name": row["contact_name"],
            "handle": row["contact_handle"],
            "followers": row["contact_followers"],
        }
        if row["contact_id"] is not None
        else None,
        "preview": preview[:280],
        "first_inbound_at": _iso(row["first_inbound_at"]),
        "first_response_at": _iso(row["first_response_at"]),
        "last_activity_at": _iso(row["last_activity_at"]),
        "created_at": _iso(row["created_at"]),
    }
