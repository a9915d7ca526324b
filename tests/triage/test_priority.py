"""Priority: a pure function of text analysis, context and weights, with its reasons."""

from __future__ import annotations

from heedful.triage.priority import (
    ContextSignals,
    PriorityWeights,
    TextAnalysis,
    compute_priority,
)
from heedful.triage.signals import Signal, builtin_registry
from heedful.triage.taxonomy import CustomTopic, TopicSettings

TEXT = "THIRD time asking: still no signal and nobody answers. Switching provider!!"
ANGRY = TextAnalysis(
    sentiment="negative",
    sentiment_score=-0.92,
    complaint=True,
    complaint_probability=0.96,
    severity="accusation",
    topic="outage",
    signals=tuple(builtin_registry().detect(TEXT)),
)
POLITE = TextAnalysis(
    sentiment="neutral",
    sentiment_score=0.1,
    complaint=False,
    complaint_probability=0.04,
    severity=None,
    topic="question",
    signals=(Signal("needs_answer", "asks a question that needs an answer"),),
)
HIGH_REACH_REPEAT = ContextSignals(
    messages_24h=3,
    unanswered_24h=3,
    messages_7d=3,
    unanswered_7d=3,
    span_hours=2.0,
    author_followers=332_000,
    brand_followers=203_000,
    others_in_thread=4,
)


def test_angry_high_reach_repeat_complainer_outranks_a_polite_question() -> None:
    top = compute_priority(ANGRY, HIGH_REACH_REPEAT)
    polite = compute_priority(POLITE, ContextSignals())
    assert top.value > 80
    assert polite.value < 20
    assert top.value > polite.value


def test_reasons_say_why_in_plain_words_largest_first() -> None:
    reasons = compute_priority(ANGRY, HIGH_REACH_REPEAT).reasons
    texts = [r.text for r in reasons]
    assert "3rd message in 2 h, none answered" in texts
    assert "332k followers — more than the brand (203k)" in texts
    assert "angry complaint about outage / service disruption (accusation)" in texts
    assert "4 other people joined the thread" in texts
    points = [abs(r.points) for r in reasons]
    assert points == sorted(points, reverse=True)


def test_priority_is_the_base_plus_the_reasons_clamped() -> None:
    weights = PriorityWeights(base=5.0)
    result = compute_priority(POLITE, None, weights)
    assert result.value == 5 + sum(r.points for r in result.reasons)
    assert compute_priority(ANGRY, HIGH_REACH_REPEAT, PriorityWeights(base=90)).value == 100
    assert compute_priority(POLITE, None, PriorityWeights(base=-50)).value == 0


def test_context_adds_nothing_for_a_first_message_from_a_small_account() -> None:
    alone = compute_priority(ANGRY, None)
    first = compute_priority(ANGRY, ContextSignals(author_followers=150, brand_followers=203_000))
    assert alone == first


def test_channel_hopping_and_brand_reply_are_reasons() -> None:
    ctx = ContextSignals(other_channels=("email", "facebook"), brand_replied=True)
    reasons = {r.text: r.points for r in compute_priority(POLITE, ctx).reasons}
    assert reasons["also wrote on email, facebook (channel hopping)"] == 12
    assert reasons["brand already replied in this conversation"] == -4


def test_workspace_weights_override_defaults_and_merge_signal_weights() -> None:
    weights = PriorityWeights().merged({"reach_above_brand": 40, "signals": {"anger": 0}})
    assert weights.reach_above_brand == 40
    assert weights.signals["anger"] == 0
    assert weights.signals["urgency"] == PriorityWeights().signals["urgency"]
    default = compute_priority(ANGRY, HIGH_REACH_REPEAT)
    changed = compute_priority(ANGRY, HIGH_REACH_REPEAT, weights)
    assert not any(r.text.startswith("angry:") for r in changed.reasons)
    assert any(r.text.startswith("angry:") for r in default.reasons)
    reach = next(r for r in changed.reasons if "followers" in r.text)
    assert reach.points == 51  # 3 x (log10(332k) - 2) = 10.6, + 40, rounded


def test_renamed_topics_show_in_reasons() -> None:
    topics = TopicSettings(
        rename={"outage": "Network down"},
        custom=[CustomTopic(id="roaming", label="Roaming", examples=["roaming charges abroad"])],
    )
    reasons = [r.text for r in compute_priority(ANGRY, None, topics=topics).reasons]
    assert "angry complaint about network down (accusation)" in reasons
    assert topics.label_of("roaming") == "Roaming"
