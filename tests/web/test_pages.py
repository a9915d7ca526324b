"""The pages, driven through their forms as a browser would (CSRF token included)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from heedful.store.db import Database
from heedful.store.tables import (
    Agent,
    ContactIdentity,
    Conversation,
    InternalNote,
    Message,
    OutboxItem,
)
from tests.web.conftest import B_MARKER, Browser, World


def test_inbox_lists_the_workspace_with_filters_and_search(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    anna = as_agent("anna")
    page = anna.get("/")
    assert page.status_code == 200
    assert "router broken" in page.text and "still broken on mastodon" in page.text
    only_mastodon = anna.get("/", params={"channel": "mastodon"}).text
    assert "still broken on mastodon" in only_mastodon and "router broken" not in only_mastodon
    searched = anna.get("/", params={"q": "router"}).text
    assert "router broken" in searched and "mastodon" not in searched.split('id="queue"')[1]
    mine = anna.get("/", params={"owner": "me"}).text
    assert "No conversations match." in mine
    rows = anna.get("/", params={"partial": "1"}).text
    assert rows.lstrip().startswith("<ol") and "<html" not in rows


def test_the_queue_is_open_work_unless_asked_for_resolved_too(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    anna = as_agent("anna")
    done = anna.post(f"/conversations/{world.a_conversation}/status", {"status": "resolved"})
    assert done.status_code == 303
    queue = anna.get("/").text.split('id="queue"')[1]
    assert "router broken" not in queue and "still broken on mastodon" in queue
    everything = anna.get("/", params={"status": "all"}).text.split('id="queue"')[1]
    assert "router broken" in everything and "still broken on mastodon" in everything
    resolved = anna.get("/", params={"status": "resolved"}).text.split('id="queue"')[1]
    assert "router broken" in resolved and "still broken on mastodon" not in resolved


def test_saved_views(as_agent: Callable[[str], Browser], world: World) -> None:
    anna = as_agent("anna")
    saved = anna.post(
        "/views", {"name": "Mastodon queue", "channel": "mastodon", "sort": "activity"}
    )
    assert saved.status_code == 303
    page = anna.get("/").text
    assert "Mastodon queue" in page and "channel=mastodon" in page
    view_id = re.search(r"/views/(\d+)/delete", page).group(1)  # type: ignore[union-attr]
    assert anna.post(f"/views/{view_id}/delete").status_code == 303
    assert "Mastodon queue" not in anna.get("/").text


def test_conversation_page_shows_thread_customer_and_suggestion(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    anna = as_agent("anna")
    page = anna.get(f"/conversations/{world.a_conversation}").text
    assert "router broken" in page
    assert "Looks like the same person?" in page  # the same name on mastodon
    assert "same name, Maya Lind" in page
    assert 'id="reply-text"' in page and "Take it offline" in page
    assert "^AP" in page  # Anna Person's signature preview


def test_link_and_unlink_identities(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    anna = as_agent("anna")
    with db.session() as s:
        other = s.scalar(select(ContactIdentity).where(ContactIdentity.channel == "mastodon"))
        assert other is not None
    linked = anna.post(
        f"/contacts/{world.a_contact}/link",
        {"identity_id": other.id, "back": world.a_conversation},
    )
    assert linked.status_code == 303
    page = anna.get(f"/conversations/{world.a_conversation}").text
    assert "still broken on mastodon" in page  # the other-channel history is now here
    assert "Conversations, all channels (2)" in page
    assert (
        anna.post(f"/identities/{other.id}/unlink", {"back": world.a_conversation}).status_code
        == 303
    )
    assert (
        "Conversations, all channels (1)" in anna.get(f"/conversations/{world.a_conversation}").text
    )


def test_notes_are_kept_internal(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    anna = as_agent("anna")
    assert (
        anna.post(
            f"/conversations/{world.a_conversation}/notes", {"text": "VIP, be kind"}
        ).status_code
        == 303
    )
    page = anna.get(f"/conversations/{world.a_conversation}").text
    assert "VIP, be kind" in page
    with db.session() as s:
        assert s.scalar(select(InternalNote.text)) == "VIP, be kind"
        texts = s.scalars(select(Message.text)).all()
    assert "VIP, be kind" not in texts


def test_send_queues_a_signed_reply_in_the_outbox(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    anna = as_agent("anna")
    sent = anna.post(
        f"/conversations/{world.a_conversation}/reply",
        {"text": "Sorry about the router, I'm on it", "mode": "public"},
    )
    assert sent.status_code == 303
    with db.session() as s:
        reply = s.scalars(select(Message).where(Message.direction == "out")).one()
        conversation = s.get(Conversation, world.a_conversation)
    assert reply.text == "Sorry about the router, I'm on it ^AP"
    assert reply.external_id.startswith("pending:")  # until the delivery worker posts it
    with db.session() as s:
        outbox = s.scalars(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one()
    assert outbox.state == "queued"
    assert reply.visibility == "public" and reply.agent_id == world.agents["anna"]
    assert conversation is not None and conversation.first_response_at is not None
    assert conversation.status == "open"
    assert "queued" in anna.get(f"/conversations/{world.a_conversation}").text


def test_take_it_offline_sends_private_message_and_public_acknowledgement(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    anna = as_agent("anna")
    anna.post(
        f"/conversations/{world.a_conversation}/reply",
        {
            "text": "What's your account number?",
            "mode": "private",
            "acknowledgement": "Sorry Maya, I've sent you a DM",
        },
    )
    with db.session() as s:
        sent = s.execute(
            select(Message.visibility, Message.text)
            .where(Message.direction == "out")
            .order_by(Message.id)
        ).all()
    assert [v for v, _ in sent] == ["public", "private"]
    assert sent[0].text.startswith("Sorry Maya, I've sent you a DM")
    assert sent[1].text.startswith("What's your account number?")


def test_coach_findings_for_a_draft(as_agent: Callable[[str], Browser], world: World) -> None:
    anna = as_agent("anna")
    response = anna.post_json(
        f"/conversations/{world.a_conversation}/coach",
        {"text": "That's not our fault, contact your provider.", "mode": "public"},
    )
    assert response.status_code == 200
    rules = {f["rule"] for f in response.json()["findings"]}
    assert "blame" in rules
    calm = anna.post_json(
        f"/conversations/{world.a_conversation}/coach",
        {"text": "I'm so sorry your router is down. I'll check the line now.", "mode": "public"},
    )
    assert "blame" not in {f["rule"] for f in calm.json()["findings"]}


def test_dashboard_needs_a_lead_and_exports_csv(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    assert as_agent("anna").get("/dashboard").status_code == 404  # leads no workspace
    lena = as_agent("lena")
    page = lena.get("/dashboard")
    assert page.status_code == 200
    assert "waiting for a first answer" in page.text and "<svg" in page.text
    csv = lena.client.get("/dashboard/export.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "section,name,value"
    assert "summary,backlog,2" in lines and "summary,unanswered,2" in lines


def test_dashboard_shows_the_care_figures_sla_promises_and_agents(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    """Both customer messages of the morning are still unanswered at 16:05: their one-hour
    first-response clocks are breached now, and the week's attainment counts them."""
    lena = as_agent("lena")
    page = lena.get("/dashboard").text
    assert "SLA attainment this week" in page and "breached now" in page
    assert "This week, by agent" in page and "This week, by channel" in page
    lines = lena.client.get("/dashboard/export.csv").text.splitlines()
    assert "sla_now,breached,2" in lines
    assert "week,sla_breached,2" in lines and "week,conversations,2" in lines
    assert not any(B_MARKER.lower() in line.lower() for line in lines)  # the other brand's


