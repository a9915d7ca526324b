"""Who is making the request, and whether they may.

Every route of the app depends on :func:`guard` (set on the app itself in ``create_app``, so a
route added later is covered without doing anything): it resolves the viewer from an API token
(``Authorization: Bearer hf_…``) or the session cookie, turns anonymous requests away (401 for
the API, a redirect to ``/login`` for pages) and checks the CSRF token on every state-changing
request made with a cookie. Only :data:`PUBLIC_PATHS` are open to everyone.

Who a token or session cookie belongs to is cached in the process for
:data:`VIEWER_CACHE_SECONDS` (the hot API path then does no database work to authenticate).
A change to agents, memberships, API tokens or sessions committed through this process's ORM
sessions (revoking a token, signing out, deactivating an agent, changing a role) empties the
cache at once; one made by another process (another server worker, the CLI) takes effect
within :data:`VIEWER_CACHE_SECONDS`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from starlette.concurrency import run_in_threadpool

from heedful.errors import HeedfulError, PermissionDenied
from heedful.services.auth import digest, find_api_token, find_session
from heedful.store.db import Database
from heedful.store.tables import Agent
from heedful.web.access import Viewer, viewer_for_agent

SESSION_COOKIE = "heedful_session"
LOGIN_CSRF_COOKIE = "heedful_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
# How long a resolved token or session is trusted without asking the database again: the
# longest a revocation made by *another* process takes to be seen here.
VIEWER_CACHE_SECONDS = 5.0
# Tables whose rows decide who a viewer is; a commit that writes one of them empties the cache.
AUTH_TABLES = frozenset({"agent", "membership", "api_token", "web_session"})


class NotAuthenticated(HeedfulError):
    """Nobody is signed in (or the token is unknown, revoked or expired)."""


class CsrfFailed(PermissionDenied):
    """A state-changing browser request without the session's CSRF token."""


class ViewerCache:
    """Credential digest → viewer, for a few seconds (see the module's docstring).

    An entry is used only while it is younger than ``ttl`` and no auth-relevant commit has
    happened in this process since the database was read for it (:func:`auth_generation`)."""

    def __init__(
        self, ttl: float = VIEWER_CACHE_SECONDS, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.now = now
        self._entries: dict[str, tuple[float, int, Viewer, datetime | None]] = {}

    def get(self, key: str, at: datetime) -> Viewer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, generation, viewer, expires_at = entry
        if (
            generation != _generation[0]
            or self.now() - stored_at >= self.ttl
            or (expires_at is not None and expires_at <= at)
        ):
            self._entries.pop(key, None)
            return None
        return viewer

    def put(self, key: str, viewer: Viewer, generation: int, expires_at: datetime | None) -> None:
        if generation != _generation[0]:
            return  # something changed while the database was read: do not keep it
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key] = (self.now(), generation, viewer, expires_at)

    def clear(self) -> None:
        self._entries.clear()


_generation = [0]
_generation_lock = threading.Lock()


def auth_generation() -> int:
    return _generation[0]


def invalidate_viewers() -> None:
    """Forget every cached viewer in this process (called after auth-relevant commits)."""
    with _generation_lock:
        _generation[0] += 1


_AUTH_CHANGED = "heedful_auth_changed"


@event.listens_for(Session, "after_flush")
def _note_auth_rows(session: Session, _context: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) in AUTH_TABLES:
            session.info[_AUTH_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_auth_statements(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in AUTH_TABLES:
        state.session.info[_AUTH_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _auth_committed(session: Session) -> None:
    if session.info.pop(_AUTH_CHANGED, False):
        invalidate_viewers()


@event.listens_for(Session, "after_rollback")
def _auth_rolled_back(session: Session) -> None:
    session.info.pop(_AUTH_CHANGED, None)


def _credential(request: Request) -> str | None:
    """The cache key of the request's credential: a token's or session cookie's digest."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "t:" + digest(value.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    return "s:" + digest(cookie) if cookie else None


def _cache(request: Request) -> ViewerCache | None:
    return getattr(request.app.state, "viewer_cache", None)


def cached_viewer(request: Request) -> Viewer | None:
    """The viewer from the request's cache or the process's viewer cache; no database work."""
    if hasattr(request.state, "viewer"):
        known: Viewer | None = request.state.viewer
        return known
    cache, key = _cache(request), _credential(request)
    if cache is None or key is None:
        return None
    viewer = cache.get(key, request.app.state.clock.now())
    if viewer is not None:
        request.state.viewer = viewer
    return viewer


async def guard(request: Request) -> None:
    """The app-wide dependency: authenticate, refuse the anonymous, check CSRF."""
    viewer = cached_viewer(request)
    if viewer is None:
        viewer = await run_in_threadpool(resolve_viewer, request)
    if request.url.path in PUBLIC_PATHS:
        return
    if viewer is None:
        raise NotAuthenticated("sign in first")
    if viewer.via == "session" and request.method not in SAFE_METHODS:
        await check_csrf(request, viewer)


def resolve_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, or None; cached on the request (and for a few seconds in the
    process's :class:`ViewerCache`)."""
    if hasattr(request.state, "viewer"):
        known: Viewer | None = request.state.viewer
        return known
    if (viewer := cached_viewer(request)) is not None:
        return viewer
    db: Database = request.app.state.db
    generation = auth_generation()
    expires: list[datetime | None] = [None]
    with db.session() as session:
        viewer = _from_token(session, request) or _from_cookie(session, request, expires)
    request.state.viewer = viewer
    cache, key = _cache(request), _credential(request)
    if viewer is not None and cache is not None and key is not None:
        cache.put(key, viewer, generation, expires[0])
    return viewer


def _from_token(session: Session, request: Request) -> Viewer | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        return None
    token = find_api_token(session, value.strip())
    agent = session.get(Agent, token.agent_id) if token else None
    if agent is None or not agent.is_active:
        raise NotAuthenticated("unknown or revoked API token")
    return viewer_for_agent(session, agent, via="token")


def _from_cookie(
    session: Session, request: Request, expires: list[datetime | None]
) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    row = find_session(session, token, request.app.state.clock.now()) if token else None
    agent = session.get(Agent, row.agent_id) if row else None
    if row is None or agent is None or not agent.is_active:
        return None
    expires[0] = row.expires_at
    return viewer_for_agent(session, agent, via="session", csrf_token=row.csrf_token)


async def check_csrf(request: Request, viewer: Viewer) -> None:
    """The session's CSRF token must come back in a header (scripts) or form field (forms),
    and a browser's Origin, when sent, must be this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise CsrfFailed("cross-site request refused")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not sent or not secrets.compare_digest(sent, viewer.csrf_token):
        raise CsrfFailed("missing or wrong CSRF token: reload the page and try again")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


async def current_viewer(request: Request) -> Viewer:
    """The viewer of an authenticated route (``ViewerDep``): the guard has resolved it, so
    this normally costs no database work and no thread hop."""
    viewer = cached_viewer(request)
    if viewer is None:
        viewer = await run_in_threadpool(resolve_viewer, request)
    if viewer is None:
        raise NotAuthenticated("sign in first")
    return viewer


def cookie_is_secure(request: Request) -> bool:
    """Secure cookies when served over TLS: the public URL says https, or the request came so
    (uvicorn trusts X-Forwarded-Proto from its proxy)."""
    public_url: str = request.app.state.settings.public_url
    return public_url.startswith("https://") or request.url.scheme == "https"
