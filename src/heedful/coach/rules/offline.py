"""``take_offline``: the matter needs personal details or a long exchange and the draft is
public. Two cases: the draft asks for personal details in public without pointing to a
private channel; or the customer raises a sensitive matter (a hacked account, fraud, health,
a bereavement…) and the public draft starts questioning them about it. The suggestion keeps a
short public acknowledgement and moves the rest to a private message."""

from __future__ import annotations

from collections.abc import Iterator

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import rx

_DETAIL = (
    r"(?:your|the\s+(?=\w+\s+(?:number|no|#|reference|ref|code)))\s*(?:full\s+|home\s+|house\s+)?"
    r"(?:(?:[\w-]+\s+){0,3}?(?:and|&)\s+)?(?:(?:house|flat|door)\s+number|(?:order|account"
    r"|acct|booking|reference|ref|tracking|membership|policy|customer|loyalty|card|phone|mobile"
    r"|contact|telephone|cell|confirmation|reservation|passport|ticket)\s*(?:number|no\.?|#"
    r"|details|ref(?:erence)?|code)|e-?mail(?:\s+address)?|(?:home\s+|postal\s+|delivery\s+"
    r"|billing\s+)?address|post\s*code|zip(?:\s+code)?|date\s+of\s+birth|dob|full\s+name|name"
    r"|last\s+(?:four|4)\s+digits|password|pin|sort\s+code|iban|pnr|booking\s+reference"
    r"|personal\s+details|account\s+details|contact\s+details|card\s+details|bank\s+details)"
)
_ASK = rx(
    r"\b(?:send|give|tell|share|provide|post|reply(?:\s+here)?\s+with|respond(?:\s+here)?\s+with"
    r"|tweet|include|confirm|pop|drop|put|leave|type|add|write"
    r"|let\s+us\s+know|let\s+me\s+know|what(?:'s|\s+is|\s+are)|can\s+(?:we|i)\s+(?:have|get|take)"
    r"|may\s+(?:we|i)\s+(?:have|get|take)|need)\b[^.!?]{0,30}?\b",
    _DETAIL,
    r"\b",
)
_PRIVATE = rx(
    r"\b(?:dm|dms|d\.m\.|direct\s+message|private\s+message|pm|privately|in\s+private|inbox"
    r"|messenger|secure(?:d)?\s+(?:link|form|message|chat)|by\s+e-?mail|e-?mail\s+us|call\s+us"
    r"|follow\s+(?:us\s+)?back|message\s+us|private\s+chat|live\s+chat|by\s+phone|over\s+the\s+phone)\b"
    r"|https?://|\bwww\."
)
_DONT = rx(r"(?:\bnot|n't|\bnever|\bwithout|\bno\b|\bavoid)\b[^.!?]{0,30}$")
_SENSITIVE = rx(
    r"\b(?:hacked|compromised|fraud\w*|scam(?:med|mer)?s?|stolen|identity\s+theft|unauthori[sz]ed"
    r"|phishing|locked\s+out|bank\s+details|card\s+(?:was\s+|has\s+been\s+|got\s+)?(?:blocked"
    r"|frozen|stopped|cloned)|blocked\s+(?:my\s+)?card|debt|arrears|bailiffs?|medical|medication"
    r"|prescription|diagnos\w+|surgery|hospital|bereave\w*|passed\s+away|died|funeral"
    r"|disabilit\w*|wheelchair|pregnan\w*|harass\w*|assault\w*|discriminat\w*|data\s+breach"
    r"|leaked|gdpr|personal\s+(?:data|details|information))\b"
)


_PROBING = rx(r"\b(?:when|what|which|where|how\s+(?:much|many)|who)\b|", _DETAIL)


class TakeOfflineRule(Rule[RuleSettings]):
    id = "take_offline"
    title = "Take it offline"
    english_only = True

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if not draft.draft.public or _PRIVATE.search(draft.plain):
            return
        for match in _ASK.finditer(draft.plain):
            before = draft.plain[draft.sentence_at(match.start()).start : match.start()]
            if not _DONT.search(before):
                yield self.finding(
                    match.start(),
                    match.end(),
                    "Asks for personal details in a public reply.",
                    "Ask for them in a private message instead, and keep a short public reply "
                    '("I\'ve sent you a DM so we can sort this out").',
                )
                return
        yield from self._sensitive(draft)

    def _sensitive(self, draft: DraftAnalysis) -> Iterator[Finding]:
        topic = _SENSITIVE.search(draft.draft.customer)
        if topic is None or not draft.mood.upset:
            return
        for sentence in draft.sentences:
            if sentence.text.rstrip().endswith("?") and _PROBING.search(sentence.text):
                yield self.finding(
                    sentence.start,
                    sentence.end,
                    f"The customer raised a sensitive matter ({topic.group(0).lower()}); "
                    "questions about it belong in private.",
                    "Acknowledge in public, then move to a private message: \"I'm sorry — "
                    "I've sent you a DM so we can look at this safely.\"",
                )
                return
