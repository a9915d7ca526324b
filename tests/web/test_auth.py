"""Sign-in, sessions, CSRF, throttling and API tokens: every route but the public ones turns
the anonymous away (enumerated from the app, so a new route is covered without a new test)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from heedful.services.auth import MAX_FAILURES_PER_EMAIL
from heedful.store.db import Database
from heedful.store.tables import ApiToken, WebSession
from heedful.web.auth import PUBLIC_PATHS, SESSION_COOKIE
from tests.web.conftest import PASSWORD, Browser, World, login_csrf, sign_in
from tests.web.routes import app_routes

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path with ids filled) for every API route of the app."""
    found = []
    for route in app_routes(client.app):  # type: ignore[arg-type]
        path = route.path
        for name in route.params:
            path = path.replace("{" + name + "}", "1")
        found += [(method, path) for method in sorted(route.methods)]
    return found


def test_every_route_refuses_the_anonymous(anonymous: TestClient, world: World) -> None:
    checked = 0
    for method, path in routes(anonymous):
        if path in PUBLIC_PATHS:
            continue
        response = anonymous.request(method, path, headers={"accept": "text/html"})
        checked += 1
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
    assert checked >= 20


def test_public_paths_stay_open(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/docs").status_code == 200
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/redoc").status_code in (303, 404)  # not an extra open door


def test_sign_in_sets_a_safe_cookie_and_redirects_back(anonymous: TestClient, world: World) -> None:
    token = login_csrf(anonymous)
    response = anonymous.post(
        "/login",
        data={
            "email": "ANNA@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/conversations/1",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/conversations/1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in this test
    assert anonymous.get("/api/v1/me").json()["name"] == "Anna Person"


def test_cookie_is_secure_behind_https(
    app_factory: Callable[..., TestClient], world: World
) -> None:
    client = app_factory(public_url="https://care.example")
    token = login_csrf(client)
    response = client.post(
        "/login", data={"email": "anna@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert "Secure" in response.headers["set-cookie"]


def test_next_never_leaves_the_site(anonymous: TestClient, world: World) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        anonymous.cookies.clear()
        token = login_csrf(anonymous)
        response = anonymous.post(
            "/login",
            data={
                "email": "anna@example.com",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.headers["location"] == "/"


def test_wrong_password_and_login_csrf(anonymous: TestClient, world: World) -> None:
    token = login_csrf(anonymous)
    wrong = anonymous.post(
        "/login",
        data={"email": "anna@example.com", "password": "nope-nope-nope", "csrf_token": token},
    )
    assert wrong.status_code == 401
    assert "Wrong e-mail address or password" in wrong.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    forged = anonymous.post(
        "/login", data={"email": "anna@example.com", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert anonymous.get("/api/v1/me").status_code == 401


def test_login_is_rate_limited(anonymous: TestClient, world: World) -> None:
    for _ in range(MAX_FAILURES_PER_EMAIL):
        token = login_csrf(anonymous)
        anonymous.post(
            "/login",
            data={"email": "anna@example.com", "password": "wrong-password", "csrf_token": token},
        )
    token = login_csrf(anonymous)
    blocked = anonymous.post(
        "/login", data={"email": "anna@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # another agent from the same client is not locked out by anna's failures
    sign_in(anonymous, "lena@example.com")


def test_sign_out_ends_the_session(as_agent: Callable[[str], Browser], db: Database) -> None:
    anna = as_agent("anna")
    assert anna.client.get("/api/v1/me").status_code == 200
    cookie = anna.client.cookies.get(SESSION_COOKIE)
    assert anna.post("/logout").status_code == 303
    anna.client.cookies.set(SESSION_COOKIE, cookie or "")
    assert anna.client.get("/api/v1/me").status_code == 401
    with db.session() as s:
        assert s.scalars(select(WebSession.token_hash)).all() == []


def test_every_state_change_needs_the_csrf_token(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    adam = as_agent("adam")
    checked = 0
    for method, path in routes(adam.client):
        if method not in UNSAFE or path in PUBLIC_PATHS:
            continue
        form = adam.client.request(method, path, data={"text": "x", "workspace": "acme"})
        as_json = adam.client.request(method, path, json={"text": "x"})
        assert form.status_code == 403, (method, path, form.status_code)
        assert as_json.status_code == 403, (method, path, as_json.status_code)
        checked += 1
    assert checked >= 10
    # and a foreign Origin is refused even with the token
    cross = adam.client.post(
        f"/conversations/{world.a_conversation}/notes",
        data={"csrf_token": adam.csrf, "text": "hi"},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_api_tokens_are_hashed_at_rest_and_revocable(
    api_client: TestClient, as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    me = api_client.get("/api/v1/me").json()
    assert me["email"] == "anna@example.com"
    assert [w["slug"] for w in me["workspaces"]] == ["acme"]
    with db.session() as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
    assert world.a_token_plain not in stored and all(len(h) == 64 for h in stored)
    # a token needs no CSRF token: it is not ambient like a cookie
    note = api_client.post(
        f"/api/v1/conversations/{world.a_conversation}/notes", json={"text": "from a script"}
    )
    assert note.status_code == 201
    anna = as_agent("anna")
    page = anna.get("/account")
    token_id = int(page.text.split("/account/tokens/")[1].split("/")[0])
    assert anna.post(f"/account/tokens/{token_id}/revoke").status_code == 303
    assert api_client.get("/api/v1/me").status_code == 401
    bad = api_client.get("/api/v1/me", headers={"authorization": "Bearer hf_not-a-token"})
    assert bad.status_code == 401


def test_deactivated_agents_cannot_use_their_session(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    from heedful.clock import SystemClock
    from heedful.services.agents import set_active
    from heedful.store.tables import Agent

    anna = as_agent("anna")
    with db.write() as s:
        agent = s.get(Agent, world.agents["anna"])
        assert agent is not None
        set_active(s, agent, False, clock=SystemClock())
    assert anna.client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("password", ["short", " padded password "])
def test_weak_passwords_are_refused(password: str) -> None:
    from heedful.errors import ValidationFailed
    from heedful.services.auth import hash_password

    with pytest.raises(ValidationFailed):
        hash_password(password)
