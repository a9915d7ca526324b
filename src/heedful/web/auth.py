"""Who is making the request, and whether they may.

Every route of the app depends on :func:`guard` (set on the app itself in ``create_app``, so a
route added later is covered without doing anything): it resolves the viewer from an API token
(``Authorization: Bearer hf_…``) or the session cookie, turns anonymous requests away (401 for
the API, a redirect to ``/login`` for pages) and checks the CSRF token on every state-changing
request made with a cookie. Only :data:`PUBLIC_PATHS` are open to everyone.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from heedful.errors import HeedfulError, PermissionDenied
from heedful.services.auth import find_api_token, find_session
from heedful.store.db import Database
from heedful.store.tables import Agent
from heedful.web.access import Viewer, viewer_for_agent

SESSION_COOKIE = "heedful_session"
LOGIN_CSRF_COOKIE = "heedful_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})


class NotAuthenticated(HeedfulError):
    """Nobody is signed in (or the token is unknown, revoked or expired)."""


class CsrfFailed(PermissionDenied):
    """A state-changing browser request without the session's CSRF token."""


async def guard(request: Request) -> None:
    """The app-wide dependency: authenticate, refuse the anonymous, check CSRF."""
    viewer = await run_in_threadpool(resolve_viewer, request)
    if request.url.path in PUBLIC_PATHS:
        return
    if viewer is None:
        raise NotAuthenticated("sign in first")
    if viewer.via == "session" and request.method not in SAFE_METHODS:
        await check_csrf(request, viewer)


def resolve_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, or None; cached on the request."""
    if hasattr(request.state, "viewer"):
        cached: Viewer | None = request.state.viewer
        return cached
    db: Database = request.app.state.db
    with db.session() as session:
        viewer = _from_token(session, request) or _from_cookie(session, request)
    request.state.viewer = viewer
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


def _from_cookie(session: Session, request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    row = find_session(session, token, request.app.state.clock.now()) if token else None
    agent = session.get(Agent, row.agent_id) if row else None
    if row is None or agent is None or not agent.is_active:
        return None
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


def current_viewer(request: Request) -> Viewer:
    """The viewer of an authenticated route (``ViewerDep``)."""
    viewer = resolve_viewer(request)
    if viewer is None:
        raise NotAuthenticated("sign in first")
    return viewer


def cookie_is_secure(request: Request) -> bool:
    """Secure cookies when served over TLS: the public URL says https, or the request came so
    (uvicorn trusts X-Forwarded-Proto from its proxy)."""
    public_url: str = request.app.state.settings.public_url
    return public_url.startswith("https://") or request.url.scheme == "https"
