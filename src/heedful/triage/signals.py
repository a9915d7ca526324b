"""Signals read from the text: small rules, each returning an id and a reason in plain words.

Built-in rules are registered through :meth:`SignalRegistry.register`, the same call a workspace
or a plugin uses for its own; each registration carries the rule's default priority weight.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule fired: its id, why (for the agent), and how strongly (0-1, scales its weight)."""

    id: str
    reason: str
    strength: float = 1.0


Rule = Callable[[str], Signal | None]


@dataclass(frozen=True, slots=True)
class RegisteredRule:
    id: str
    rule: Rule
    weight: float
    description: str


@dataclass
class SignalRegistry:
    """The text rules in force, in registration order."""

    rules: dict[str, RegisteredRule] = field(default_factory=dict)

    def register(self, rule_id: str, rule: Rule, *, weight: float, description: str) -> None:
        if rule_id in self.rules:
            raise ValueError(f"signal rule {rule_id!r} is already registered")
        self.rules[rule_id] = RegisteredRule(rule_id, rule, weight, description)

    def default_weights(self) -> dict[str, float]:
        return {rule_id: item.weight for rule_id, item in self.rules.items()}

    def detect(self, text: str) -> list[Signal]:
        found = (item.rule(text) for item in self.rules.values())
        return [signal for signal in found if signal is not None]

    def copy(self) -> SignalRegistry:
        return SignalRegistry(dict(self.rules))


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w']){pattern}(?![\w'])", re.IGNORECASE)


def _quoted(matches: Iterable[str], limit: int = 2) -> str:
    unique = list(dict.fromkeys(m.lower() for m in matches))[:limit]
    return ", ".join(f'"{m}"' for m in unique)


# --- anger -----------------------------------------------------------------------------------

PROFANITY = _words(
    r"(f+u+c+k\w*|f\*+k\w*|wtf|sh[i1]t\w*|bullsh\w+|crap\w*|damn\w*|bloody|piss\w*|"
    r"arse\w*|ass(hole)?s?|bastard\w*|idiot\w*|useless|pathetic|disgrac\w+|ridiculous|joke|"
    r"scam\w*|rip[- ]?off|incompetent|worst|appalling|shambles)"
)
REPEAT_FAILURE = _words(
    r"((third|3rd|fourth|4th|fifth|5th|\d+(st|nd|rd|th)) time|\d+ times|"
    r"(three|four|five|several|multiple|many|so many) times|every (single )?time|yet again|"
    r"once again|for (days|weeks|months)|still (not|no|nothing|waiting|broken|down|haven'?t|"
    r"hasn'?t|can'?t|isn'?t|doesn'?t|won'?t|didn'?t)|(broken|down|happened|wrong|late) again)"
)
# "still" / "again" on their own are anger only beside an exclamation or a question of despair
WEAK_REPEAT = _words(r"(still|again)")
IGNORED = _words(
    r"(nobody|no one|noone|no-one) (answers?|responds?|replie[sd]|replys?|gets? back|helps?|"
    r"cares?|picks? up)|(no|zero|never got an?) (answer|reply|response)|ignor(ed|ing)( me)?|"
    r"still waiting|waiting for (days|weeks|hours)|on hold for|left on read"
)
SHOUT_WORD = re.compile(r"\b[A-Z]{3,}\b")
NOT_SHOUTING = frozenset(
    {"USA", "ATM", "PIN", "DM", "DMS", "SMS", "URL", "FAQ", "ETA", "OK", "LOL"}
)


def _shouting(text: str) -> bool:
    caps = {w for w in SHOUT_WORD.findall(text) if w not in NOT_SHOUTING}
    letters = [c for c in text if c.isalpha()]
    upper_share = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 12 else 0.0
    return len(caps) >= 3 or upper_share > 0.6


def anger(text: str) -> Signal | None:
    cues: list[str] = []
    if _shouting(text):
        cues.append("shouting")
    if re.search(r"[!?]{3,}|!{2,}", text):
        cues.append("!!!")
    swearing = PROFANITY.findall(text)
    if swearing:
        cues.append("harsh words")
    repeated = [m.group(0) for m in REPEAT_FAILURE.finditer(text)]
    if not repeated and "!" in text:
        repeated = [m.group(0) for m in WEAK_REPEAT.finditer(text)]
    ignored = [m.group(0) for m in IGNORED.finditer(text)]
    if repeated or ignored:
        cues.append(_quoted(ignored + repeated))
    if not cues or cues == ["!!!"]:
        return None
    return Signal("anger", "angry: " + ", ".join(cues), min(1.0, 0.4 + 0.2 * len(cues)))


# --- threats ---------------------------------------------------------------------------------

