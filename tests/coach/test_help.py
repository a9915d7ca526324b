"""Help articles (import, keyword + semantic suggestions with reasons), similar resolved cases,
and the store-fed canned index — on the real database (SQLite, and PostgreSQL with --db)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from heedful.clock import FrozenClock
from heedful.coach.help.articles import (
    ArticleInput,
    import_articles,
    read_csv,
    read_markdown_folder,
)
from heedful.coach.help.embeddings import default_embedder
from heedful.coach.help.history import WorkspaceHistories
from heedful.coach.help.suggest import similar_cases, suggest_articles
from heedful.errors import InputRejected
from heedful.services.ingest import ingest_events
from heedful.services.workspaces import create_workspace
from heedful.store import search
from heedful.store.db import Database
from heedful.store.tables import Conversation, HelpArticle
from tests.factories import customer, event

ARTICLES = [
    ArticleInput(
        "Refund for a returned item",
        "https://help.shop.example/returns/refund-timing",
        "Once we receive your return, refunds go back to the original card within 5 working "
        "days. You can track the refund status under Orders.",
    ),
    ArticleInput(
        "Change your direct debit date",
        "https://help.shop.example/billing/direct-debit-date",
        "Log in, open Payments and pick a new collection date between the 1st and the 28th.",
    ),
    ArticleInput(
        "Report a faulty item",
        "https://help.shop.example/returns/faulty",
        "If an item arrives damaged or stops working, tell us within 30 days for a repair.",
    ),
    ArticleInput(
        "Delivery times",
        "https://help.shop.example/delivery/times",
        "Standard delivery takes 3 to 5 days; express arrives the next working day.",
    ),
]


@pytest.fixture
def shop(db: Database, clock: FrozenClock) -> tuple[int, int]:
    with db.write() as s:
        a = create_workspace(s, slug="shop", name="Shop", clock=clock)
        b = create_workspace(s, slug="other", name="Other", clock=clock)
        import_articles(s, a.id, ARTICLES, clock=clock)
        import_articles(
            s,
            b.id,
            [ArticleInput("Refund secrets of B", "https://b.example/refund", "refund refund")],
            clock=clock,
        )
        return a.id, b.id


def test_keyword_suggestions_say_why(db: Database, shop: tuple[int, int]) -> None:
    with db.session() as s:
        found = suggest_articles(s, shop[0], "I returned a coat 3 weeks ago and still no refund!")
    assert found[0].url.endswith("/returns/refund-timing")
    assert any("refund" in why for why in found[0].reasons)
    assert len(found) <= 3
    assert all("B" not in a.title for a in found)  # never another workspace's articles


def test_no_words_in_common_no_suggestion(db: Database, shop: tuple[int, int]) -> None:
    with db.session() as s:
        assert suggest_articles(s, shop[0], "hello there!") == []


def test_import_again_updates_by_url(
    db: Database, shop: tuple[int, int], clock: FrozenClock
) -> None:
    changed = ArticleInput(ARTICLES[0].title, ARTICLES[0].url, "Refunds now take 3 days.")
    with db.write() as s:
        result = import_articles(s, shop[0], [changed, ARTICLES[1]], clock=clock)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    with db.session() as s:
        found = suggest_articles(s, shop[0], "how many days for my refund")
        bodies = s.scalars(select(HelpArticle.body).where(HelpArticle.workspace_id == shop[0]))
        assert "Refunds now take 3 days." in set(bodies)
    assert found[0].url == ARTICLES[0].url


def test_semantic_search_finds_meaning_without_shared_words(
    db: Database, clock: FrozenClock
) -> None:
    embedder = default_embedder()
    if embedder is None:
        pytest.skip("the triage encoder is not installed here")
    with db.write() as s:
        ws = create_workspace(s, slug="sem", name="Sem", clock=clock)
        import_articles(s, ws.id, ARTICLES, clock=clock, embedder=embedder)
        found = suggest_articles(
            s,
            ws.id,
            "my parcel still hasn't turned up, how long does shipping take",
            embedder=embedder,
        )
    assert found and found[0].url.endswith("/delivery/times")
    assert any("meaning" in why for why in found[0].reasons)


def test_markdown_folder_and_csv(tmp_path: Path) -> None:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "late-fee.md").write_text(
        "# Late payment fees\n\nWe charge £12 when a payment is late.\n", encoding="utf-8"
    )
    (tmp_path / "outage.md").write_text(
        "---\ntitle: Outages\nurl: https://status.example/outages\n---\nCheck the map.\n",
        encoding="utf-8",
    )
    items = read_markdown_folder(tmp_path, "https://help.example")
    assert {(a.title, a.url) for a in items} == {
        ("Late payment fees", "https://help.example/billing/late-fee"),
        ("Outages", "https://status.example/outages"),
    }
    table = tmp_path / "articles.csv"
    table.write_text('title,url,body\nFees,https://h.example/fees,"We charge £12, sometimes."\n')
    assert read_csv(table) == [
        ArticleInput("Fees", "https://h.example/fees", "We charge £12, sometimes.")
    ]
    (tmp_path / "bad.csv").write_text("title,body\nx,y\n")
    with pytest.raises(InputRejected, match="missing columns url"):
        read_csv(tmp_path / "bad.csv")


def test_markdown_without_url_needs_a_base(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nbody\n", encoding="utf-8")
    with pytest.raises(InputRejected, match="no 'url:'"):
        read_markdown_folder(tmp_path)


def _resolved_case(
    db: Database,
    clock: FrozenClock,
    ws: int,
    key: str,
    question: str,
    answer: str,
    later: str | None = None,
) -> int:
    author = customer(key)
    events = [
        event(f"{key}-q", author=author, text=question),
        event(f"{key}-a", outbound=True, reply_to=f"{key}-q", text=answer, minutes=5),
    ]
    if later:
        events.append(event(f"{key}-t", author=author, reply_to=f"{key}-a", text=later, minutes=9))
    with db.write() as s:
        ingest_events(s, ws, events, clock=clock)
        search.index_pending(s)
        conversation = s.scalars(
            select(Conversation)
            .where(Conversation.workspace_id == ws)
            .order_by(Conversation.id.desc())
        ).first()
        assert conversation is not None
        conversation.status = "resolved"
        conversation.resolved_at = clock.now() + timedelta(days=1)
        return conversation.id


def test_similar_resolved_cases_with_their_reply(
    db: Database, shop: tuple[int, int], clock: FrozenClock
) -> None:
    good = _resolved_case(
        db,
        clock,
        shop[0],
        "c1",
        "My refund for the returned boots never arrived!!",
        "So sorry — I've pushed the refund through, it'll show by Friday. ^AB",
        "Got it, thank you so much!",
    )
    _resolved_case(db, clock, shop[0], "c2", "Can I change my delivery address?", "Yes, in Orders.")
    _resolved_case(db, clock, shop[1], "c3", "refund refund refund never arrived", "B's reply")
    with db.session() as s:
        cases = similar_cases(
            s,
            shop[0],
            "Where is my refund? Returned a coat weeks ago",
            mood=lambda t: "negative" if "!!" in t else "positive",
        )
    assert [c.conversation_id for c in cases][:1] == [good]
    assert cases[0].resolving_reply and "pushed the refund" in cases[0].resolving_reply
    assert cases[0].sentiment_improved is True
    assert any("refund" in why for why in cases[0].reasons)
    assert all(c.resolving_reply != "B's reply" for c in cases)


def test_store_fed_canned_index_is_per_workspace_and_incremental(
    db: Database, shop: tuple[int, int], clock: FrozenClock
) -> None:
    template = "Please fill in the form at shop.example/contact and we'll reply within 36 hours."
    histories = WorkspaceHistories()
    with db.write() as s:
        ingest_events(
            s,
            shop[0],
            [
                event("q1", author=customer("p1")),
                event("r1", outbound=True, reply_to="q1", text=template, minutes=1),
            ],
            clock=clock,
        )
    with db.session() as s:
        index = histories.index_for(s, shop[0], clock.now())
        assert len(index) == 1
        assert histories.index_for(s, shop[1], clock.now()).sends == 0
    with db.write() as s:
        ingest_events(
            s,
            shop[0],
            [
                event("q2", author=customer("p2"), minutes=2),
                event("r2", outbound=True, reply_to="q2", text=template, minutes=3),
            ],
            clock=clock,
        )
    with db.session() as s:
        again = histories.index_for(s, shop[0], clock.now())
    assert again is index and len(index) == 2  # the same index, two sends: only the new one read
    matches = index.similar(template, threshold=0.6, to="contact:999")
    assert matches and matches[0].others == 2


def test_handles_and_links_are_not_what_a_message_is_about() -> None:
    """Every message to the brand names its handle: matching on it would make every case
    "similar" and every article that names the brand "specific"."""
    from heedful.coach.help.fulltext import content_words

    words = content_words("@AcmeMobileHelp my bill went up again, see https://acme.example/bill")
    assert "acmemobilehelp" not in words and "acme" not in words and "https" not in words
    assert "bill" in words
