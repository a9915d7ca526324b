"""The canned check and its index."""

from __future__ import annotations

from datetime import timedelta

from heedful.coach import Coach, Draft, SentReplyIndex
from heedful.coach.canned import jaccard, normalise, shingles
from tests.coach.conftest import NOW, configured, findings, rules

TEMPLATE = (
    "Hi {name}, we're sorry to hear about this. Please fill in the form at "
    "https://t.co/AbC123 and our team will get back to you within 36 hours."
)


def _index(*texts: tuple[str, str]) -> SentReplyIndex:
    index = SentReplyIndex()
    for to, text in texts:
        index.add(text, to, NOW - timedelta(days=1))
    return index


def test_normalise_drops_names_mentions_and_signatures() -> None:
    a = normalise("@123 Hi Sarah, please DM us your order 12345. ^AB")
    b = normalise("@456 Hi John, please DM us your order 99. ^CD")
    assert a == b


def test_near_duplicate_to_others_is_canned(coach: Coach) -> None:
    index = _index(("alice", TEMPLATE.format(name="Alice")), ("bob", TEMPLATE.format(name="Bob")))
    draft = TEMPLATE.format(name="Carol").replace("our team", "the team")
    (found,) = [f for f in findings(coach, draft, history=index, to="carol") if f.rule == "canned"]
    assert found.severity == "warn" and "2 other people" in found.message


def test_same_text_to_the_same_contact_is_blocked(coach: Coach) -> None:
    index = _index(("dave", TEMPLATE.format(name="Dave")))
    (found,) = [
        f
        for f in findings(coach, TEMPLATE.format(name="Dave"), history=index, to="dave")
        if f.rule == "canned"
    ]
    assert found.severity == "block" and "this person" in found.message


def test_a_personal_reply_is_not_canned(coach: Coach) -> None:
    index = _index(("alice", TEMPLATE.format(name="Alice")))
    draft = (
        "Sorry Carol, the mast in Leeds is down; engineers are on site and I'll update you by 5pm."
    )
    assert "canned" not in rules(coach, draft, history=index)


def test_window_and_threshold_are_settings() -> None:
    index = SentReplyIndex()
    index.add(TEMPLATE.format(name="Old"), "old", NOW - timedelta(days=90))
    draft = TEMPLATE.format(name="New")
    assert "canned" not in {f.rule for f in configured().check(_draft(draft), index)}
    wide = configured(canned={"window_days": 120})
    assert "canned" in {f.rule for f in wide.check(_draft(draft), index)}


def test_short_replies_are_never_canned(coach: Coach) -> None:
    index = _index(("a", "Thanks!"), ("b", "Thanks!"))
    assert "canned" not in rules(coach, "Thanks!", history=index)


def test_jaccard_on_bigrams() -> None:
    a = shingles(["a", "b", "c", "d"])
    assert jaccard(a, a) == 1.0
    assert jaccard(a, shingles(["a", "b", "x", "y"])) == 1 / 5


def test_index_finds_duplicates_among_many() -> None:
    index = SentReplyIndex()
    for i in range(2000):
        index.add(
            f"Unique reply number {i} about topic {i * 7} for customer {i * 13} today", f"c{i}"
        )
    index.add(TEMPLATE.format(name="Zed"), "zed")
    matches = index.similar(TEMPLATE.format(name="Amy"), threshold=0.6)
    assert len(matches) == 1 and matches[0].others == 1 and len(index) == 2001


def _draft(text: str) -> Draft:
    return Draft(text)