LEAVING = _words(
    r"(switch(ing)? (to|provider)|mov(e|ing) to (another|a different|\w+ instead)|"
    r"cancel(l?ing)? my (account|contract|subscription|membership|order|service|plan)|"
    r"(i'?m|i am|we'?re) (leaving|done with you|done)|tak(e|ing) my (business|money) elsewhere|"
    r"never (again|use you|fly(ing)? with you|buy(ing)? from you|shop(ping)? (with|at))|"
    r"(this is|that was) the (last|final) time|lost a customer|former customer|"
    r"going to a competitor)"
)
ESCALATING = _words(
    r"(regulators?|ombudsman|ofcom|ofgem|ofwat|fca|ftc|fcc|cfpb|bbb|"
    r"better business bureau|trading standards|watchdog|citizens advice|"
    r"lawyers?|solicitors?|attorneys?|legal action|sue|suing|small claims|court|"
    r"the press|the media|journalists?|newspapers?|bbc|report(ing)? you)"
)


def threat_to_leave(text: str) -> Signal | None:
    hits = [m.group(0) for m in LEAVING.finditer(text)]
    return Signal("threat_to_leave", f"threatens to leave: {_quoted(hits)}") if hits else None


def threat_to_escalate(text: str) -> Signal | None:
    hits = [m.group(0) for m in ESCALATING.finditer(text)]
    if not hits:
        return None
    return Signal(
        "threat_to_escalate", f"may go to a regulator, lawyer or the press: {_quoted(hits)}"
    )


# --- urgency ---------------------------------------------------------------------------------

URGENT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "safety",
        _words(
            r"(unsafe|danger(ous)?|fire|smoke|sparks?|burn(ing|t)|explod\w*|gas leak|"
            r"injur\w+|hurt|hospital|emergency|medical|stranded|stuck (alone|overnight)|"
            r"child(ren)? (alone|stuck)|overheat\w*)"
        ),
    ),
    (
        "money taken",
        _words(
            r"(charged (me )?(twice|double|two times)|double[- ]charged|took my money|"
            r"money (taken|gone|missing|stolen)|taken my money|stolen|fraud\w*|"
            r"unauthori[sz]ed|overcharged|debited (twice|again)|empt(y|ied) my account)"
        ),
    ),
    (
        "locked out",
        _words(
            r"(locked out|can'?t (log ?in|sign ?in|access)|cannot (log ?in|sign ?in|access)|"
            r"(account|card) (is |was |got |been )?(hacked|blocked|frozen|suspended|disabled|"
            r"locked)|hacked)"
        ),
    ),
    (
        "travel today",
        _words(
            r"((flight|train|bus|ferry|trip) (is |leaves |departs )?(today|tonight|tomorrow|"
            r"in \d+ ?(h|hours?|mins?|minutes))|at the (gate|airport|station)|boarding|"
            r"miss(ing)? my (flight|connection|train)|missed (my|the) (flight|connection))"
        ),
    ),
)


def urgency(text: str) -> Signal | None:
    kinds = [(kind, m.group(0)) for kind, pattern in URGENT_KINDS if (m := pattern.search(text))]
    if not kinds:
        return None
    reason = "urgent: " + "; ".join(f'{kind} ("{hit.lower()}")' for kind, hit in kinds)
    return Signal("urgency", reason, min(1.0, 0.7 + 0.3 * (len(kinds) - 1)))


# --- a question that needs an answer ---------------------------------------------------------

ASKING = re.compile(
    r"(^|[.!]\s+|\n)\s*(@\w+\s+)*(hi|hey|hello)?[ ,!]*"
    r"((how|what|when|where|why|who|which)\b|"
    r"(can|could|will|would|is|are|do|does|did|has|have|should)\s+"
    r"(you|i|we|they|it|there|this|that|my|your|someone|anyone|somebody|anybody)\b)",
    re.IGNORECASE,
)
RHETORICAL = re.compile(r"\b(why (do|would) i bother|are you (kidding|serious)|seriously\?)", re.I)


def needs_answer(text: str) -> Signal | None:
    asks = "?" in text or bool(ASKING.search(text))
    if not asks or (RHETORICAL.search(text) and text.count("?") <= 1):
        return None
    return Signal("needs_answer", "asks a question that needs an answer")


def builtin_registry() -> SignalRegistry:
    """A fresh registry holding the built-in rules (register more on the copy you hold)."""
    registry = SignalRegistry()
    registry.register("anger", anger, weight=14.0, description="shouting, abuse, 'still', 'again'")
    registry.register(
        "threat_to_leave", threat_to_leave, weight=12.0, description="says they will leave"
    )
    registry.register(
        "threat_to_escalate",
        threat_to_escalate,
        weight=14.0,
        description="mentions a regulator, legal action or the press",
    )
    registry.register(
        "urgency", urgency, weight=18.0, description="safety, money taken, locked out, travel"
    )
    registry.register(
        "needs_answer", needs_answer, weight=6.0, description="a question waiting for an answer"
    )
    return registry
