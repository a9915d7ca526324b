"""Text signal rules: each fires on what it names, stays quiet otherwise, and says why."""

from __future__ import annotations

import pytest

from heedful.triage.signals import Signal, SignalRegistry, builtin_registry
from heedful.triage.workspace import PhraseRule, TriageSettings


def ids(text: str) -> set[str]:
    return {s.id for s in builtin_registry().detect(text)}


def reason(text: str, signal_id: str) -> str:
    return next(s.reason for s in builtin_registry().detect(text) if s.id == signal_id)


@pytest.mark.parametrize(
    "text",
    [
        "This is the THIRD TIME I have asked",
        "nobody answers the phone at your store",
        "still no refund after 3 weeks",
        "absolutely useless service, what a joke",
        "WHY IS MY ORDER NOT HERE YET",
    ],
)
def test_anger_fires_on_shouting_abuse_and_repeats(text: str) -> None:
    assert "anger" in ids(text)


@pytest.mark.parametrize(
    "text", ["I still love this app", "Could you send it again please?", "Thanks, all good now"]
)
def test_anger_ignores_ordinary_still_and_again(text: str) -> None:
    assert "anger" not in ids(text)


def test_anger_reason_quotes_the_words_it_saw() -> None:
    text = "Third time asking and nobody answers!!"
    assert reason(text, "anger") == 'angry: !!!, "nobody answers", "third time"'


def test_threats_to_leave_and_to_escalate_are_told_apart() -> None:
    assert ids("I'm switching to EE tomorrow") >= {"threat_to_leave"}
    assert "threat_to_escalate" not in ids("I'm switching to EE tomorrow")
    assert ids("reporting this to Ofcom and the press") >= {"threat_to_escalate"}
    assert "ofcom" in reason("I will complain to Ofcom", "threat_to_escalate")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the charger is giving off smoke", "safety"),
        ("you charged me twice for one order", "money taken"),
        ("I'm locked out of my account", "locked out"),
        ("my flight is today and the booking vanished", "travel today"),
    ],
)
def test_urgency_names_its_kind(text: str, kind: str) -> None:
    assert kind in reason(text, "urgency")


def test_urgency_is_quiet_on_ordinary_messages() -> None:
    assert "urgency" not in ids("love the new playlist feature")


def test_needs_answer_for_questions_not_for_rhetoric() -> None:
    assert "needs_answer" in ids("@acme when will my parcel arrive")
    assert "needs_answer" in ids("Is the store open on Sunday?")
    assert "needs_answer" not in ids("Great service today, thank you.")
    assert "needs_answer" not in ids("Are you kidding me?")


def test_registry_refuses_a_duplicate_id() -> None:
    registry = builtin_registry()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("anger", lambda text: None, weight=1.0, description="again")


def test_custom_rules_register_like_builtins_with_their_weight() -> None:
    registry = SignalRegistry()
    registry.register(
        "vip",
        lambda t: Signal("vip", "VIP account") if "gold" in t else None,
        weight=9.0,
        description="gold members",
    )
    assert registry.default_weights() == {"vip": 9.0}
    assert [s.id for s in registry.detect("gold member here")] == ["vip"]


def test_workspace_phrase_rule_joins_the_builtin_registry() -> None:
    settings = TriageSettings(
        rules=[
            PhraseRule(id="recall", phrases=["recall notice"], reason="product recall", weight=20)
        ]
    )
    registry = settings.registry()
    assert "anger" in registry.rules and "recall" in registry.rules
    found = registry.detect("Got a Recall Notice for my kettle")
    assert [(s.id, s.reason) for s in found] == [("recall", 'product recall ("Recall Notice")')]
    assert settings.priority_weights().signals["recall"] == 20
