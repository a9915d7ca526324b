"""The learned half of blame, dismissive and generic_redirect: paraphrases the phrases miss,
the tricky negatives, spans, settings, and the coach without a model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from heedful.clock import FrozenClock
from heedful.coach import Coach, CoachConfig, Draft
from heedful.coach.learned import (
    FEATURES_VERSION,
    META_FILE,
    MODEL_FILE,
    LinearModel,
    context_tokens,
    default_model,
    normalise,
    vectorise,
)
from heedful.coach.mood import ComplaintReader
from heedful.errors import ConfigError
from tests.coach.conftest import NOW, findings, rules

ANGRY = "Third week without a working phone line and nobody can tell me why. Useless!!"

# Deflections in words no phrase list was written for (the phrases alone miss each of them).
PARAPHRASED = [
    ("blame", "Hold-ups like this are caused by the regional supplier we use."),
    ("blame", "The line is owned by another company, so they decide when it gets repaired."),
    ("blame", "Our records show the engineer completed the work as booked."),
    ("dismissive", "Most of our customers have had no problems with this at all."),
    ("dismissive", "We are confident our engineer did everything that was needed."),
    ("generic_redirect", "For questions like this please get in touch with our customer hub."),
]
# Replies that must stay quiet: they share words with the deflections above.
GOOD = [
    "I'm sorry — it isn't your router, the fault is in our street cabinet and it's fixed tonight.",
    "That's on us, not the courier. A replacement goes out today. ^Kat",
    "Sorry for the wait! I've chased the supplier and your part arrives Thursday. ^Rob",
    "Fair point, and I'm sorry. I've refunded the charge to your card. ^Ana",
    "Here's the guide for exactly this error: https://help.example/router/red-light-fix ^Ola",
    "Sorry about this. Can you DM me your account number so I can check the line myself? ^Ola",
]


@pytest.fixture(scope="module")
def model() -> LinearModel:
    found = default_model()
    assert found is not None, "the shipped model must load (src/heedful/coach/models/)"
    return found


@pytest.fixture(scope="module")
def phrases_only() -> Coach:
    return Coach(clock=FrozenClock(NOW), use_model=False)


@pytest.mark.parametrize(("rule", "text"), PARAPHRASED)
def test_the_model_catches_what_the_phrases_miss(
    coach: Coach, phrases_only: Coach, rule: str, text: str
) -> None:
    assert rule not in rules(phrases_only, text, customer=ANGRY)
    assert rule in rules(coach, text, customer=ANGRY)


@pytest.mark.parametrize("text", GOOD)
def test_good_replies_stay_quiet(coach: Coach, text: str) -> None:
    assert not {"blame", "dismissive", "generic_redirect"} & rules(coach, text, customer=ANGRY)


def test_a_model_finding_points_at_the_sentence(coach: Coach) -> None:
    text = (
        "@dan Sorry to hear about the outage. The line is owned by another company, so they "
        "decide when it gets repaired. Thanks for your patience. ^AB"
    )
    (found,) = [f for f in findings(coach, text, customer=ANGRY) if f.rule == "blame"]
    assert text[found.start : found.end] == (
        "The line is owned by another company, so they decide when it gets repaired."
    )
    assert found.message and found.suggestion
    assert set(found.as_dict()) == {"rule", "severity", "start", "end", "message", "suggestion"}


def test_without_the_model_the_phrases_still_work(phrases_only: Coach) -> None:
    assert "blame" in rules(phrases_only, "This isn't our fault, it's down to your provider.")
    assert "blame" not in rules(phrases_only, PARAPHRASED[0][1])


def test_a_workspace_can_switch_the_model_off_or_move_its_threshold() -> None:
    text = PARAPHRASED[0][1]
    off = Coach(CoachConfig(rules={"blame": {"model": False}}), clock=FrozenClock(NOW))
    assert "blame" not in rules(off, text, customer=ANGRY)
    strict = Coach(CoachConfig(rules={"blame": {"model_threshold": 0.999}}), clock=FrozenClock(NOW))
    assert "blame" not in rules(strict, text, customer=ANGRY)
    with pytest.raises(ConfigError, match="model_threshold"):
        Coach(CoachConfig(rules={"blame": {"model_threshold": 1.5}}))


def test_an_injected_model_is_used(model: LinearModel) -> None:
    never = LinearModel(
        model.rules, model.rows, model.idf, model.weights, model.bias,
        {rule: 0.999999 for rule in model.rules}, model.meta,
    )  # fmt: skip
    coach = Coach(clock=FrozenClock(NOW), model=never)
    assert "blame" not in rules(coach, PARAPHRASED[0][1], customer=ANGRY)


def test_short_replies_are_left_to_the_phrase_rules(coach: Coach, model: LinearModel) -> None:
    assert model.min_words("dismissive") >= 2
    assert "dismissive" not in rules(coach, "So true. -Becky", customer="Best burrito ever!!")
    assert "dismissive" in rules(coach, "Noted.", customer=ANGRY)  # the phrase rule, with the mood


def test_non_english_replies_are_left_alone(coach: Coach) -> None:
    text = "Lo sentimos, el retraso se debe al proveedor externo y no depende de nosotros."
    assert not {"blame", "dismissive", "generic_redirect"} & rules(coach, text, customer=ANGRY)


def test_normalise_marks_contacts_and_links() -> None:
    text = (
        "@sam Call 0800 123 4567, email help@brand.example or jo.bloggs@gmail.com, see "
        "https://help.brand.example/articles/1234-reset and brand.example ^AB"
    )
    out = normalise(text)
    assert "@sam" not in out and "^ab" not in out
    assert "zphone" in out and "zrolemail" in out and "zpersonmail" in out
    assert "zlinkdeep" in out and "zlinkroot" in out and "h_help" in out and "reset" in out


def test_features_are_deterministic_and_ignore_unseen_ngrams(model: LinearModel) -> None:
    text = "Qwxz zzkq vvbn."  # nothing seen in training: an empty vector, the bias decides
    positions, values = vectorise(text, model.rows, model.idf)
    assert len(positions) == len(values)
    again = vectorise("The delay is down to the courier.", model.rows, model.idf)
    assert np.array_equal(again[0], vectorise("The delay is down to the courier.", model.rows,
                                              model.idf)[0])  # fmt: skip
    assert context_tokens(upset=True, complaining=True, asked_where=True) == ("zupset", "zasked")
    assert context_tokens(upset=False, complaining=True, asked_where=False) == ("zcomplain",)


def test_the_shipped_model_matches_this_code() -> None:
    meta = json.loads(META_FILE.read_text(encoding="utf-8"))
    assert meta["features_version"] == FEATURES_VERSION
    assert set(meta["rules"]) == {"blame", "dismissive", "generic_redirect"}
    assert all(0 < t < 1 for t in meta["thresholds"].values())
    assert MODEL_FILE.stat().st_size < 5_000_000  # small enough to commit


def test_a_missing_model_file_is_refused_cleanly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LinearModel.load(tmp_path / "none.npz", tmp_path / "none.json")
    (tmp_path / "meta.json").write_text(
        json.dumps({"features_version": FEATURES_VERSION + 1, "rules": [], "thresholds": {}})
    )
    with pytest.raises(ValueError, match="features version"):
        LinearModel.load(tmp_path / "none.npz", tmp_path / "meta.json")


class _Broken:
    def analyse(self, texts: list[str], mode: str = "fast") -> list[object]:
        raise RuntimeError("no triage here")


def test_a_broken_complaint_reader_does_not_break_the_coach() -> None:
    reader = ComplaintReader(analyser=_Broken())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        reader.complaining("Still waiting for my refund")
    coach = Coach(clock=FrozenClock(NOW), complaint_reader=ComplaintReader())
    assert coach.check(Draft("Sorry about that! I've refunded you.", customer=ANGRY)) is not None


def test_a_failing_promise_extractor_leaves_the_other_rules_working() -> None:
    def explode(text: str, sent_at: object) -> list[object]:
        raise KeyError("elided")

    coach = Coach(clock=FrozenClock(NOW), promise_extractor=explode)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        coach.check(Draft("We'll call you tomorrow.", customer=ANGRY))


def test_a_plain_complaint_answered_with_a_deflection_needs_empathy(coach: Coach) -> None:
    customer = "My parcel was marked as delivered yesterday but it never arrived."
    deflect = "Lost parcels are the responsibility of the courier, please contact them directly."
    assert not coach.analyse(Draft(deflect, customer)).mood.upset  # no emotional words
    assert "no_empathy" in rules(coach, deflect, customer=customer)
    kind = "Sorry about that! DM me your order number and I will open a trace."
    assert "no_empathy" not in rules(coach, kind, customer=customer)
    off = Coach(
        CoachConfig(rules={"no_empathy": {"cold_to_complaints": False}}), clock=FrozenClock(NOW)
    )
    assert "no_empathy" not in rules(off, deflect, customer=customer)
