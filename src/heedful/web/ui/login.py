"""Sign in (``/login``) and sign out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from heedful.services.auth import SESSION_LIFETIME, end_session, sign_in, start_session
from heedful.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie_is_secure, resolve_viewer
from heedful.web.deps import ClockDep, DbDep
from heedful.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://…``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if resolve_viewer(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, next=safe_next(next))


def _login_form(
    request: Request,
    *,
    next: str,
    error: str = "",
    email: str = "",
    status: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        status_code=status,
        login_csrf=token,
        next=next,
        error=error,
        email=email,
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=cookie_is_secure(request),
        path="/login",
    )
    return page


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return _login_form(
            request,
            next=target,
            email=email,
            status=403,
            error="The form had expired. Please sign in again.",
        )
    client = request.client.host if request.client else "unknown"
    with db.write() as session:
        agent = sign_in(session, email, password, client=client, clock=clock)
        started = (
            start_session(session, agent, clock=clock, user_agent=request.headers.get("user-agent"))
            if agent is not None
            else None
        )
    if started is None:
        return _login_form(
            request,
            next=target,
            email=email,
            status=401,
            error="Wrong e-mail address or password.",
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, clock: ClockDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        with db.write() as session:
            end_session(session, token, clock=clock)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
