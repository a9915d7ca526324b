"""``/api/v1/stream``: live updates as server-sent events.

Each connection watches the message table's primary key: once a second it asks for messages
newer than the last it saw *in the viewer's workspaces* (an index range scan of a few rows),
and sends ``event: messages`` with the conversations they belong to. The viewer's workspaces
are fixed for the connection, which ends after :data:`MAX_STREAM` (browsers reconnect by
themselves, and are authenticated again)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from heedful.store.db import Database
from heedful.store.tables import Message
from heedful.web.access import Viewer, visible_workspace_ids
from heedful.web.deps import DbDep, ViewerDep

router = APIRouter(prefix="/api/v1", tags=["live"])

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
MAX_STREAM = 600.0
MAX_IDS = 200


def latest_message_id(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.max(Message.id))) or 0)


def messages_since(db: Database, workspace_ids: list[int], last_id: int) -> tuple[int, list[int]]:
    """(new high-water mark, conversations with messages newer than ``last_id``)."""
    with db.session() as session:
        rows = session.execute(
            select(Message.id, Message.conversation_id)
            .where(Message.id > last_id, Message.workspace_id.in_(workspace_ids))
            .order_by(Message.id)
            .limit(MAX_IDS)
        ).all()
        top = max((r.id for r in rows), default=last_id)
        if len(rows) < MAX_IDS:
            top = max(top, int(session.scalar(select(func.max(Message.id))) or 0))
    return top, sorted({r.conversation_id for r in rows})


def _workspace_ids(db: Database, viewer: Viewer) -> list[int]:
    with db.session() as session:
        return visible_workspace_ids(session, viewer)


def sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


@router.get(
    "/stream",
    summary="Live updates (server-sent events)",
    response_description="`event: messages` with `{conversation_ids: [...]}` as they arrive",
)
async def stream(request: Request, viewer: ViewerDep, db: DbDep) -> StreamingResponse:
    workspace_ids = await run_in_threadpool(_workspace_ids, db, viewer)
    state = request.app.state
    poll = float(getattr(state, "stream_poll_seconds", POLL_SECONDS))
    lifetime = float(getattr(state, "stream_max_seconds", MAX_STREAM))
    return StreamingResponse(
        _events(request, db, workspace_ids, poll, lifetime),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, db: Database, workspace_ids: list[int], poll: float, lifetime: float
) -> AsyncIterator[bytes]:
    last = await run_in_threadpool(latest_message_id, db)
    yield b"retry: 3000\n" + sse("ready", {"workspaces": len(workspace_ids)})
    started = beat = time.monotonic()
    while time.monotonic() - started < lifetime and workspace_ids:
        await asyncio.sleep(poll)
        if await request.is_disconnected():
            return
        last, changed = await run_in_threadpool(messages_since, db, workspace_ids, last)
        if changed:
            yield sse("messages", {"conversation_ids": changed})
        elif time.monotonic() - beat > HEARTBEAT_SECONDS:
            beat = time.monotonic()
            yield b": heartbeat\n\n"
