"""``generic_redirect``: the draft sends the customer to a generic form, web page, help centre,
ticket queue, branch or phone line instead of helping, or promises an answer on a slow channel
("fill in the form on our website and we'll reply within 36 hours" — the PRODUCT.md case).

Not generic:

* specific help in the draft — a named article or a deep link, steps to try, a question about
  their case, what the agent has done or will do, or a private message with the agent who is
  already helping ("DM us your order number"); a secondary pointer to a general channel is then
  left alone;
* the answer to the customer's own question about where or how to get help ("What's the
  number for your fraud team?" → "It's 0800 …"; "Is there a complaints form?" → "It's at …").

Besides its phrases the rule has a learned model (:mod:`heedful.coach.learned`): when no phrase
matches and the model's probability reaches the rule's threshold, it flags the sentence the
model scores highest (per workspace: ``model``, ``model_threshold``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import ModelRuleSettings
from heedful.coach.findings import Finding
from heedful.coach.learned import ASKED_WHERE
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import Cue, find_cues, rx

_CONTACT = (
    r"(?:contact(?:ing)?|call(?:ing)?|ring(?:ing)?|phone|dial|speak\s+(?:to|with)|talk\s+to"
    r"|get\s+in\s+touch\s+with|reach(?:ing)?\s+out\s+to|reach|get\s+hold\s+of|e-?mail(?:ing)?"
    r"|write\s+to|message|raise\s+(?:this|it)\s+with|report\s+(?:this|it)\s+to|go\s+through"
    r"|refer\s+(?:you\s+)?to|be\s+(?:transferred|referred|passed)\s+to|direct\s+(?:you|your\s+\w+)"
    r"\s+to|give|visit(?:ing)?|pop\s+(?:in|into)|go\s+(?:in)?to)"
)
_PEOPLE = (
    r"(?:team|department|dept|line|helpline|hotline|help\s*desk|desk|office|call\s+cent(?:re|er)"
    r"|contact\s+cent(?:re|er)|cent(?:re|er)|services|branch|reception|specialists|advisors"
    r"|practice|surgery|clinic|store|shop|club|portal"
    r"|advisers|agents|colleagues|experts)"
)
_GENERIC_TEAM = (
    r"(?:(?:our|the|your\s+local|a\s+local|your\s+nearest|the\s+nearest)\s+(?:[\w&/-]+\s+){0,3}?"
    rf"{_PEOPLE}|(?-i:(?:[A-Z][\w&-]+\s+){{1,3}}(?:Services|Team|Department|Office|Centre|Center"
    r"|Desk|Line|Unit))|(?:customer\s+)?support(?!\s+(?:you|them|us)))"
)
_PAGE = (
    r"(?:web\s*site|site|home\s*page|web\s*page|online\s+help|help\s*(?:cent(?:re|er)|pages?"
    r"|section|site|hub|portal|area)|support\s+(?:site|page|pages|cent(?:re|er)|portal|hub|section"
    r"|website|community)|contact(?:\s+us)?\s+(?:page|form|section)|faqs?|f\.a\.q\.?s?"
    r"|frequently\s+asked\s+questions|community(?:\s+forums?)?|forums?|knowledge\s*base|documentation"
    r"|docs|(?:customer|tenant|member|client|patient|student|online|self[-\s]service)\s+portal"
    r"|portal|admin\s+console|console|dashboard|status\s+page|policy\s+documents"
    r"|help\s+section\s+(?:of|in)\s+the\s+app)"
)
_WEB_PLACE = (
    rf"(?:(?:our|the|your)\s+(?:official\s+|main\s+|online\s+)?(?:[\w-]+\s+){{0,2}}?{_PAGE}"
    r"|(?:[\w-]+\s+){1,3}(?:section|page|part|area)\s+of\s+(?:our|the)\s+(?:web\s*site|site|app)"
    r"|(?:our|the)\s+(?:web\s*site|site))\b"
)
_FORM = (
    r"(?:(?:fill(?:ing)?\s+(?:in|out)|complete|completing|submit|submitting|use|using|via"
    r"|through|on)\s+(?:our|the|this|that|a|an)\s+(?:[\w-]+\s+){0,2}form\b(?!\s+of\b)"
    # a form they already filled in, or one that is part of the service: not a redirect
    r"(?!\s+(?:(?:that|which)\s+)?you\s+(?:signed|filled|completed|submitted|agreed|sent|returned)\b)"
    r"(?!\s+(?:each|every)\b)"
    r"|\b(?:online|web|contact|complaints?|feedback|enquiry|inquiry|claims?|support|request)"
    r"\s+form\b)"
)
_GENERIC_URL = (
    r"(?<![\w@/.-])(?:https?://)?(?:www\.)?(?!t\.co/)(?:[a-z0-9-]+\.)+[a-z]{2,}"
    r"(?:/(?:help|support|contact(?:-?us)?|faqs?|track(?:ing)?|feedback|new|tickets?|customer"
    r"-?service|complaints?))?/?(?=[\s.,;!?)]|$)"
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
    r"(?:\bno\s+need\s+to|\binstead\s+of|\brather\s+than|\bwithout|\b(?:do|did)(?:n't|\s+not)"
    r"\s+(?:need|have)\s+to|\bnot\s+(?:need|have)\s+to|\bnever)\b[^.!?]{0,25}$|(?:\bnot|n't)\s+$"
)
_ASKING_IF_DONE = rx(
    r"\b(?:have|did|has|were|was)\s+you\b|\bif\s+you(?:'ve|\s+have|\s+already)\b|\balready\b"
    r"|\byou(?:'ve|\s+have)\s+(?:been\s+able\s+to|managed\s+to)"
    r"|\b(?:link|send|share|tell|show|confirm|provide)\s+(?:us|me)\b[^.!?]*\?"
)
# The agent will contact the team themself: that is help, not a redirect.
_WE_DO_IT = rx(
    r"\b(?:we|i)(?:'ll|'d|'ve|\s+will|\s+would|\s+can|\s+could|\s+shall|\s+have|\s+are\s+going\s+to"
    r"|'re\s+going\s+to|'m\s+going\s+to|\s+am\s+going\s+to)?\s+(?:now\s+|also\s+|just\s+)?$"
)
# A bare "on our website" counts only where the sentence sends them there.
_SENDS = rx(
    r"\b(?:please|kindly|just|simply|you\s+(?:can|could|may|might|will|'ll|should|need|must|have\s+to)"
    r"|you'll|can\s+be|(?:is|are)\s+(?:available|listed|shown|explained|found)|check|visit|see|find"
    r"|use|go|head|report|submit|claim|apply|track|log\s+in|sign\s+in)\b"
)
_SPECIFIC = rx(
    r"\b(?:try(?:ing)?|restart|re-?start|reboot|reset|update|updating|reinstall|re-?install|clear"
    r"|turn\s+(?:off|on)|switch\s+(?:off|on)|power\s+cycle|log\s+out|sign\s+out|go\s+to\s+settings"
    r"|tap|toggle|unplug|plug|run\s+the)\b|\w\s*>\s*\w"
    r"|\b(?:this|these|the\s+following)\s+(?:article|guide|steps|instructions|walkthrough"
    r"|tutorial|video)\b|\b(?:here's|this\s+is|that's)\s+how\b|\bhow\s+to\b[^.!?]*(?:https?://|:)"
    r"|\bsteps?\s+(?:here|below)\b"
    r"|\b(?:i|we)(?:'ve|\s+have)\s+(?:just\s+|now\s+|already\s+)?(?:escalated|raised|refunded"
    r"|credited|checked|asked|passed|logged|reported|booked|arranged|sent|reset|fixed|cancelled"
    r"|rebooked|issued|added|updated|contacted|spoken|flagged|opened|stopped|unblocked|moved)"
    r"|\b(?:i|we)(?:'ll|\s+will)\s+(?:call|ring|phone|email|e-mail|message|dm|text)\s+you\b"
    r"|\b(?:i|we)(?:'ll|\s+will|'m|\s+am|'re|\s+are)\s+(?:now\s+|going\s+to\s+)?(?:unblock|refund"
    r"|replace|send|fix|rebook|credit|reset|restore|chase|book|arrange|cancel|escalate)\w*"
    r"|\b(?:dm|direct\s+message|private\s+message|pm)\s+(?:us|me)\s+(?:your|the|with|a)\b"
    r"|\b(?:which|what|when|where|how)\b[^.!?]*\?"
    r"|\b(?:is|are|does|do|did|has|have)\s+(?:it|this|that|the|your|you)\b[^.!?]*\?"
    r"|https?://[^\s/]+/[^\s]*[-_/][^\s]*"  # a deep link: an article, not a front door
)
# The customer asked where or how to get help, or how long an answer takes: telling them is
# an answer, not a redirect.
_ASKED_WHERE = ASKED_WHERE

# A concrete contact point or place: a phone number, an e-mail address, a link, a menu path.
_CONCRETE = rx(
    r"\+?\(?\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|\b(?:www\.)?[\w-]+\.[a-z]{2,}"
    r"(?:\.[a-z]{2,})?/\S*|\w\s*>\s*\w|\blive\s+chat\b|\bchat\b"
)

_SUGGESTION = (
    "Help here, or take it to a private message with you: answer their question, give the "
    "specific article or step, or say what you will do and when."
)
_MODEL_MESSAGE = "Sends the customer to a general channel instead of helping with their case."
_GUARDS: dict[str, Any] = {"unless_before": _NOT_ASKING, "unless_sentence": _ASKING_IF_DONE}
_NOT_US = rx(_NOT_ASKING.pattern, "|", _WE_DO_IT.pattern)

CUES = (
    Cue(
        rx(r"\b", _FORM),
        "Sends the customer to a generic form.",
        _SUGGESTION,
        unless_before=rx(
            _NOT_ASKING.pattern,
            r"|\b(?:explained|stated|set\s+out|shown|written|printed|listed|ticked|requested\s+by"
            r"\s+you)\s+$",
        ),
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(
            r"\b(?:visit(?:ing)?|check(?:ing)?(?:\s+out)?|see|go(?:ing)?\s+(?:on)?to|head(?:ing)?\s+"
            r"(?:over\s+)?to|refer(?:ring)?\s+to|look(?:ing)?\s+(?:at|on|in)|take\s+a\s+look\s+(?:at|on)"
            r"|have\s+a\s+look\s+(?:at|on)|browse|consult|search|read|use|try|available\s+(?:on|in|at)"
            r"|found\s+(?:on|in|at)|listed\s+(?:on|in|at)|made\s+(?:on|in|at|via|through)"
            r"|done\s+(?:on|in|at|via|through)|find\s+(?:[\w-]+\s+){0,5}?(?:on|in|at)"
            r"|(?:information|info|details|answers?)\s+(?:is\s+|are\s+)?(?:on|in|at)"
            r"|via|through|contact\s+us\s+(?:on|via|through))\s+",
            _WEB_PLACE,
        ),
        "Sends the customer to a general web page or help centre.",
        _SUGGESTION,
        **_GUARDS,
    ),
    Cue(
        rx(r"(?<=\s)(?:on|in|at|via|through|from)\s+", _WEB_PLACE),
        "Sends the customer to a general web page or help centre.",
        _SUGGESTION,
        only_after=_SENDS,
        **_GUARDS,
    ),
    Cue(
        rx(r"\b", _CONTACT, r"\s+", _GENERIC_TEAM, r"\b"),
        "Sends the customer to a general phone line or team.",
        _SUGGESTION,
        unless_before=_NOT_US,
        unless_sentence=_ASKING_IF_DONE,
    ),
    Cue(
        rx(
            r"\b(?:call|ring|phone|dial|contact|reach)(?:ing)?\s+(?:us|them|(?:the|our)\s+(?:[\w-]+\s+){0,3}?"
            r"(?:team|line|service|desk|department|office|unit|number))?\s*(?:directly\s+)?(?:on|at)?\s*"
            r"\+?\(?\d[\d\s().-]{6,}\d"
            r"|\bgive\s+(?:us|them|(?:our|the)\s+(?:[\w-]+\s+){0,3}?(?:team|line|desk))\s+a\s+(?:call"
            r"|ring|bell)\b|\b(?:call|ring|phone)\s+(?:the\s+)?(?:number|line)\s+on\s+(?:the\s+back"
            r"\s+of\s+)?(?:your|the\s+card)\b|\b(?:our|the)\s+(?:number|line)\s+(?:is|on)\s+\+?\(?\d"
        ),
        "Sends the customer to a phone line.",
        _SUGGESTION,
        **_GUARDS,
    ),
    Cue(
        rx(
            r"\b(?:e-?mail|write\s+to)\s+(?:us|them)\s+(?:at|on|via)\b|\bdrop\s+us\s+an?\s+e-?mail\b"
            r"|\bsend\s+(?:us\s+|them\s+)?(?:an\s+e-?mail|[\w\s]{0,20}?\bto\s+[\w.+-]+@)"
            r"|\b(?:reach\s+out|write|get\s+in\s+touch)\s+(?:to|with)\s+[\w.+-]+@[\w-]+\.[\w.]+"
            r"|\b(?:e-?mail|contact|message)\s+(?:[\w-]+\s+){0,2}?(?:customer\w*|support|help|care|info"
            r"|service\w*|enquiries|complaints|contact|hello|team)[\w.-]*@[\w-]+\.[\w.]+"
            r"|\be-?mail\s+(?:the|our)\s+(?:[\w-]+\s+){0,3}?",
            _PEOPLE,
        ),
        "Sends the customer to e-mail.",
        _SUGGESTION,
        unless_before=_NOT_ASKING,
    ),
    Cue(
        rx(
            r"\b(?:go|pop|come|head)\s+(?:in)?to\s+(?:a|any|your|the|our)\s+(?:local\s+|nearest\s+)?"
            r"(?:branch|store|shop|club|office|reception)"
            r"|\b(?:raise|open|submit|log|create|file)\s+(?:a|an)\s+(?:[\w-]+\s+)?(?:ticket|case"
            r"|request)\b"
            r"|\b(?:visit|go\s+(?:in)?to|pop\s+(?:in)?to)\s+(?:a|any|your\s+(?:local|nearest)|the\s+nearest"
            r"|one\s+of\s+our)\s+(?:branch|store|shop|club|office)(?:es|s)?\b"
            r"|\b(?:visit|check|see|go\s+to|head\s+(?:over\s+)?to|here:?|at|via|on)\s+",
            _GENERIC_URL,
        ),
        "Sends the customer to a generic channel.",
        _SUGGESTION,
        **_GUARDS,
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
_SLOW_CUE = CUES[-1]


class RedirectSettings(ModelRuleSettings):
    slow_hours: float = Field(
        24.0, gt=0, description="a promised reply later than this is a slow channel"
    )


class GenericRedirectRule(Rule[RedirectSettings]):
    id = "generic_redirect"
    title = "Generic redirect"
    english_only = True
    settings_model = RedirectSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if _ASKED_WHERE.search(draft.draft.customer) and _CONCRETE.search(draft.plain):
            return  # they asked where or how, and the draft tells them exactly
        hits = list(find_cues(draft, CUES))
        specific = _SPECIFIC.search(draft.plain) is not None
        found = False
        for hit in hits:
            slow = hit.cue is _SLOW_CUE
            if slow and not _slow_enough(draft.plain[hit.start : hit.end], self.settings):
                continue
            if specific and not slow:
                continue
            found = True
            yield self.finding(hit.start, hit.end, hit.cue.message, hit.cue.suggestion)
        if not found:
            learned = self.model_finding(draft, _MODEL_MESSAGE, _SUGGESTION)
            if learned is not None:
                yield learned


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
