"""``generic_redirect``: the draft sends the customer to a generic form, web page, help centre
or phone line instead of helping, or promises an answer on a slow channel ("fill in the form
on our website and we'll reply within 36 hours" — the PRODUCT.md case).

Pointing to *specific* help is good: a named article, steps to try, a question about their
case, or a private message with the agent who is already helping ("DM us your order number")
are not generic. When the draft already gives such help, a secondary pointer to a general
channel is left alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import Cue, find_cues, rx

_CONTACT = (
    r"(?:contact|call|ring|phone|dial|speak\s+(?:to|with)|talk\s+to|get\s+in\s+touch\s+with"
    r"|reach\s+out\s+to|reach|get\s+hold\s+of|e-?mail|write\s+to|message|raise\s+(?:this|it)\s+with"
    r"|report\s+(?:this|it)\s+to|contacting|calling|reaching\s+out\s+to|go\s+through|refer\s+to"
    r"|be\s+(?:transferred|referred|passed)\s+to|direct\s+(?:you|your\s+\w+)\s+to)"
)
_GENERIC_TEAM = (
    r"(?:our|the)\s+(?:(?:\w+|[\w-]+\s+\w+)\s+)?(?:customer\s+(?:service|services|care|support"
    r"|relations|experience)(?:\s+(?:team|department|line|desk|centre|center|number))?|helpline"
    r"|help\s*desk|hotline|help\s+line|call\s+cent(?:re|er)|contact\s+cent(?:re|er)|support"
    r"\s+(?:line|team|desk|number|staff)|service\s+desk|phone\s+line|complaints?\s+(?:team"
    r"|department)|relevant\s+(?:team|department)|appropriate\s+(?:team|department)"
    r"|(?:\w+\s+)?department|(?:\w+\s+)?cent(?:re|er)\s+team)"
)
_PAGE = (
    r"(?:web\s*site|site|home\s*page|web\s*page|online\s+help|help\s*(?:cent(?:re|er)|pages?"
    r"|section|site|hub|portal|area)|support\s+(?:site|page|pages|cent(?:re|er)|portal|hub"
    r"|section|website)|contact(?:\s+us)?\s+(?:page|form|section)|faqs?|f\.a\.q\.?s?"
    r"|frequently\s+asked\s+questions|community(?:\s+forums?)?|forums?|knowledge\s*base"
    r"|customer\s+portal|self[-\s]service(?:\s+portal)?)"
)
_FORM = (
    r"(?:(?:fill(?:ing)?\s+(?:in|out)|complete|completing|submit|submitting|use|using|via"
    r"|through|on)\s+(?:our|the|this|that|a|an)\s+(?:\w+\s+){0,2}form\b(?!\s+of\b)"
    r"|\b(?:online|web|contact|complaints?|feedback|enquiry|inquiry|claims?|support|request)"
    r"\s+form\b)"
)
_SLOW = (
    r"(?:reply|respond|get\s+back\s+(?:to\s+you)?|be\s+in\s+touch|contact\s+you|hear\s+from\s+us"
    r"|response|answer|reach\s+out(?:\s+to\s+you)?|come\s+back\s+to\s+you|follow\s+up)"
    r"[^.!?]{0,40}?\b(?:within|in|up\s+to|after|over\s+the\s+next)\s+(?:the\s+next\s+)?"
    r"(?:\d+|one|two|three|four|five|six|seven|ten|fourteen|a\s+few|several|a\s+couple\s+of)"
    r"(?:\s*(?:-|to)\s*\d+)?\s*(?:working\s+|business\s+|calendar\s+)?(?:hours?|hrs?|days?"
    r"|weeks?|months?)"
    r"|\ballow\s+(?:up\s+to\s+)?(?:\d+|one|two|three|five|ten|a\s+few)\s*(?:-\s*\d+\s*)?"
    r"(?:working\s+|business\s+)?(?:hours?|days?|weeks?)\s+for\s+(?:a\s+)?(?:reply|response"
    r"|an?\s+answer|us\s+to\s+(?:reply|respond|get\s+back))"
    r"|\bin\s+due\s+course\b"
)
_NOT_ASKING = rx(
    r"(?:\bnot|n't|\bno\s+need\s+to|\binstead\s+of|\brather\s+than|\bwithout)\b[^.!?]{0,25}$"
)
_ASKING_IF_DONE = rx(r"\b(?:have|did|has|were|was)\s+you\b|\bif\s+you(?:'ve|\s+have)\b")
_SPECIFIC = rx(
    r"\b(?:try(?:ing)?|restart|re-?start|reboot|reset|update|updating|reinstall|re-?install|clear"
    r"|turn\s+(?:off|on)|switch\s+(?:off|on)|power\s+cycle|log\s+out|sign\s+out|go\s+to\s+settings"
    r"|settings\s*>|tap|toggle|unplug|plug)\b"
    r"|\b(?:this|these|the\s+following|our)\s+(?:article|guide|steps|instructions|walkthrough"
    r"|tutorial|video)\b|\bhere's\s+how\b|\bhow\s+to\b|\bsteps?\s+(?:here|below)\b"
    r"|\b(?:i|we)(?:'ve|\s+have)\s+(?:just\s+|now\s+|already\s+)?(?:escalated|raised|refunded"
    r"|credited|checked|asked|passed|logged|reported|booked|arranged|sent|reset|fixed|cancelled"
    r"|rebooked|issued|added|updated|contacted|spoken|flagged)"
    r"|\b(?:i|we)(?:'ll|\s+will)\s+(?:call|ring|phone|email|e-mail|message|dm|text)\s+you\b"
    r"|\b(?:i|we)(?:'ll|\s+will|'m|\s+am|'re|\s+are)\s+(?:now\s+|going\s+to\s+)?(?:unblock|refund"
    r"|replace|send|fix|rebook|credit|reset|restore|chase|book|arrange|cancel|escalate)\w*"
    r"|\b(?:dm|direct\s+message|private\s+message|pm)\s+(?:us|me)\s+(?:your|the|with|a)\b"
    r"|\b(?:which|what|when|where|how|is|are|does|do|did|have|has|can|could)\b[^.!?]*\?"
)

_SUGGESTION = (
    "Help here, or take it to a private message with you: answer their question, give the "
    "specific article or step, or say what you will do and when."
)

CUES = (
    Cue(
        rx(r"\b", _FORM),
        "Sends the customer to a generic form.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(
            r"\b(?:visit(?:ing)?|check(?:ing)?(?:\s+out)?|see|go(?:ing)?\s+to|head\s+(?:over\s+)?to"
            r"|refer(?:ring)?\s+to|look(?:ing)?\s+at"
            r"|take\s+a\s+look\s+at|have\s+a\s+look\s+at|browse|consult|search|read|use|try"
            r"|available\s+on|found\s+on|find\s+(?:it|this|the\s+\w+|more|everything|all|answers?"
            r"|information|info|details)\s+on|(?:information|info|details|answers?)\s+(?:is\s+|are\s+)?"
            r"on|via|through|contact\s+us\s+(?:on|via|through))\s+(?:our|the)\s+(?:official\s+)?",
            _PAGE,
            r"\b",
        ),
        "Sends the customer to a general web page or help centre.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(r"\b", _CONTACT, r"\s+", _GENERIC_TEAM, r"\b"),
        "Sends the customer to a general phone line or team.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(
            r"\b(?:call|ring|phone|dial)\s+(?:us\s+)?(?:on|at)?\s*\+?\(?\d[\d\s().-]{6,}\d"
            r"|\bgive\s+us\s+a\s+(?:call|ring)\b|\b(?:call|ring|phone)\s+(?:the\s+)?(?:number|line)"
            r"\s+on\s+(?:the\s+back\s+of\s+)?(?:your|the\s+card)\b|\b(?:contact|call|ring|phone|speak\s+to)"
            r"\s+(?:the|our)\s+(?:[\w-]+\s+){0,3}(?:team|line|service|desk|department|office|unit)"
            r"\s+(?:on|at)\s+\+?\(?\d|\b(?:our|the)\s+(?:number|line)\s+(?:is|on)\s+"
            r"\+?\(?\d"
        ),
        "Sends the customer to a phone line.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(
            r"\b(?:e-?mail|write\s+to)\s+us\s+(?:at|on|via)\b|\bdrop\s+us\s+an?\s+e-?mail\b"
            r"|\bsend\s+(?:us\s+)?an\s+e-?mail\s+to\b"
        ),
        "Sends the customer to e-mail.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
    ),
    Cue(
        rx(_SLOW),
        "Promises an answer only after a long wait.",
        "Answer now, or give the soonest real time you can keep.",
        unless_sentence=rx(
            r"\b(?:refund|money|credit|miles|points|parcel|package|order|delivery"
            r"|arrive|dispatch|ship|card|funds|payment|charge|transfer)\w*\b"
        ),
    ),
)


class RedirectSettings(RuleSettings):
    slow_hours: float = Field(
        24.0, gt=0, description="a promised reply later than this is a slow channel"
    )


class GenericRedirectRule(Rule[RedirectSettings]):
    id = "generic_redirect"
    title = "Generic redirect"
    settings_model = RedirectSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        hits = list(find_cues(draft, CUES))
        if not hits:
            return
        specific = _SPECIFIC.search(draft.plain) is not None
        for hit in hits:
            slow = hit.cue is CUES[-1]
            if slow and not _slow_enough(draft.plain[hit.start : hit.end], self.settings):
                continue
            if specific and not slow:
                continue
            yield self.finding(hit.start, hit.end, hit.cue.message, hit.cue.suggestion)


_AMOUNT = re.compile(
    r"(\d+|one|two|three|four|five|six|seven|ten|fourteen|a\s+few|several|a\s+couple\s+of)"
    r"(?:\s*(?:-|to)\s*(\d+))?\s*(?:working\s+|business\s+|calendar\s+)?(hour|hr|day|week|month)",
    re.IGNORECASE,
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_UNIT_HOURS = {"hour": 1, "hr": 1, "day": 24, "week": 168, "month": 720}


def _slow_enough(span: str, settings: RedirectSettings) -> bool:
    match = _AMOUNT.search(span)
    if match is None:
        return True  # "in due course"
    low, high, unit = match.groups()
    number = int(high or low) if (high or low).isdigit() else _WORDS.get(low.lower(), 3)
    return number * _UNIT_HOURS[unit.lower()] >= settings.slow_hours
