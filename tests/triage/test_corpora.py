"""The labelled corpora and their train/dev split (what training and evaluation rely on)."""

from __future__ import annotations

from collections import Counter

from heedful.triage.corpora import load_all, load_complaints, normalise, split_of, twcs_topic
from heedful.triage.taxonomy import TOPIC_IDS
from tests.conftest import shared_data


def test_split_is_stable_and_about_a_fifth() -> None:
    assert split_of("airline", "abc") == split_of("airline", "abc")
    shares = Counter(split_of("x", str(i)) for i in range(5000))
    assert 0.17 < shares["dev"] / 5000 < 0.23


def test_no_text_is_in_both_train_and_dev() -> None:
    data = shared_data()
    examples = load_all(data)
    seen: dict[tuple[str, str], set[str]] = {}
    for example in examples:
        if example.corpus != "twcs":
            seen.setdefault((example.corpus, normalise(example.text)), set()).add(example.split)
    assert all(len(splits) == 1 for splits in seen.values())
    assert {e.topic for e in examples if e.topic} <= set(TOPIC_IDS)


def test_complaints_carry_complaint_severity_and_sentiment() -> None:
    rows = load_complaints(shared_data())
    complaints = [r for r in rows if r.complaint == 1]
    assert len(rows) == 2415
    # two tweets have no X-CI annotation (see the set's README)
    assert sum(r.severity is None for r in complaints) <= 2
    assert all(r.severity is None for r in rows if r.complaint == 0)


def test_twcs_labels_map_by_priority() -> None:
    assert twcs_topic("Delivery|Refund") == "refund_cancellation"
    assert twcs_topic("Service Praise|Delivery") == "praise"
    assert twcs_topic("Song/Artist") is None
