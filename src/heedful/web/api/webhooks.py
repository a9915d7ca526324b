"""Webhook endpoints: ``POST /webhooks/{channel}/{account_id}`` for events and
``GET /webhooks/{channel}/{account_id}`` for the platform's subscription handshake.

Every channel whose adapter has ``capabilities.webhook`` gets them, with no code of its own.
The request is authenticated by the adapter's signature check (``adapter.verify``), not by a
sign-in: this small app is mounted beside the main one, so the session guard and CSRF checks
never see it. A verified body is stored raw and the answer is 200 at once; processing runs as
the ``webhooks.process`` job (see :mod:`heedful.services.webhooks`).

It is a plain Starlette app, not a FastAPI one: the platforms, not people, call it, it has no
OpenAPI page, and at hundreds of requests a second FastAPI's per-request work (dependency
solving, parameter validation) was a tenth of the server's time.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from heedful.channels.base import ChannelAdapter
from heedful.clock import Clock
from heedful.errors import AuthFailed, ConfigError, InputRejected, Unsupported
from heedful.services.webhooks import AccountRef, RawEventSpool
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount
from heedful.workers.context import ChannelDirectory, JobQueue
from heedful.workers.webhooks import nudge

log = logging.getLogger("heedful.webhooks")

MAX_BODY_BYTES = 5 * 1024 * 1024
# How long a webhook endpoint trusts what it read of a channel account (its workspace, status
# and adapter) before reading it again: at 200 requests a second, one read every two seconds
# instead of one per request. A change made to the account (disabled, a new secret) takes
# effect on webhooks within this time.
ACCOUNT_TTL_SECONDS = 2.0
TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*")


@dataclass(frozen=True)
class _Endpoint:
    """What a webhook request needs of its channel account, as read at ``read_at``."""

    ref: AccountRef
    adapter: ChannelAdapter[Any]
    read_at: float


@dataclass
class _EndpointCache:
    """Webhook endpoints by (channel, account id), each kept ``ttl`` seconds (see
    ACCOUNT_TTL_SECONDS). Only endpoints that accept webhooks are kept: an unknown or
    disabled account is read again on every request."""

    ttl: float = ACCOUNT_TTL_SECONDS
    _found: dict[tuple[str, int], _Endpoint] = field(default_factory=dict)

    def get(self, channel: str, account_id: int) -> _Endpoint | None:
        found = self._found.get((channel, account_id))
        if found is None or time.monotonic() - found.read_at > self.ttl:
            return None
        return found

    def put(self, channel: str, account_id: int, endpoint: _Endpoint) -> None:
        if len(self._found) > 10_000:  # accounts come and go: never grow without bound
            self._found.clear()
        self._found[(channel, account_id)] = endpoint


@dataclass(frozen=True)
class _Deps:
    db: Database
    clock: Clock
    jobs: JobQueue
    channels: ChannelDirectory
    spool: RawEventSpool
    endpoints: _EndpointCache = field(default_factory=_EndpointCache)


def webhook_app(parent: FastAPI) -> Starlette:
    """The webhook endpoints as an app of their own, sharing ``parent``'s database, clock,
    job queue and channel directory."""
    app = Starlette(
        routes=[
            Route("/{channel}/{account_id:int}", receive_webhook, methods=["POST"]),
            Route("/{channel}/{account_id:int}", webhook_handshake, methods=["GET"]),
        ]
    )
    redact_query_tokens(logging.getLogger("uvicorn.access"))
    db, clock, jobs = parent.state.db, parent.state.clock, parent.state.jobs

    def wake(workspaces: set[int]) -> None:
        # After the commit, keyed: one waiting job serves every body that arrives before a
        # worker takes it. Were this process to die before this, the sweep finds the rows.
        for workspace_id in sorted(workspaces):
            nudge(jobs, workspace_id)

    spool = RawEventSpool(db, clock, on_stored=wake)
    app.state.deps = _Deps(db, clock, jobs, parent.state.channels, spool)
    return app


class RedactQueryTokens(logging.Filter):
    """The access log prints each request's path with its query: a webhook URL's
    ``?token=`` (Trustpilot's shared secret) is shown as ``token=[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and "token=" in a for a in args):
            record.args = tuple(
                TOKEN_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in args
            )
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


def redact_query_tokens(logger: logging.Logger) -> None:
    """Add :class:`RedactQueryTokens` to ``logger`` (once)."""
    if not any(isinstance(f, RedactQueryTokens) for f in logger.filters):
        logger.addFilter(RedactQueryTokens())


def _deps(request: Request) -> _Deps:
    deps: _Deps = request.app.state.deps
    return deps


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def receive_webhook(request: Request) -> Response:
    """``POST``: verify, store raw, enqueue, answer 200."""
    channel: str = request.path_params["channel"]
    account_id: int = request.path_params["account_id"]
    body = await _body_within_limit(request)
    if body is None:
        return _problem(413, "body too large")
    headers = dict(request.headers)
    query = dict(request.query_params)
    return await run_in_threadpool(
        _receive, _deps(request), channel, account_id, headers, body, query
    )


async def _body_within_limit(request: Request) -> bytes | None:
    """The request's body, or None once it grows past MAX_BODY_BYTES (read no further: a
    huge body is refused without being held in memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _receive(
    deps: _Deps,
    channel: str,
    account_id: int,
    headers: dict[str, str],
    body: bytes,
    query: dict[str, str],
) -> Response:
    # Read and verify outside any write: only storing the body waits for the writer, and it
    # is stored with the other requests that arrived meanwhile (RawEventSpool).
    endpoint = deps.endpoints.get(channel, account_id)
    if endpoint is None:
        with deps.db.session() as session:
            found = _account_and_adapter(session, deps, channel, account_id)
            if isinstance(found, Response):
                return found
            account, adapter = found
            ref = AccountRef(account.id, account.workspace_id, account.channel)
        endpoint = _Endpoint(ref, adapter, time.monotonic())
        deps.endpoints.put(channel, account_id, endpoint)
    ref, adapter = endpoint.ref, endpoint.adapter
    if not _verified(adapter, headers, body, query):
        return _problem(401, "signature check failed")
    raw_id = deps.spool.store(ref, headers, body)  # committed, its processing woken
    return JSONResponse({"received": True, "duplicate": raw_id is None})


def webhook_handshake(request: Request) -> Response:
    """``GET``: the platform's subscription check (Meta's hub.challenge, X's CRC)."""
    channel: str = request.path_params["channel"]
    account_id: int = request.path_params["account_id"]
    deps = _deps(request)
    with deps.db.session() as session:
        found = _account_and_adapter(session, deps, channel, account_id)
        if isinstance(found, Response):
            return found
        _, adapter = found
        try:
            answer = adapter.answer_challenge(dict(request.query_params))
        except Unsupported:
            return _problem(404, f"{channel} has no webhook handshake")
        except (AuthFailed, InputRejected) as exc:
            return _problem(403, str(exc))
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


def _account_and_adapter(
    session: Any, deps: _Deps, channel: str, account_id: int
) -> tuple[ChannelAccount, ChannelAdapter[Any]] | Response:
    account = session.get(ChannelAccount, account_id)
    if account is None or account.channel != channel or account.status == "disabled":
        return _problem(404, "no such webhook")
    try:
        adapter = deps.channels.adapter_for(account)
    except ConfigError:
        return _problem(404, "this channel account is not configured yet")
    if not adapter.capabilities.webhook:
        return _problem(404, f"{channel} receives no webhooks")
    return account, adapter


def _verified(
    adapter: ChannelAdapter[Any], headers: dict[str, str], body: bytes, query: dict[str, str]
) -> bool:
    try:
        return adapter.verify_request(headers, body, query)
    except (Unsupported, InputRejected, AuthFailed):
        return False
    except Exception:  # a bug in a signature check must not open the door
        log.exception("the %s signature check failed", adapter.slug)
        return False
