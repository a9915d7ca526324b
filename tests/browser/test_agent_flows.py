"""The agent's day, in a real browser: sign in, work the queue by priority, see the whole
customer, write with the coach, take it offline, send, hand over, stay in your own brand,
and see new messages arrive live."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from heedful.domain import Author, InboundEvent
from heedful.services.demo import DEMO_PASSWORD
from heedful.services.pipeline import receive
from heedful.store.tables import Agent, Conversation, Message, OutboxItem, Workspace
from tests.browser.conftest import Server, publish_screenshot, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page: Any, email: str) -> None:
    page.goto("/")
    assert "/login" in page.url  # anonymous: sent to the sign-in page
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#queue")


def conversation_of(server: Server, author_external_id: str, *, not_owned_by: str = "") -> int:
    """The conversation holding this text (several may: the one with the highest priority;
    ``not_owned_by``: skipping those that agent owns)."""
    with server.db.session() as s:
        stmt = (
            select(Message.conversation_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.text.contains(author_external_id))
            .order_by(Conversation.priority.desc(), Message.id.desc())
            .limit(1)
        )
        if not_owned_by:
            owner = s.scalar(select(Agent.id).where(Agent.email == not_owned_by))
            stmt = stmt.where(Conversation.owner_id.is_distinct_from(owner))
        found = s.scalar(stmt)
    assert found is not None
    return int(found)


def test_sign_in_and_the_queue_puts_the_most_urgent_first(
    new_page: Callable[[], Any], server: Server
) -> None:
    page = new_page()
    sign_in(page, "anna@acme.example")
    first = page.locator("#queue .row").first
    # Jay Morgan: three unanswered tweets in two hours, 332k followers (more than the brand)
    assert "Jay Morgan" in first.inner_text()
    first.get_by_text(re.compile(r"^Why \d+")).click()
    assert first.locator(".reasons li").count() >= 1
    path = screenshot(page, "inbox")
    publish_screenshot(path, "screenshot-inbox.png")
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")


def test_filter_the_queue_to_breached_slas(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "anna@acme.example")
    page.get_by_label("SLA breached").check()
    page.get_by_label("Topic").select_option("")  # any topic: the labelled control is there
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"breached=1"))
    assert page.get_by_label("SLA breached").is_checked()
    rows = page.locator("#queue .row")
    assert rows.count() >= 1  # the demo's week leaves some conversations breached
    # every row left is one whose SLA badge says breached
    assert rows.count() == page.locator("#queue .row .sla-breached").count()


def test_conversation_coach_offline_send(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "anna@acme.example")
    maya = conversation_of(server, "charged me twice for October")
    page.goto(f"/conversations/{maya}")
    history = page.locator("#history")
    assert "email" in history.inner_text()  # the same person's e-mail conversation
    assert "Double charge" in history.inner_text() or "account number" in history.inner_text()

    page.locator("#reply-text").fill("That's not our fault, you should contact your bank.")
    blame = page.locator('#coach-findings .finding[data-rule="blame"]').first
    blame.wait_for()
    assert "warn" in blame.inner_text() or "block" in blame.inner_text()
    screenshot(page, "conversation-coach")

    page.get_by_role("button", name="Take it offline").first.click()
    assert page.locator('input[name="mode"][value="private"]').is_checked()
    assert page.locator("#acknowledgement").is_visible()
    page.locator("#reply-text").fill("Sorry Maya, I'm looking at the double charge now.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(".message.private.outbound >> text=looking at the double charge")
    with server.db.session() as s:
        sent = s.execute(
            select(Message.visibility, OutboxItem.state)
            .join(OutboxItem, OutboxItem.message_id == Message.id)
            .where(Message.conversation_id == maya)
            .order_by(Message.id.desc())
            .limit(2)
        ).all()
    assert sorted(v for v, _ in sent) == ["private", "public"]  # DM + public acknowledgement
    screenshot(page, "conversation-sent")


def test_insert_a_suggested_help_article(new_page: Callable[[], Any], server: Server) -> None:
    from heedful.coach.help.articles import ArticleInput, import_articles

    url = "https://help.acme.example/double-charge"
    with server.db.write() as s:
        acme = s.scalar(select(Workspace.id).where(Workspace.slug == "acme"))
        assert acme is not None
        article = ArticleInput(
            "Charged twice? How double charges are refunded",
            url,
            "If you were charged twice for a month, the second payment is refunded.",
        )
        import_articles(s, acme, [article], clock=server.clock)
    page = new_page()
    sign_in(page, "anna@acme.example")
    page.goto(f"/conversations/{conversation_of(server, 'charged me twice for October')}")
    page.locator("#reply-text").fill("Sorry about that, here is how the refund works:")
    count = page.locator("#reply-count")
    before = int(count.inner_text().split()[0])
    insert = page.locator("#suggested-articles").get_by_role("button", name=re.compile("Charged"))
    insert.first.click()
    assert page.locator("#reply-text").input_value().endswith(f"works: {url}")
    assert int(count.inner_text().split()[0]) == before + 1 + 23  # a space and a link, counted
    # the composer's coach call has also brought the similar resolved cases in place of the link
    page.wait_for_selector("#suggested-cases li:not([data-pending])")
    page.locator("#suggestions").scroll_into_view_if_needed()
    screenshot(page, "composer-suggestions")


def test_assign_and_hand_over_with_a_note(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "anna@acme.example")
    # the hand-over goes to Rosa: a conversation she already owns would have none
    conv = conversation_of(server, "why has my bill gone up", not_owned_by="rosa@acme.example")
    page.goto(f"/conversations/{conv}")
    if page.locator("#claim").count():
        page.locator("#claim").click()
    page.locator("#assign-to").select_option(label="Rosa Mendes (^RM)")
    page.locator("#handover-note").fill("Bill queried, refund agreed with billing, confirm Friday")
    page.locator("#assign-button").click()
    page.wait_for_selector("text=owner: Rosa Mendes")
    rosa = new_page()
    sign_in(rosa, "rosa@acme.example")
    rosa.goto(f"/conversations/{conv}")
    notes = rosa.locator(".handover")
    assert "refund agreed with billing" in notes.inner_text()
    assert "new for you" in notes.inner_text()


def test_another_brand_sees_none_of_it(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "nadia@northwind.example")
    queue = page.locator("#queue").inner_text()
    assert "Jay Morgan" not in queue and "AcmeMobileHelp" not in queue
    assert "NorthwindAirHelp" in queue or "Northwind" in page.content()
    maya = conversation_of(server, "charged me twice for October")
    response = page.goto(f"/conversations/{maya}")
    assert response is not None and response.status == 404
    page.goto("/?q=charged+twice")
    assert "No conversations match." in page.content()


def test_a_new_message_appears_live(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "anna@acme.example")
    page.goto("/?sort=activity")  # newest first: where a new message shows up
    page.wait_for_selector('#live-status[data-state="on"]')
    with server.db.write() as s:
        acme = s.scalar(select(Workspace.id).where(Workspace.slug == "acme"))
        assert acme is not None
        receive(
            s,
            acme,
            [
                InboundEvent(
                    channel="x",
                    external_id="live-1",
                    author=Author("live-user", "live_user", "Lively Person", 50),
                    text="@AcmeMobileHelp my roaming bundle vanished mid-trip",
                    created_at=server.clock.now(),
                    account_ref="900001",
                )
            ],
            clock=server.clock,
        )
    page.locator("#queue >> text=roaming bundle vanished").wait_for(timeout=15_000)
    screenshot(page, "inbox-live")


def test_lead_dashboard_and_admin_render(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "admin@acme.example")
    page.goto("/dashboard")
    assert page.locator(".tiles .tile").count() >= 5
    assert page.locator("svg.chart").count() == 2  # new conversations by channel, by topic
    assert "SLA attainment this week" in page.content()
    screenshot(page, "dashboard")
    page.goto("/admin")
    assert "Agents and roles" in page.content()
    screenshot(page, "admin")


def test_admin_settings_pages(new_page: Callable[[], Any], server: Server) -> None:
    page = new_page()
    sign_in(page, "admin@acme.example")
    page.goto("/admin")
    # the settings pages: each reached from the admin navigation, each with its form
    for link, heading, shot in (
        ("Hours and SLA", "SLA policies", "admin-hours"),
        ("Signatures", "Signature format", "admin-signatures"),
        ("Help articles", "Add an article", "admin-articles"),
        ("Triage weights", "Points per reason", "admin-triage"),
        ("Channel accounts", "Connect an account", "admin-channels"),
    ):
        page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=link).click()
        assert heading in page.content()
        screenshot(page, shot)
    # the live signature example follows what is typed
    page.goto("/admin/signatures")
    page.fill("#sig-default", " – {first_name}")
    example = page.locator("#sig-default-example").inner_text()
    assert "we're looking into it now. – " in example and "{first_name}" not in example
