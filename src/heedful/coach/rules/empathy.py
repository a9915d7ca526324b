"""``no_empathy``: the customer is upset or complaining, and the reply neither acknowledges it
nor apologises in a way specific to them.

What counts as acknowledging: an apology ("sorry", "I apologise"), naming their feeling or
the impact ("that's frustrating", "two hours standing is miserable", "I'd be fed up too"),
agreeing with them ("you're right", "that's not good enough", "you deserve better"), owning
it ("that's on us"), or thanking them for their patience. What does not: a generic apology
("we apologise for any inconvenience"), an apology for their feelings ("sorry you feel that
way" — the dismissive rule says why), and offers of help on their own ("DM us and we'll take
a look"), which are good but don't show the customer they were heard.

Whether the customer is upset comes from the coach's mood reader (triage when the workspace
has it, plain cues otherwise). A later part of a thread ("2/3") is left alone: the first
part is where the acknowledgement goes.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from heedful.coach.analysis import PLAIN, DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule
from heedful.coach.rules.cues import rx

_GENERIC_APOLOGY = rx(
    r"\b(?:(?:we|i)\s+)?(?:(?:do\s+|sincerely\s+|truly\s+)?apologi[sz]e|(?:are|am|'re|'m)\s+sorry"
    r"|(?:so\s+|very\s+)?sorry|(?:our\s+|my\s+)?(?:sincere\s+)?apologies)\s+(?:for\s+|about\s+)?"
    r"(?:any|all\s+the)\s+(?:inconvenience|trouble|disruption|issues?|problems?|hassle"
    r")(?:\s+caused)?|(?:(?:we|i)\s+)?(?:apologi[sz]e"
    r"|(?:are|am|'re|'m)\s+sorry|sorry|apologies)\s+for\s+the\s+inconvenience(?:\s+(?:this"
    r"|that|it|which)\s+(?:may\s+have|might\s+have|has|have)?\s*caused(?:\s+you)?)?"
    r"(?:\s+caused)?"
    # …unless it goes on to say what it is about ("for any inconvenience the seat change caused")
    r"(?=\s*(?:$|[.!,;:)—–-]|\s(?:and|but|please|we|i|if|as|while|dm|can|could|let|our)\b))"
)
# Apologies for the customer's feelings, not for what happened (see the dismissive rule).
_NON_APOLOGY = rx(
    r"\bsorry\s+(?:that\s+|if\s+)?(?:you|anyone)\s+(?:feel|felt|see\s+it|think|believe|took\s+it"
    r"|were|are|was|have\s+been|got)\b(?!\s+(?:let\s+down|charged|left|kept|stranded|without"
    r"|waiting|treated|told|given|cut\s+off|hung|sent|put))[^.!?]*"
    r"|\bapologi[sz]e\s+(?:that|if)\s+you\s+(?:feel|felt|think|see|were)\b[^.!?]*"
)
_LATER_PART = rx(r"(?<![\d/])\(?(?:[2-9])/[2-9]\)?(?![\d/])")
_ACKNOWLEDGED = rx(
    r"\bsorry\b|\bapolog|\bregret\b|\bmy\s+bad\b"
    r"|(?<!not\s)(?<!n't\s)(?<!nt\s)\b(?:our|my)\s+(?:mistake|bad|fault|error)\b"
    r"|\b(?:that's|that\s+is|it's|this\s+is)\s+on\s+(?:us|me)\b|\bunderstand|\bcan\s+(?:only\s+)?imagine"
    r"|\bfrustrat|\bannoy|\bdisappoint|\bupset|\bstress|\bworr(?:y|ying|ied)\b|\bgutting"
    r"|\binfuriat|\bexasperat|\bmaddening|\bdistress|\bconcern(?:ing|ed)\b|\bscary\b|\balarming"
    r"|\b(?:awful|terrible|horrible|horrid|rough|tough|miserable|rotten|rubbish|dreadful|grim"
    r"|nightmare|no\s+fun|the\s+worst|a\s+pain|not\s+nice|unfair)\b"
    r"|\bnot\s+(?:the\s+(?:experience|service|news|evening|day|start|journey|stay|welcome)|what\s+"
    r"(?:we|you|i)|good(?:\s+enough)?|ok|okay|acceptable|right|on|great|ideal|fair|how\s+(?:we|it)"
    r"|the\s+way)\b|\bunacceptable\b|\b(?:way\s+)?too\s+long\b|\bno\s+excuse\b|\bshould(?:n't|\s+not"
    r"|\s+never)\s+(?:have|be)\b|\bnever\s+(?:should\s+)?have\s+happened\b"
    r"|\byou\s+deserve|\b(?:we|i)\s+owe\s+you\b|\byou(?:'re|\s+are)\s+(?:right|not\s+(?:wrong"
    r"|overreacting|alone))\b|\b(?:totally|completely|entirely|very|perfectly)\s+(?:fair|understandable)"
    r"|\bright\s+to\s+be\b|\bevery\s+right\b|\bfair\s+(?:enough|point|comment)\b"
    r"|\b(?:i|we)(?:'d|\s+would)\s+(?:be|feel)\s+(?:\w+\s+)?(?:annoyed|upset|angry|cross|fed\s+up"
    r"|frustrated|the\s+same)\b|\b(?:i|we)\s+(?:hear|get|see)\s+(?:you|it|why|that)\b"
    r"|\b(?:oh\s+no|uh[\s-]oh|oh\s+dear|yikes|oops|eek|ugh|argh|ouch)\b|\bthat\s+(?:sounds|must)\b"
    r"|\bsounds\s+(?:\w+\s+)?(?:awful|terrible|rough|tough|hard|horrible|annoying|frustrating"
    r"|difficult|stressful|worrying|scary|like\s+a)\b|\bmust\s+(?:be|have\s+been|feel)\b"
    r"|\bthanks?\s+(?:you\s+)?(?:so\s+much\s+)?for\s+(?:your\s+patience|bearing|waiting|letting\s+us"
    r"\s+know|flagging|bringing|raising|reporting|telling|sharing|the\s+heads|your\s+understanding"
    r"|sticking|hanging)|\bappreciate\s+(?:your|you)\b|\bbear(?:ing)?\s+with\b"
    r"|\bthat's\s+(?:a\s+)?(?:shame|pity|strange|odd|weird)\b|\bhmm+\b|\bwhat\s+a\b"
    r"|\bhear\s+(?:this|that|about)\b|\bhard\s+(?:time|day|week)\b|\bfeel\s+(?:the\s+same|that)\b"
    r"|\bsympath|\bcondolence|\bloss\b|\bgrateful\b|\bdon't\s+(?:blame|worry)\b"
    r"|\b(?:we|i)\s+(?:don't|do\s+not|never)\s+(?:want|like)\s+(?:you|to\s+see|to\s+hear|our)"
    r"|[😞😔😢😟🙁☹😩😬💙❤💜🧡💛💚🤍]"
    # a warm, personal offer to help shows they were heard; "so we can help" does not
    r"|\b(?:we|i|(?:my|our)\s+team)(?:'d|\s+would|'re|\s+are|'m|\s+am|\s+is)\s+(?:(?:really"
    r"|certainly|definitely|more\s+than|so)\s+)?(?:like|love|be\s+(?:happy|glad|keen|delighted)|happy"
    r"|glad|keen|eager|delighted)\s+to\s+\w+"
    r"|\b(?:we|i)\s+(?:really\s+|certainly\s+|definitely\s+)?want\s+to\s+(?:help|get|make|fix|sort"
    r"|look|investigate|resolve|review|check|ensure|put)|\b(?:we|i)\s+want\s+(?:you|your|this)\b"
    r"|\b(?:happy|glad|here)\s+to\s+(?:help|take\s+a\s+look|assist)\b|\bhere\s+for\s+you\b"
    r"|(?<!\bso\s)(?<!\bthat\s)\b(?:we|i)\s+can\s+(?:(?:try\s+and|try\s+to|definitely|certainly"
    r"|surely)\s+)?(?:help|take\s+a\s+look|look\s+into|sort|fix)\b|\bhow\s+can\s+(?:we|i)\s+"
    r"(?:help|fix|make|put)\b|\b(?:don't|do\s+not)\s+want\s+you\s+to\b|\b(?:ty|thx)\s+for\b"
    r"|\btake\s+(?:this|it|that|these|your\s+\w+)\s+(?:very\s+)?seriously|\btroubling\b"
    r"|\b(?:very\s+|really\s+|so\s+)?important\s+to\s+(?:us|me)\b|\bdo\s+(?:my|our)\s+(?:very\s+)?best"
    r"|\b(?:crazy|unfortunate|difficult|frustrating|stressful)\s+(?:situation|time|experience)\b"
    r"|\b(?:an?\s+)?(?:unpleasant|bad|poor|negative|disappointing|frustrating)\s+experience\b|\blet(?:'s|\s+us|\s+me)\s+(?:help|take\s+a|look|get"
    r"\s+(?:this|that|it|you)|fix|sort|figure|work|see\s+what)"
)


class EmpathySettings(RuleSettings):
    cold_to_complaints: bool = Field(
        True,
        description="also flag a reply that deflects, argues or redirects when triage reads the "
        "customer as complaining but the mood cues do not (see _cold_to_complaint)",
    )


class NoEmpathyRule(Rule[EmpathySettings]):
    id = "no_empathy"
    title = "No empathy for an upset customer"
    english_only = True
    settings_model = EmpathySettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        cold = self.settings.cold_to_complaints and _cold_to_complaint(draft)
        if _LATER_PART.search(draft.plain) or not (draft.mood.upset or cold):
            return
        if any(acknowledges(earlier) for earlier in draft.draft.earlier):
            return  # acknowledged earlier in the conversation; a follow-up need not repeat it
        text = _NON_APOLOGY.sub(" ", _GENERIC_APOLOGY.sub(" ", draft.plain))
        if _ACKNOWLEDGED.search(text):
            return
        why = ", ".join(draft.mood.reasons) or "a complaint"
        generic = _GENERIC_APOLOGY.search(draft.plain) or _NON_APOLOGY.search(draft.plain)
        if generic:
            yield self.finding(
                generic.start(),
                generic.end(),
                f"The customer is upset ({why}) and the only apology is a generic one.",
                "Name what went wrong for them: \"I'm sorry your parcel still hasn't arrived.\"",
            )
            return
        start, end = _first_sentence(draft)
        yield self.finding(
            start,
            end,
            f"The customer is upset ({why}) and the reply doesn't acknowledge it.",
            "Open by acknowledging what happened to them, in your own words.",
        )


def _cold_to_complaint(draft: DraftAnalysis) -> bool:
    """The mood cues missed it, but the customer is complaining (triage's fast pass) and the
    reply deflects, argues or redirects (the learned language rules): that reply needed an
    acknowledgement. Plain complaints without emotional words are where the cues miss most;
    requiring a bad reply as well keeps ordinary replies to mild complaints quiet."""
    if not draft.complaining:
        return False
    return any(draft.model_flags(rule) for rule in ("blame", "dismissive", "generic_redirect"))


def acknowledges(text: str) -> bool:
    """Whether ``text`` acknowledges the customer (see the module docstring)."""
    plain = text.translate(PLAIN)
    return bool(_ACKNOWLEDGED.search(_NON_APOLOGY.sub(" ", _GENERIC_APOLOGY.sub(" ", plain))))


def _first_sentence(draft: DraftAnalysis) -> tuple[int, int]:
    body_start, body_end = draft.body
    for sentence in draft.sentences:
        if sentence.end > body_start:
            return max(sentence.start, body_start), min(sentence.end, max(body_end, body_start + 1))
    return 0, len(draft.text)
