"""The reply coach: findings about a draft before it is sent (blame, dismissiveness, missing
empathy, canned text, generic redirects, vague or risky promises, personal data in public,
length, shouting, placeholders, signatures).

Call :class:`Coach` (one per workspace, reused) or :func:`check_draft`::

    coach = Coach(CoachConfig.model_validate(workspace_settings))
    findings = coach.check(Draft("That's a bit harsh ^AB", customer="…"), history=index)

``history`` is a :class:`SentReplyIndex` of the workspace's sent replies (build once, then
``add`` each reply as it is sent). Rules are registered through the ``heedful.coach.rules``
entry-point group; see :mod:`heedful.coach.registry`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heedful.coach.canned import SentReply, SentReplyIndex
    from heedful.coach.config import CoachConfig, RuleSettings
    from heedful.coach.draft import DEFAULT_CHANNEL, Draft
    from heedful.coach.engine import Coach, check_draft
    from heedful.coach.findings import Finding, Severity
    from heedful.coach.mood import CueMoodReader, Mood, MoodReader, TriageMoodReader

# Names load on first use, so `heedful coach` pays only for what a check needs (the canned
# index pulls in numpy; a draft without history never does).
_WHERE = {
    "SentReply": "canned",
    "SentReplyIndex": "canned",
    "CoachConfig": "config",
    "RuleSettings": "config",
    "DEFAULT_CHANNEL": "draft",
    "Draft": "draft",
    "Coach": "engine",
    "check_draft": "engine",
    "Finding": "findings",
    "Severity": "findings",
    "CueMoodReader": "mood",
    "Mood": "mood",
    "MoodReader": "mood",
    "TriageMoodReader": "mood",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'heedful.coach' has no attribute {name!r}")
    return getattr(import_module(f"heedful.coach.{module}"), name)


__all__ = [
    "DEFAULT_CHANNEL",
    "Coach",
    "CoachConfig",
    "CueMoodReader",
    "Draft",
    "Finding",
    "Mood",
    "MoodReader",
    "RuleSettings",
    "SentReply",
    "SentReplyIndex",
    "Severity",
    "TriageMoodReader",
    "check_draft",
]
