"""``POST /api/v1/coach`` on the two-brand world of the web tests: findings, suggestions,
the conversation's context, and tenant safety."""

from __future__ import annotations

from fastapi.testclient import TestClient

from heedful.clock import FrozenClock
from heedful.coach.help.articles import ArticleInput, import_articles
from heedful.store.db import Database
from tests.web.conftest import B_MARKER, World


def test_findings_and_suggestions_for_a_conversation(
    api_client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    with db.write() as s:
        import_articles(
            s,
            world.a_id,
            [
                ArticleInput(
                    "Fix a broken router",
                    "https://help.acme.example/router",
                    "Restart the router, then check the lights.",
                )
            ],
            clock=clock,
        )
    api_client.app.state.coach_services = None  # type: ignore[attr-defined]
    response = api_client.post(
        "/api/v1/coach",
        json={"conversation_id": world.a_conversation, "draft": "That's a bit harsh."},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    rules = {f["rule"] for f in body["findings"]}
    assert "dismissive" in rules
    assert body["articles"][0]["url"] == "https://help.acme.example/router"
    assert body["articles"][0]["why"]
    finding = body["findings"][0]
    assert set(finding) == {"rule", "severity", "start", "end", "message", "suggestion"}


def test_a_draft_with_a_customer_message_and_a_workspace(api_client: TestClient) -> None:
    response = api_client.post(
        "/api/v1/coach",
        json={
            "workspace": "acme",
            "draft": "We will call you on 07700 900123 at 3pm.",
            "customer": "hi",
            "visibility": "public",
            "channel": "mastodon",
            "suggestions": False,
        },
    )
    assert response.status_code == 200, response.text
    assert [f["rule"] for f in response.json()["findings"]] == ["pii_in_public"]
    private = api_client.post(
        "/api/v1/coach",
        json={
            "workspace": "acme",
            "draft": "We will call you on 07700 900123 at 3pm.",
            "visibility": "private",
        },
    )
    assert private.json()["findings"] == []


def test_the_workspace_signature_setting_applies(
    api_client: TestClient, world: World, db: Database
) -> None:
    from heedful.store.tables import Workspace

    with db.write() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None
        ws.settings = {**ws.settings, "coach": {"signature_required": True}}
    response = api_client.post(
        "/api/v1/coach", json={"workspace": "acme", "draft": "Fixed now.", "suggestions": False}
    )
    assert "missing_signature" in {f["rule"] for f in response.json()["findings"]}


def test_another_brands_conversation_or_workspace_is_missing(
    api_client: TestClient, world: World
) -> None:
    for body in (
        {"conversation_id": world.b_conversation, "draft": "hello"},
        {"workspace": "zebra", "draft": "hello"},
        {"workspace": "acme", "conversation_id": world.b_conversation, "draft": "hello"},
    ):
        response = api_client.post("/api/v1/coach", json=body)
        assert response.status_code == 404, body
        assert B_MARKER.lower() not in response.text.lower()


def test_suggestions_never_come_from_another_workspace(
    api_client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    with db.write() as s:
        import_articles(
            s,
            world.b_id,
            [
                ArticleInput(
                    f"{B_MARKER} lost bag guide", "https://b.example/bag", "lost bag lost bag"
                )
            ],
            clock=clock,
        )
    response = api_client.post(
        "/api/v1/coach",
        json={"workspace": "acme", "draft": "Sorry!", "customer": "I lost my bag"},
    )
    assert response.status_code == 200
    assert B_MARKER.lower() not in response.text.lower()


def test_a_bad_request_is_refused(api_client: TestClient) -> None:
    assert api_client.post("/api/v1/coach", json={"workspace": "acme"}).status_code == 422
    bad_channel = {"workspace": "acme", "draft": "x", "channel": "myspace"}
    assert api_client.post("/api/v1/coach", json=bad_channel).status_code == 422