def test_admin_manages_agents_and_coach_rules(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    assert as_agent("lena").get("/admin").status_code == 404  # administers nothing
    adam = as_agent("adam")
    assert adam.get("/admin").status_code == 200
    added = adam.post(
        "/admin/agents",
        {
            "workspace": "acme",
            "email": "new@example.com",
            "name": "New Hire",
            "role": "agent",
            "password": "a-long-first-password",
        },
    )
    assert added.status_code == 303
    page = adam.get("/admin").text
    assert "new@example.com" in page
    with db.session() as s:
        new_id = s.scalar(select(Agent.id).where(Agent.email == "new@example.com"))
    assert new_id and f"/admin/agents/{new_id}/role" in page
    assert (
        adam.post(f"/admin/agents/{new_id}/role", {"workspace": "acme", "role": "lead"}).status_code
        == 303
    )
    saved = adam.post(
        "/admin/coach", {"workspace": "acme", "enabled_blame": "", "severity_shouting": "block"}
    )
    assert saved.status_code == 303
    blame = as_agent("anna").post_json(
        f"/conversations/{world.a_conversation}/coach", {"text": "That's not our fault."}
    )
    assert "blame" not in {f["rule"] for f in blame.json()["findings"]}


def test_account_tokens_and_password(as_agent: Callable[[str], Browser], world: World) -> None:
    anna = as_agent("anna")
    created = anna.post("/account/tokens", {"name": "my script"})
    token = re.search(r'id="new-token">(hf_[^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    me = anna.client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.json()["email"] == "anna@example.com"
    wrong = anna.post("/account/password", {"current": "not it at all", "new": "another-long-one"})
    assert wrong.status_code == 422
    changed = anna.post(
        "/account/password", {"current": "correct horse battery", "new": "another-long-one"}
    )
    assert changed.status_code == 303
    assert anna.client.get("/api/v1/me").status_code == 401  # signed out everywhere


def test_assign_hand_over_with_a_note_and_resolve(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    anna, lena = as_agent("anna"), as_agent("lena")
    url = f"/conversations/{world.a_conversation}"
    assert anna.post(f"{url}/assign", {"agent_id": world.agents["anna"]}).status_code == 303
    no_note = anna.post(f"{url}/assign", {"agent_id": world.agents["lena"], "note": ""})
    assert no_note.status_code == 422  # a hand-over needs a note
    handed = anna.post(
        f"{url}/assign", {"agent_id": world.agents["lena"], "note": "Router replaced, check Friday"}
    )
    assert handed.status_code == 303
    page = lena.get(url).text
    assert "Router replaced, check Friday" in page and "new for you" in page
    assert "owner: Lena Person" in page
    assert lena.post(f"{url}/handover-read").status_code == 303
    assert "new for you" not in lena.get(url).text
    assert lena.post(f"{url}/status", {"status": "resolved"}).status_code == 303
    with db.session() as s:
        conversation = s.get(Conversation, world.a_conversation)
    assert conversation is not None and conversation.status == "resolved"
    assert conversation.owner_id == world.agents["lena"]
