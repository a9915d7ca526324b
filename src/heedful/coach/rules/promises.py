"""Promises in the draft, found by the care area's extractor
(:func:`heedful.care.promises.extract_promises`), judged by two rules:

* ``vague_promise`` — a commitment to act with no time ("we'll look into it", "someone will
  be in touch soon"). Offers that wait on the customer ("DM us and we'll take a look") and
  pleasantries ("we'll be happy to help") are not flagged: the customer can't hold anyone to
  them and nobody can track them.
* ``risky_promise`` — a time the team may not keep: sooner than the workspace's minimum lead
  time for that kind of action (its SLA), or at a time the team is closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.rules.base import Rule
from heedful.domain.promises import ExtractedPromise

if TYPE_CHECKING:
    from heedful.care.hours import BusinessCalendar

_ACTION = re.compile(
    r"\b(?:look(?:ing)?\s+into|check|investigate|fix|sort|resolve|get\s+back|come\s+back|be\s+in"
    r"\s+touch|reach\s+out|contact|call|ring|phone|e-?mail|message|dm|text|update|follow\s+up"
    r"|refund|replace|send|credit|compensate|escalate|chase|arrange|deliver|process|review"
    r"|let\s+you\s+know|keep\s+you\s+(?:posted|updated|informed)|find\s+out|reply|respond"
    r"|investigat\w*|raise|pass|feed\s+back|reimburse|rebook|waive|cancel|issue|ship|deal\s+with"
    r"|get\s+(?:\w+\s+){0,3}?(?:round|out|over|sent|fixed|sorted|back|done))\b",
    re.IGNORECASE,
)
_WAITS_ON_CUSTOMER = re.compile(
    r"\b(?:dm|direct\s+message|message|send|let\s+us\s+know|reach\s+out|contact\s+us|follow|raise"
    r"|submit|open|log|fill|complete|email|call"
    r"|share|provide|reply|tell\s+us|get\s+in\s+touch|drop\s+us|once|when|if|as\s+soon\s+as\s+you"
    r"|after\s+you)\b[^.!?]{0,60}$",
    re.IGNORECASE,
)
_PLEASANTRY = re.compile(
    r"\b(?:be\s+(?:happy|glad|delighted|pleased)\s+to|do\s+(?:our|my)\s+best|do\s+what\s+we\s+can"
    r"|continue\s+(?:there|from\s+there|in\s+dm)|go\s+from\s+there|take\s+it\s+from\s+there"
    r"|see\s+what\s+we\s+can\s+(?:do|suggest)|be\s+here|always\s+be"
    r"|pass\s+(?:(?:it|this|that|these|them|your|the|those|on|along|over)\s+){1,3}\w*"
    r"|(?:feed|send)\s+(?:it|this|that)\s+back|let\s+(?:us|me)\s+(?:look|take|check|see)"
    r"|keep\s+an\s+eye|you(?:'ll|\s+will|\s+should)\s+(?:receive|get|see|hear))\b",
    re.IGNORECASE,
)


_ASKS_CUSTOMER = re.compile(
    r"\b(?:dm|direct\s+message|message\s+us|send\s+us|let\s+us\s+know|tell\s+us|reach\s+out"
    r"|contact\s+us|share|provide|click|fill|follow\s+us)\b|\?\s*$",
    re.IGNORECASE,
)


_ROUGH_TIME = re.compile(
    r"\b(?:the\s+same\s+day|same[\s-]day|today|tonight|tomorrow|this\s+(?:morning|afternoon|evening"
    r"|week)|within\s+the\s+hour|first\s+thing|by\s+(?:the\s+)?end\s+of|(?:before|on|after)\s+"
    r"(?:delivery|arrival|collection|pick-?up|the\s+visit)|(?:on\s+)?(?:monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"\b(?:the\s+one|the\s+\w+|which|that)\s*$", re.IGNORECASE)
_ON_EVENT = re.compile(
    r"\b(?:when|once)\s+(?:it's|it\s+is|it\s+has|the\s+\w+\s+(?:is|has)|we\s+(?:have|hear"
    r"|know))\b",
    re.IGNORECASE,
)


class VaguePromiseRule(Rule[RuleSettings]):
    id = "vague_promise"
    title = "Vague promise"
    english_only = True
    default_severity = Severity.INFO

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        for promise in draft.promises:
            if promise.vague and _worth_flagging(draft, promise):
                yield self.finding(
                    promise.start,
                    promise.end,
                    "A promise with no time: the customer can't tell when to expect it.",
                    'Say when: "I\'ll call you by 3pm today" — a time you can keep.',
                )


def _worth_flagging(draft: DraftAnalysis, promise: ExtractedPromise) -> bool:
    span = draft.plain[promise.start : promise.end]
    if not _ACTION.search(span) or _PLEASANTRY.search(span) or _ON_EVENT.search(span):
        return False
    sentence = draft.sentence_at(promise.start)
    if _ROUGH_TIME.search(draft.plain, promise.start, sentence.end):
        return False  # "the same day", "tonight": a time the customer can hold them to
    before = draft.plain[sentence.start : promise.start]
    if _RELATIVE.search(before):
        return False  # "the account we'll refund to" describes, it doesn't promise
    if _WAITS_ON_CUSTOMER.search(before):
        return False
    previous = [s for s in draft.sentences if s.end <= sentence.start]
    return not (previous and _ASKS_CUSTOMER.search(previous[-1].text))


def _default_leads() -> dict[str, float]:
    return {"refund": 72.0, "replace": 48.0, "deliver": 24.0, "fix": 4.0}


def _default_team_actions() -> list[str]:
    return ["call", "dm", "email", "reply", "update", "visit", "investigate", "escalate", "other"]


# The extractor's "send" covers both "send you the link" and "send a replacement": the words
# of the promise say which lead time applies.
_REPLACE = re.compile(r"\breplac\w*|\bnew\s+(?:one|card|unit|device|phone|handset)\b", re.I)
_DISPATCH = re.compile(r"\b(?:send|sending|sent|post|posting|dispatch\w*)\b", re.I)
_DELIVER = re.compile(r"\bdeliver\w*|\bdispatch\w*|\barriv\w*", re.I)


_REFUND = re.compile(r"\brefund\w*|\bmoney\s+back\b|\breimburs\w*", re.I)


def promise_kind(promise: ExtractedPromise, span: str, sentence: str = "") -> str:
    """The promise's action, with "send" told apart into replace / deliver where it says so,
    and "other" ("you'll have it by tomorrow") read from the rest of its sentence."""
    if promise.action == "other" and sentence:
        for kind, pattern in (("refund", _REFUND), ("replace", _REPLACE), ("deliver", _DELIVER)):
            if pattern.search(sentence):
                return kind
    if promise.action == "send" and _REPLACE.search(span) and not _DISPATCH.search(span):
        return "replace"  # "you'll have a new card by …"; sending one out today is keepable
    if promise.action == "send" and _DELIVER.search(span):
        return "deliver"
    return promise.action


class RiskyPromiseSettings(RuleSettings):
    min_lead_hours: dict[str, float] = Field(
        default_factory=_default_leads,
        description="the soonest an action of each kind can honestly be promised",
    )
    default_min_lead_hours: float = Field(0.0, ge=0)
    team_actions: list[str] = Field(
        default_factory=_default_team_actions,
        description="actions the team does itself: only these are risky when it is closed",
    )
    business_hours: dict[str, Any] | None = Field(
        None, description="a BusinessCalendar spec; promises when the team is closed are risky"
    )

    @cached_property
    def calendar(self) -> BusinessCalendar | None:
        if self.business_hours is None:
            return None
        from heedful.care.hours import BusinessCalendar

        return BusinessCalendar.from_spec(self.business_hours)


class RiskyPromiseRule(Rule[RiskyPromiseSettings]):
    id = "risky_promise"
    title = "Promise you may not keep"
    settings_model = RiskyPromiseSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        for promise in draft.promises:
            # no time, a time already past, or "right away" (due now) is not a time to check
            if promise.due_at is None or promise.due_at <= draft.now + timedelta(minutes=1):
                continue
            sentence = draft.sentence_at(promise.start).text
            kind = promise_kind(promise, draft.plain[promise.start : promise.end], sentence)
            problem = self._problem(kind, promise.due_at, draft.now)
            if problem:
                yield self.finding(
                    promise.start,
                    promise.end,
                    problem,
                    "Promise a time your team can keep: check the SLA and the opening hours.",
                )

    def _problem(self, kind: str, due: datetime, now: datetime) -> str | None:
        lead = self.settings.min_lead_hours.get(kind, self.settings.default_min_lead_hours)
        if due < now + timedelta(hours=lead):
            return f"Sooner than a {kind} can usually be done ({lead:g} h)."
        calendar = self.settings.calendar
        if (
            calendar is not None
            and kind in self.settings.team_actions
            and _closed_at(calendar, due)
        ):
            return "Due when the team is closed."
        return None


def _closed_at(calendar: BusinessCalendar, due: datetime) -> bool:
    day = calendar.local_date(due)
    if not calendar.is_working_day(day):
        return True
    local = due.astimezone(calendar.zone)
    end_of_day = local.hour == 23 and local.minute == 59  # "by Friday" means any time that day
    return not end_of_day and not calendar.is_open(due)
