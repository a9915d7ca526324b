"""``no_empathy``: the customer is upset or complaining, and the reply neither acknowledges it
nor apologises in a way specific to them. "We apologise for any inconvenience" alone is not
specific. Whether the customer is upset comes from the coach's mood reader (triage when the
workspace has it, plain cues otherwise)."""

from __future__ import annotations

from collections.abc import Iterator

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import rx

_GENERIC_APOLOGY = rx(
    r"\b(?:(?:we|i)\s+)?(?:apologi[sz]e|(?:are|am|'re|'m)\s+sorry|sorry|apologies)\s+(?:for\s+)?"
    r"(?:any|the)\s+inconvenience(?:\s+(?:this|that|it)\s+(?:may\s+have|might\s+have|has|have)?"
    r"\s*caused)?(?:\s+caused)?"
)
_LATER_PART = rx(r"(?<![\d/])\(?(?:[2-9])/[2-9]\)?(?![\d/])")
_EMPATHY = rx(
    r"\bsorry\b|\bapolog|\bmy\s+bad\b|(?<!not\s)\bour\s+(?:mistake|bad)\b|\bunderstand|\bcan\s+(?:only\s+)?imagine"
    r"|\bfrustrat|\bannoy|\bdisappoint|\bupset|\bstress|\bworr(?:y|ying|ied)\b|\binconvenien"
    r"|\bnot\s+(?:the\s+(?:experience|service|news)|what\s+(?:we|you)|good|ok|okay|acceptable"
    r"|right|on|great|ideal|fair)\b|\bunacceptable\b"
    r"|\b(?:we|i)\s+(?:don't|do\s+not|never)\s+(?:want|like)"
    r"|\b(?:oh\s+no|uh\s+oh|oh\s+dear|yikes|oops|eek|ugh)\b|\bwe\s+hear\s+you|\bi\s+hear\s+you"
    r"|\b(?:i|we)\s+get\s+(?:it|that|you|why|how)|\bthat\s+(?:sounds|must|is)\s+(?:\w+\s+)?"
    r"(?:awful|terrible|rough|tough|hard|horrible|annoying|frustrating|difficult|stressful)"
    r"|\bthanks?\s+(?:you\s+)?for\s+(?:your\s+patience|bearing|letting\s+us\s+know|flagging"
    r"|bringing|raising|reporting|telling|sharing|the\s+heads)|\bappreciate\s+your\s+patience"
    r"|\b(?:we|i)(?:'d|\s+would|\s+want|'re\s+here|\s+are\s+here|\s+can|'ll|\s+will)\s+"
    r"(?:(?:love|like|want|be\s+(?:glad|happy))\s+to\s+)?(?:help|make\s+(?:this|it|things)\s+right"
    r"|put\s+(?:this|it)\s+right|sort|fix|look\s+into|get\s+(?:this|it|you))"
    r"|\b(?:help|assist|support)|\btake\s+a\s+(?:closer\s+|better\s+|further\s+)?look|\blook\s+into"
    r"|\bwork\s+(?:together|with\s+you)|\bimportant\b|\bhere\s+for\s+you|\bget\s+(?:this|it|you)"
    r"\s+(?:sorted|fixed|resolved|taken\s+care)|\bsorted\b|\bhmm+|\bthat's\s+(?:strange|odd|weird)"
    r"|\bhelp(?:'s|\s+is)\s+here|\blet's\s+(?:get|fix|sort|figure|look|take|see)|\bno\s+fun\b"
    r"|\bthat's\s+(?:a\s+)?(?:shame|pity)|\bconcern|\bhear\s+(?:this|that|about)",
)


class NoEmpathyRule(Rule[RuleSettings]):
    id = "no_empathy"
    title = "No empathy for an upset customer"

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if not draft.mood.upset or _LATER_PART.search(draft.plain):
            return
        text = _GENERIC_APOLOGY.sub(" ", draft.plain)
        if _EMPATHY.search(text):
            return
        generic = _GENERIC_APOLOGY.search(draft.plain)
        why = ", ".join(draft.mood.reasons) or "their words"
        if generic:
            yield self.finding(
                generic.start(),
                generic.end(),
                f"The customer is upset ({why}) and the only apology is a generic one.",
                "Name what went wrong for them: \"I'm sorry your parcel still hasn't arrived.\"",
            )
            return
        first = draft.sentences[0] if draft.sentences else None
        start, end = (first.start, first.end) if first else (0, len(draft.text))
        yield self.finding(
            start,
            end,
            f"The customer is upset ({why}) and the reply doesn't acknowledge it.",
            "Open by acknowledging what happened to them, in your own words.",
        )
