"""The composer's suggestions: help articles (with the page) and replies that resolved similar
cases (with the coach call as the agent types, or on request without JavaScript), each
insertable, only ever from the conversation's own workspace."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from sqlalchemy import select

from heedful.care.clocks import set_conversation_status
from heedful.clock import FrozenClock
from heedful.coach.help.articles import ArticleInput, import_articles
from heedful.coach.help.check import CoachServices
from heedful.coach.help.history import WorkspaceHistories
from heedful.services.ingest import ingest_events
from heedful.store import search
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message
from tests.factories import customer, event
from tests.web.conftest import B_MARKER, Browser, World

ROUTER_URL = "https://help.acme.example/router"
FIX = "Hold the reset button for ten seconds, then wait for the green light."


def _articles(db: Database, clock: FrozenClock, world: World) -> None:
    with db.write() as s:
        import_articles(
            s,
            world.a_id,
            [
                ArticleInput(
                    "Fix a broken router",
                    ROUTER_URL,
                    "Restart the router, then check the lights. " + "More detail. " * 30,
                ),
                ArticleInput("Opening hours", "https://help.acme.example/hours", "We open at 9."),
            ],
            clock=clock,
        )
        import_articles(
            s,
            world.b_id,
            [
                ArticleInput(
                    f"{B_MARKER} router broken guide",
                    "https://help.zebra.example/router",
                    "Broken router? Zebra's own advice.",
                )
            ],
            clock=clock,
        )


def _resolved_case(
    db: Database, clock: FrozenClock, world: World, anna: Browser, workspace_id: int, key: str
) -> int:
    """A resolved conversation whose customer's router was broken too, answered (signed by
    Anna where the workspace is hers) with :data:`FIX`."""
    with db.write() as s:
        ingest_events(
            s,
            workspace_id,
            [
                event(
                    key,
                    author=customer(f"old-{key}", display_name="Earlier Customer"),
                    text="my router is broken, no lights at all",
                    minutes=-3000,
                    account_ref="AcmeHelp" if workspace_id == world.a_id else "zebra",
                )
            ],
            clock=clock,
        )
        search.index_pending(s)
        conversation = (
            s.query(Conversation)
            .filter(Conversation.workspace_id == workspace_id)
            .order_by(Conversation.id.desc())
            .first()
        )
        assert conversation is not None
        case_id = conversation.id
    if workspace_id == world.a_id:
        sent = anna.post(f"/conversations/{case_id}/reply", {"text": FIX, "mode": "public"})
        assert sent.status_code == 303, sent.text
        with db.session() as s:
            stored = s.scalar(
                select(Message.text).where(
                    Message.conversation_id == case_id, Message.direction == "out"
                )
            )
        assert stored is not None and stored.startswith(FIX) and stored != FIX  # signed
    else:
        with db.write() as s:
            ingest_events(
                s,
                workspace_id,
                [event(f"{key}r", reply_to=key, outbound=True, minutes=-2990, text=FIX)],
                clock=clock,
            )
    with db.write() as s:
        found = s.get(Conversation, case_id)
        assert found is not None
        set_conversation_status(s, found, "resolved", agent_id=None, clock=clock)
    return case_id


def _keywords_only(browser: Browser, clock: FrozenClock) -> None:
    """The coach's shared services without the encoder: ranking by keywords, deterministic."""
    browser.client.app.state.coach_services = CoachServices(  # type: ignore[attr-defined]
        clock=clock, histories=WorkspaceHistories()
    )


def test_page_renders_the_workspace_articles_insertable(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    _articles(db, clock, world)
    anna = as_agent("anna")
    page = anna.get(f"/conversations/{world.a_conversation}").text
    assert 'id="suggestions"' in page and "ignore missing" not in page
    box = page.split('id="suggested-articles"')[1].split("</ul>")[0]
    assert "Fix a broken router" in box and f'href="{ROUTER_URL}"' in box
    assert f'data-insert="{ROUTER_URL}"' in box  # the Insert button puts in the link
    assert "Restart the router, then check the lights." in box  # a snippet, not the whole body
    assert "More detail. " * 20 not in box
    assert "Opening hours" not in box  # nothing to do with the customer's message
    # another workspace's article shares the words, yet never appears
    assert B_MARKER not in page
    # the similar cases wait for the composer's coach call (a link without JavaScript)
    assert f"/conversations/{world.a_conversation}?similar=1#suggestions" in page


def test_other_workspace_articles_and_cases_never_appear(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    _articles(db, clock, world)
    anna = as_agent("anna")
    _resolved_case(db, clock, world, anna, world.b_id, "zold")
    _keywords_only(anna, clock)
    live = anna.post_json(
        f"/conversations/{world.a_conversation}/coach",
        {"text": "Sorry your router is broken", "mode": "public", "suggestions": True},
    )
    assert live.status_code == 200, live.text
    body = live.json()
    assert [a["url"] for a in body["articles"]] == [ROUTER_URL]
    assert body["similar_cases"] == []  # B's resolved router case is B's
    assert B_MARKER not in live.text and "zebra" not in live.text
    page = anna.get(f"/conversations/{world.a_conversation}", params={"similar": "1"}).text
    assert B_MARKER not in page and FIX not in page
    # and brand B's agent sees B's article, none of A's
    bob = as_agent("bob")
    b_page = bob.get(f"/conversations/{world.b_conversation}").text
    assert "Fix a broken router" not in b_page and ROUTER_URL not in b_page


def test_similar_resolved_cases_with_the_coach_call_and_without_javascript(
    as_agent: Callable[[str], Browser], db: Database, clock: FrozenClock, world: World
) -> None:
    _articles(db, clock, world)
    anna = as_agent("anna")
    case_id = _resolved_case(db, clock, world, anna, world.a_id, "aold")
    twin_id = _resolved_case(db, clock, world, anna, world.a_id, "aold2")  # the same reply
    _keywords_only(anna, clock)
    # on load: an empty draft, no findings, the suggestions for the customer's message
    first = anna.post_json(
        f"/conversations/{world.a_conversation}/coach",
        {"text": "", "mode": "public", "suggestions": True},
    ).json()
    assert first["findings"] == []
    [case] = first["similar_cases"]  # one reply resolved both cases: offered once
    assert case["conversation_id"] in (case_id, twin_id)
    # the reply that resolved it, without Anna's signature (sending signs it again)
    assert case["reply"] == FIX and case["insert"] == FIX
    assert case["why"]
    # as the agent types, the same call brings findings and suggestions
    typed = anna.post_json(
        f"/conversations/{world.a_conversation}/coach",
        {"text": "That's a bit harsh.", "mode": "public", "suggestions": True},
    ).json()
    assert any(f["rule"] == "dismissive" for f in typed["findings"])
    assert typed["articles"][0]["url"] == ROUTER_URL
    # without suggestions asked for, the coach call is as before
    plain = anna.post_json(
        f"/conversations/{world.a_conversation}/coach", {"text": "ok", "mode": "public"}
    ).json()
    assert "articles" not in plain
    # without JavaScript, on request, the page renders them
    page = anna.get(f"/conversations/{world.a_conversation}", params={"similar": "1"}).text
    cases = page.split('id="suggested-cases"')[1].split("</ul>")[0]
    assert f'href="/conversations/{case["conversation_id"]}"' in cases
    assert html.escape(FIX) in cases
    assert re.search(rf'data-insert="{re.escape(html.escape(FIX))}"', cases)
