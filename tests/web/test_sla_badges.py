"""What the SLA badge of a queue row says: time left on a running clock, how long ago it
breached, by how much a stopped clock was missed, met, or paused while waiting."""

from __future__ import annotations

from typing import Any

import pytest

from heedful.web.features import _badges


def summary(status: str, remaining: int, running: bool) -> dict[str, Any]:
    return {
        "status": status,
        "metric": "first_response",
        "remaining_seconds": remaining,
        "due_at": "2026-11-22T10:00:00+00:00" if running else None,
    }


@pytest.mark.parametrize(
    ("status", "remaining", "running", "label"),
    [
        ("on_track", 3_000, True, "50 min left"),
        ("at_risk", 300, True, "5 min left"),
        ("breached", -7_500, True, "breached 2 h 05 ago"),
        ("breached", -1_800, False, "missed by 30 min"),  # answered, but late
        ("met", 1_200, False, "met"),
        ("paused", 1_200, False, "paused: waiting on the customer"),
    ],
)
def test_badge_labels(status: str, remaining: int, running: bool, label: str) -> None:
    badge = _badges({1: summary(status, remaining, running)})[1]
    assert badge.label == label and badge.state == status and badge.metric == "first response"
