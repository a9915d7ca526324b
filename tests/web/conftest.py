"""A two-brand world for the web tests, and clients signed in as its agents.

Brand A ("acme") has an agent, a lead and an admin; brand B ("zebra") has its own agent and a
conversation whose text and names carry :data:`B_MARKER`, so a test can prove that nothing of
B ever reaches A's responses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from heedful.clock import FrozenClock
from heedful.coach.help.articles import ArticleInput, save_article
from heedful.config import Settings
from heedful.services.agents import add_member, create_agent
from heedful.services.auth import create_api_token, use_hash_parameters
from heedful.services.ingest import ingest_events
from heedful.services.saved_views import save_view
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store import search
from heedful.store.db import Database
from heedful.store.tables import ContactIdentity, Conversation
from heedful.web.app import create_app
from heedful.web.ui.dashboard import DashboardCache
from tests.factories import customer, event

PASSWORD = "correct horse battery"
B_MARKER = "Zebraquux"


@pytest.fixture(autouse=True, scope="session")
def _light_password_hashing() -> None:
    """argon2id with light parameters: the suite signs in hundreds of times on 2 cores."""
    use_hash_parameters(time_cost=1, memory_cost=8192, parallelism=1)


@dataclass
class World:
    a_id: int
    b_id: int
    agents: dict[str, int]  # name → agent id
    a_conversation: int
    a_contact: int
    b_conversation: int
    b_contact: int
    b_identity: int
    b_view: int
    b_token: int
    b_token_plain: str
    a_token_plain: str
    b_account: int = 0  # B's channel account (admin pages)
    b_article: int = 0  # B's help article, its title carrying B_MARKER


def build_world(db: Database, clock: FrozenClock) -> World:
    with db.write() as s:
        a = create_workspace(s, slug="acme", name="Acme Mobile", clock=clock)
        b = create_workspace(s, slug="zebra", name=f"{B_MARKER} Air", clock=clock)
        for channel, handle in (("x", "AcmeHelp"), ("mastodon", "acme@social.example")):
            add_channel_account(
                s, a, channel=channel, external_id=handle, handle=handle, clock=clock
            )
        b_account = add_channel_account(
            s, b, channel="x", external_id="zebra", handle="ZebraAir", clock=clock
        )
        b_article = save_article(
            s,
            b.id,
            ArticleInput(f"{B_MARKER} baggage rules", "https://zebra.example/bags", "Bags."),
            clock=clock,
        )
        agents = {}
        for name, ws, role in (
            ("anna", a, "agent"),
            ("lena", a, "lead"),
            ("adam", a, "admin"),
            ("bob", b, "agent"),
            ("bea", b, "admin"),
        ):
            agent = create_agent(
                s,
                email=f"{name}@example.com",
                name=f"{name.title()} Person",
                clock=clock,
                password=PASSWORD,
            )
            add_member(s, agent, ws, role=role, clock=clock)
            agents[name] = agent.id
        ingest_events(
            s,
            a.id,
            [
                event(
                    "a1",
                    author=customer("ca", display_name="Maya Lind"),
                    text="router broken",
                    account_ref="AcmeHelp",
                ),
                event(
                    "a2",
                    author=customer("ca2", display_name="Maya Lind"),
                    channel="mastodon",
                    text="still broken on mastodon",
                    minutes=5,
                ),
            ],
            clock=clock,
        )
        ingest_events(
            s,
            b.id,
            [
                event(
                    "b1",
                    author=customer(
                        "cb", display_name=f"{B_MARKER} Person", handle=f"{B_MARKER.lower()}_handle"
                    ),
                    text=f"{B_MARKER} lost my bag",
                    minutes=3,
                )
            ],
            clock=clock,
        )
        search.index_pending(s)
        a_conv = s.query(Conversation).filter_by(workspace_id=a.id, channel="x").one()
        b_conv = s.query(Conversation).filter_by(workspace_id=b.id).one()
        b_ident = s.query(ContactIdentity).filter_by(workspace_id=b.id).one()
        from heedful.store.tables import Agent

        bob = s.get(Agent, agents["bob"])
        anna = s.get(Agent, agents["anna"])
        assert bob is not None and anna is not None
        view = save_view(s, bob.id, f"{B_MARKER} view", {"status": "new"}, clock=clock)
        b_plain, b_token = create_api_token(s, bob, "bob's script", clock=clock)
        a_plain, _ = create_api_token(s, anna, "anna's script", clock=clock)
        return World(
            a_id=a.id,
            b_id=b.id,
            agents=agents,
            a_conversation=a_conv.id,
            a_contact=a_conv.contact_id or 0,
            b_conversation=b_conv.id,
            b_contact=b_conv.contact_id or 0,
            b_identity=b_ident.id,
            b_view=view.id,
            b_token=b_token.id,
            b_token_plain=b_plain,
            a_token_plain=a_plain,
            b_account=b_account.id,
            b_article=b_article.id,
        )


@pytest.fixture
def world(db: Database, clock: FrozenClock) -> World:
    return build_world(db, clock)


@pytest.fixture
def app_factory(
    settings: Settings, db: Database, clock: FrozenClock
) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        cfg = settings.model_copy(update=overrides) if overrides else settings
        app = create_app(cfg, database=db, clock=clock)
        app.state.stream_poll_seconds = 0.05  # live updates: short streams in tests
        app.state.stream_max_seconds = 0.3
        app.state.dashboards = DashboardCache(wait=30.0)  # a loaded CI machine counts slowly
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def anonymous(app_factory: Callable[..., TestClient]) -> TestClient:
    return app_factory()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def login_csrf(client: TestClient) -> str:
    page = client.get("/login")
    match = _CSRF.search(page.text)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the real form; returns the session's CSRF token."""
    token = login_csrf(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text
    page = client.get("/", headers={"accept": "text/html"})
    match = _META.search(page.text)
    assert match
    return match.group(1)


@dataclass
class Browser:
    """A TestClient signed in as one agent, which sends the CSRF token with every form."""

    client: TestClient
    csrf: str

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, headers={"accept": "text/html"}, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(url, data=form, **kw)

    def post_json(self, url: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.post(url, json=body, headers={"x-csrf-token": self.csrf})


@pytest.fixture
def as_agent(app_factory: Callable[..., TestClient], world: World) -> Callable[[str], Browser]:
    def make(name: str) -> Browser:
        client = app_factory()
        return Browser(client, sign_in(client, f"{name}@example.com"))

    return make


@pytest.fixture
def api_client(app_factory: Callable[..., TestClient], world: World) -> Iterator[TestClient]:
    client = app_factory()
    client.headers["authorization"] = f"Bearer {world.a_token_plain}"
    yield client
