"""How upset the customer is. The coach asks a :class:`MoodReader`; the default reads plain
cues (anger words, complaint words, capitals, "!!!") in microseconds, so the composer stays
fast. A workspace with triage can pass a reader backed by the triage model instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Mood:
    upset: bool  # angry, frustrated or complaining
    reasons: tuple[str, ...] = ()


class MoodReader(Protocol):
    def read(self, text: str) -> Mood: ...


_ANGER = re.compile(
    r"\b(?:angry|furious|livid|fuming|raging|annoyed|irritated|frustrat\w*|fed\s+up|sick\s+of"
    r"|tired\s+of|disgust\w*|appall\w*|outrag\w*|shocking|shocked|terrible|horrible|horrendous"
    r"|awful|worst|useless|pathetic|ridiculous|joke|shambles|disgrace\w*|unacceptable|rubbish"
    r"|crap\w*|shit\w*|f+u+c+k\w*|wtf|hate|hating|scam\w*|rip[\s-]?off|incompetent|clueless"
    r"|lazy|rude|disappoint\w*|upset|gutted|devastated|stressed|nightmare|poor|worthless"
    r"|thieves|stole|stolen|never\s+again|lost\s+(?:my|our)|ruined|waste\s+of|hopeless"
    r"|embarrass\w*|not\s+happy|unhappy|sucks?|screwed|insane|absurd|seriously\?|smh|ugh+)\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:still\s+(?:waiting|not|no|haven'?t|hasn'?t|can'?t|down|broken)|never\s+(?:arrived"
    r"|came|received|got|showed|turned\s+up)|(?:not|isn'?t|aren'?t|doesn'?t|don'?t|won'?t"
    r"|can'?t|cannot|couldn'?t)\s+(?:work\w*|load\w*|connect\w*|get|receive\w*|log\s*in"
    r"|access|use|open|make|pay|find|call|reach)|no\s+(?:one|body|response|reply|answer"
    r"|signal|service|internet|wifi|power|refund)|nobody|charged\s+(?:twice|me\s+twice|double)"
    r"|overcharg\w*|cancel+ed|delay\w*|late|missing|broken|damaged|faulty|outage|down\s+again"
    r"|complain\w*|refund|compensation|hacked|blocked|declined|lost|wrong|error|failed"
    r"|hours?\s+(?:on\s+hold|waiting|later)|days?\s+(?:now|later|waiting)|weeks?\s+(?:now|later)"
    r"|(?:3|three|4|four|5|five|several|multiple)\s+times|again|yet\s+again)\b",
    re.IGNORECASE,
)
_ANGRY_EMOJI = re.compile("[😡🤬😠😤👎😒🙄😩😫😭💩]")
_CAPS = re.compile(r"\b[A-Z]{3,}(?:\s+[A-Z]{2,}){2,}\b")


class CueMoodReader:
    """The light default: anger or complaint cues in the customer's words."""

    def read(self, text: str) -> Mood:
        reasons = [
            reason
            for reason, pattern in (
                ("angry words", _ANGER),
                ("angry emoji", _ANGRY_EMOJI),
                ("capitals", _CAPS),
            )
            if pattern.search(text)
        ]
        complaints = len(_COMPLAINT.findall(text))
        if complaints >= 2 or (complaints and ("!" in text or "?" in text)):
            reasons.append("a complaint")
        if "!!" in text and reasons:
            reasons.append("exclamation marks")
        return Mood(upset=bool(reasons), reasons=tuple(reasons))
