"""Where a sentence commits the brand to something: anchors ("I'll", "we're going to", "let me",
"you can expect", "please allow") and the checks that rule a commitment out.

What is *not* a promise (the decisions, so the reply coach and the tracker agree):

* **Negations** — "we can't promise…", "I won't be able to call", "we will not…", and
  commitments under "not sure when", "no ETA", "can't guarantee", "don't know when".
* **Questions** — a commitment in a clause that ends with "?" ("Shall I call you tomorrow?",
  "Can you DM us so we can look into it?"). "We'll call you tomorrow, OK?" is still a promise.
* **Requests** — "please DM us", "let us know", "send us your order number".
* **Conditional offers** — an action that depends on the customer or on a condition: "if you DM
  us we'll look into it", "DM us your details and we'll check", "once you've sent the form
  we'll…", "we'll escalate if needed". Nothing can be tracked until the customer acts, and a
  tracker that counted them would report promises broken that were never owed. Politeness
  conditions ("if that's OK", "if you're free") do not make an offer conditional, and events on
  our side ("once engineering confirms") make a promise vague, not conditional.
* **Offers and abilities** — "we can…", "we could…", "we'd be happy to…", "you'll be able to…".
* **Statements of work in progress** — "we're looking into it" (a status, not an undertaking);
  "we're sending an engineer tomorrow" is a promise, because it names a time.
* **Habits and policy in the negative** — "we'll never…", "we'll always…".
* **Hopes** — "we hope to…" is not a promise; "hopefully we'll…" still is (it says "will").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from heedful.care.lexicon import NOT_NAMES, PERSON_WORDS, THING_WORDS, YOU_WORDS, words

APOS = r"['’]"


@dataclass(frozen=True, slots=True)
class Anchor:
    """One place where a sentence may commit to something."""

    start: int  # where the subject (or the anchor words, if none) begins, in the sentence
    vp_start: int  # where the verb phrase after the anchor begins
    kind: str  # modal | progressive | commit | let | expect | arranged | allow
    subject: str  # brand | thing | you
    needs_time: bool = False  # only a promise when it names a time ("we've booked … for Monday")
    # "we aim to / strive to / try to …": a policy unless it names a time or a known action
    weak_verb: bool = False


_MODAL = re.compile(
    rf"{APOS}ll\b|\bwill\b|\bshall\b|\b(?:am|are|is)\s+going\s+to\b|{APOS}(?:m|re|s)\s+going\s+to\b"
    r"|\bgonna\b|\bshould\b",
    re.I,
)
_AFTER_MODAL_NO = re.compile(
    r"\s*(?:not|never|n['’]t|no\s+longer|always|usually|normally|generally|typically|need\s+to"
    r"|have\s+to|be\s+unable|require|want\s+to|like\s+to)\b",
    re.I,
)
_ABLE = re.compile(r"\s*be\s+able\s+to\b", re.I)
_PERFECT = re.compile(r"\s*have\s+(?:been|\w+ed|got|sent|seen|had|heard|received)\b", re.I)
_PROGRESSIVE = re.compile(
    rf"\b(?:I{APOS}m|I\s+am|we{APOS}re|we\s+are|(?:our|the)\s+(?:\w+\s+)?(?:team|engineers?"
    r"|technicians?|courier|driver)\s+(?:is|are))\s+(?:\w+ly\s+|now\s+|currently\s+|also\s+)?"
    r"(?P<ving>\w+ing)\b(?P<to>\s+to\b)?",
    re.I,
)
_COMMIT = re.compile(
    r"\b(?:promise|guarantee|aim|endeavou?r|commit|undertake|expect|intend|plan|strive|try"
    r"|pledge)s?\s+to\b",
    re.I,
)
_LET = re.compile(r"\blet\s+(?:me|us)\b(?!\s+know\b)(?!\s+(?:have|see)\s+your\b)", re.I)
_EXPECT = re.compile(
    rf"\byou\s+(?:can|should|will|{APOS}ll|may)\s+(?:\w+ly\s+)?(?:expect|look\s+forward\s+to)\b"
    r"|(?:^|(?<=[,;:(]\s)|\bplease\s+|\band\s+)(?:expect|look\s+out\s+for|keep\s+an\s+eye\s+out"
    r"\s+for|watch\s+out\s+for|keep\s+an\s+eye\s+on\s+your\s+(?:inbox|dms?|e-?mails?|phone|post"
    r"|messages))\b",
    re.I,
)
_EXPECTED_THING = re.compile(
    r"\s*(?:an?\s+|our\s+|the\s+|your\s+|to\s+(?:hear|receive|get|see)\s+|us\s+to\s+|\w+\s+){0,3}"
    r"(?:\w+\s+)?(?:call|callback|ring|reply|response|answer|update|e-?mail|dm|message|text"
    r"|letter|refund|credit|money|delivery|parcel|package|replacement|engineer|technician|visit"
    r"|from\s+us|back|confirmation|contact|it|this|them)\b",
    re.I,
)
_ARRANGED = re.compile(
    rf"\b(?:I{APOS}ve|we{APOS}ve|I\s+have|we\s+have|(?:has|have)\s+been|(?:is|are)|{APOS}s)\s+"
    r"(?:now\s+|just\s+|already\s+|also\s+)?(?:asked|arranged|booked|scheduled|organi[sz]ed"
    r"|set\s+up|requested|due|planned|expected|pencill?ed|set\s+to)\b",
    re.I,
)
_ALLOW = re.compile(
    r"\ballow\b|\bgive\s+us\b(?=\s+(?:up\s+to\s+|about\s+)?(?:[\d.-]+|an?|one|two|three|a\s+few"
    r"|a\s+couple\s+of)\s*(?:working\s+|business\s+)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\b)",
    re.I,
)

_WORD = re.compile(r"[\w'’-]+|[^\w\s]")
_BOUNDARY_WORDS = words(
    "and but so or then because as that which who once when whenever if until since while "
    "where though although after before please thanks thank sorry hi hey hello yes no ok okay "
    "great & unless how what why whether also"
)


def find_anchors(sentence: str) -> list[Anchor]:
    """Every candidate commitment in one sentence, in order, overlaps removed."""
    anchors = [
        *_modal_anchors(sentence),
        *_progressive_anchors(sentence),
        *_commit_anchors(sentence),
        *_simple(sentence, _LET, "let", "brand"),
        *_expect_anchors(sentence),
        *_simple(sentence, _ARRANGED, "arranged", "brand", needs_time=True),
        *(Anchor(m.start(), m.start(), "allow", "brand", True) for m in _ALLOW.finditer(sentence)),
    ]
    anchors.sort(key=lambda a: (a.start, a.vp_start))
    kept: list[Anchor] = []
    for anchor in anchors:
        if kept and anchor.start < kept[-1].vp_start:
            # Overlapping readings ("we will try to call"): the one that reaches further wins.
            if anchor.vp_start > kept[-1].vp_start:
                kept[-1] = anchor
            continue
        kept.append(anchor)
    return kept


def _simple(
    sentence: str, pattern: re.Pattern[str], kind: str, subject: str, *, needs_time: bool = False
) -> list[Anchor]:
    return [
        Anchor(m.start(), m.end(), kind, subject, needs_time) for m in pattern.finditer(sentence)
    ]


def _modal_anchors(sentence: str) -> list[Anchor]:
    anchors = []
    for m in _MODAL.finditer(sentence):
        if _AFTER_MODAL_NO.match(sentence, m.end()) or _PERFECT.match(sentence, m.end()):
            continue
        start, subject = subject_before(sentence, m.start())
        if subject == "question":
            continue
        should = m.group(0).lower() == "should"
        able = _ABLE.match(sentence, m.end())
        # "we should…" and "we'll be able to…" only commit when they name a time
        needs_time = (should and subject in {"brand", "elided"}) or able is not None
        vp_start = able.end() if able else m.end()
        anchors.append(Anchor(start, vp_start, "modal", subject, needs_time))
    return anchors


def _commit_anchors(sentence: str) -> list[Anchor]:
    """ "I promise to…", "our team aim to…", "we always try to…" (said by the brand)."""
    anchors = []
    for m in _COMMIT.finditer(sentence):
        start, subject = subject_before(sentence, m.start())
        if subject != "brand" or _NEGATION.search(sentence, start, m.start()):
            continue
        weak = not re.match(r"promise|guarantee|commit|pledge|undertake", m.group(0), re.I)
        anchors.append(Anchor(start, m.end(), "commit", "brand", weak_verb=weak))
    return anchors


_NEGATION = re.compile(r"n['’]t\b|\bnot\b|\bnever\b|\bno\s+longer\b", re.I)


def _progressive_anchors(sentence: str) -> list[Anchor]:
    anchors = []
    for m in _PROGRESSIVE.finditer(sentence):
        ving = m.group("ving").lower()
        if ving in {"going", "hoping", "wondering", "sorry"}:
            continue
        if m.group("to") and ving in {"aiming", "planning", "working", "trying", "looking"}:
            anchors.append(Anchor(m.start(), m.end(), "commit", "brand"))
        elif not m.group("to"):
            anchors.append(Anchor(m.start(), m.start("ving"), "progressive", "brand", True))
    return anchors


def _expect_anchors(sentence: str) -> list[Anchor]:
    return [
        Anchor(m.start(), m.end(), "expect", "you")
        for m in _EXPECT.finditer(sentence)
        if _EXPECTED_THING.match(sentence, m.end())
    ]


def subject_before(sentence: str, modal_start: int) -> tuple[int, str]:
    """Where the subject of a modal starts, and whose it is: brand, thing, you (or question)."""
    words = list(_WORD.finditer(sentence, 0, modal_start))
    taken: list[re.Match[str]] = []
    for word in reversed(words):
        lower = word.group(0).lower()
        if not re.match(r"[\w]", lower) or lower in _BOUNDARY_WORDS or len(taken) >= 7:
            break
        taken.insert(0, word)
    if not taken:
        before = words[-1].group(0).lower() if words else ""
        if before in {"when", "how", "what", "why", "whether"}:
            return modal_start, "question"
        if before in {"which", "that", "who"}:
            return words[-1].start(), "thing"  # "… requirements which will block buyers"
        return modal_start, "elided"
    if taken[-1].group(0).lower() in _PRONOUNS:
        taken = taken[-1:]  # "we can't promise we'll…": the subject is the last "we" only
    return taken[0].start(), _classify([w.group(0) for w in taken])


_PRONOUNS = words("i we you u it this that they he she someone somebody there")


def _classify(tokens: list[str]) -> str:
    lower = [re.split(r"['’]", t.lower())[0] for t in tokens]  # "we'll", "Sarah's"
    last = lower[-1]
    if last in YOU_WORDS:
        return "you"
    if last in THING_WORDS:
        return "thing"
    if any(t in PERSON_WORDS for t in lower):
        return "brand"
    if any(t[:1].isupper() and t.lower() not in NOT_NAMES for t in tokens):
        return "brand"  # a name: "Sarah will call you", "Acme will refund you"
    return "thing"


# ---- what rules a commitment out ------------------------------------------------------------

_NEGATED_LEAD = re.compile(
    r"\b(?:can['’]?t|cannot|can\s+not|unable\s+to|not\s+able\s+to|won['’]t|don['’]t|do\s+not"
    r"|couldn['’]t)\s+(?:\w+\s+)?(?:promise|guarantee|confirm|say|know|tell|be\s+sure|commit"
    r"|think|expect|believe)\b"
    r"|\bnot\s+(?:yet\s+)?(?:sure|certain|clear|known)\b|\bno\s+(?:guarantee|promises?|eta"
    r"|timeframe|time\s+frame|timescale|estimate|date|idea)\b|\b(?:unsure|uncertain|doubt)\b"
    r"|\b(?:hard|difficult|impossible)\s+to\s+(?:say|tell|know)\b|\bwish\s+(?:we|I)\b"
    r"|\b(?:were|was)\s+(?:told|promised|informed)\b|\bsaid\s+(?:that\s+)?(?:we|I|you|someone)\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r";|\bbut\b|\bhowever\b|\bthough\b|:(?=\s)|\s[—–-]\s", re.I)
_CONDITION = re.compile(
    r"\b(?:if|unless|provided(?:\s+that)?|providing|as\s+long\s+as|so\s+long\s+as|in\s+case"
    r"|should\s+you|otherwise)\b",
    re.I,
)
_POLITE_CONDITION = re.compile(
    r"\bif\s+(?:that|this|it)(?:['’]s|\s+is|\s+works|\s+suits|\s+helps|\s+would\s+help"
    r"|\s+sounds)|\bif\s+(?:possible|convenient|so|needed\s+sooner)\b"
    r"|\bif\s+you(?:['’]re|\s+are)\s+(?:ok|okay|happy|free|available|around|home|in|about"
    r"|alright|fine|comfortable)\b|\bif\s+you\s+(?:don['’]t\s+mind|prefer)\b"
    r"|\bas\s+(?:long|soon)\s+as\s+(?:possible|we\s+can|I\s+can)\b",
    re.I,
)
_CUSTOMER_EVENT = re.compile(
    r"\b(?:once|when|whenever|as\s+soon\s+as|after)\s+(?:you\b|u\b|ya\b"
    r"|we(?:['’]ve|\s+have)?\s+(?:received?|got(?:ten)?|get|have|had|see|hear)\s+"
    r"(?:back\s+)?(?:from\s+you|your|those|them|these|it\b|this\b))",
    re.I,
)
_CUSTOMER_IMPERATIVE = re.compile(
    r"^\W*(?:(?:please|pls|plz|kindly|just|simply|feel\s+free\s+to|do|can\s+you|could\s+you"
    r"|if\s+you\s+can|hi|hey|hello|thanks|sorry|so)[\s,!]+)*"
    r"(?:dm|pm|message|send|e-?mail|call\s+us|ring\s+us|contact\s+us|reach\s+out|drop\s+us"
    r"|pop\s+us|shoot\s+us|give\s+us|get\s+in\s+touch|follow|provide|share|confirm|tell\s+us"
    r"|let\s+us\s+know|fill|complete|reply|respond|text\s+us|tweet\s+us|head\s+over|slide\s+into"
    r"|pop\s+over|forward|attach|include|try|restart|reboot|update\s+your|click|check\s+your)\b",
    re.I,
)


def clause_start(sentence: str, position: int) -> int:
    """Where the clause that holds ``position`` begins (after "but", ";", " - "…)."""
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, position)]
    return breaks[-1] if breaks else 0


def clause_end(sentence: str, position: int) -> int:
    m = _CLAUSE_BREAK.search(sentence, position)
    return m.start() if m else len(sentence)


def is_negated(sentence: str, anchor: Anchor) -> bool:
    lead = sentence[clause_start(sentence, anchor.start) : anchor.start]
    return bool(_NEGATED_LEAD.search(lead))


def is_question(sentence: str, anchor: Anchor) -> bool:
    """The clause holding the commitment ends with a question mark."""
    rest = sentence[anchor.vp_start :]
    mark = rest.find("?")
    return mark >= 0 and not re.search(r"[,;—–]|\s-\s", rest[:mark])


def is_conditional(sentence: str, anchor: Anchor, end: int) -> bool:
    """The commitment depends on the customer or on a condition (see the module docstring)."""
    lead = sentence[clause_start(sentence, anchor.start) : anchor.start]
    tail = sentence[anchor.vp_start : clause_end(sentence, anchor.vp_start)]
    tail = re.split(r",\s*(?:and|but|so)\b|\.\s", tail)[0][: max(0, end - anchor.vp_start)]
    for part in (lead, tail):
        cleaned = _POLITE_CONDITION.sub(" ", part)
        if _CONDITION.search(cleaned) or _CUSTOMER_EVENT.search(cleaned):
            return True
    return bool(_CUSTOMER_IMPERATIVE.match(lead)) and anchor.kind != "expect"
