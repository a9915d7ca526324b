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

from heedful.coach.canned import SentReply, SentReplyIndex
from heedful.coach.config import CoachConfig, RuleSettings
from heedful.coach.draft import DEFAULT_CHANNEL, Draft
from heedful.coach.engine import Coach, check_draft
from heedful.coach.findings import Finding, Severity
from heedful.coach.mood import CueMoodReader, Mood, MoodReader

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
    "check_draft",
]
