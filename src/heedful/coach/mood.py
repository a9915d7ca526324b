"""How upset the customer is. The coach asks a :class:`MoodReader`.

Two readers ship:

* :class:`CueMoodReader` — plain cues (anger, worry, a complaint about what went wrong, a
  demand, capitals, "!!", angry emoji) in microseconds, with no model to load, so
  ``heedful coach`` starts fast;
* :class:`TriageMoodReader` — the cues, and where they find nothing, the triage area's fast
  text analysis (:meth:`heedful.triage.analyse.Analyser.analyse`, ``mode="fast"``: hashed
  n-gram linear heads) reading the message as negative. Loaded on first use; results are
  cached per customer message, because the composer checks the same message on every edit.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from heedful.triage.analyse import Analyser

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mood:
    upset: bool  # angry, frustrated, worried or complaining
    reasons: tuple[str, ...] = ()


class MoodReader(Protocol):
    def read(self, text: str) -> Mood: ...


_ANGER = re.compile(
    r"\b(?:angry|furious|livid|fuming|raging|annoy\w*|irritat\w*|frustrat\w*|fed\s+up|sick\s+of"
    r"|tired\s+of|disgust\w*|appall\w*|outrag\w*|shocking|shocked|terrible|horrible|horrendous"
    r"|awful|worst|useless|pathetic|ridiculous|joke|shambles|disgrace\w*|unacceptable|rubbish"
    r"|crap\w*|shit\w*|f+u+c+k\w*|wtf|hate|hating|scam\w*|rip[\s-]?off|incompetent|clueless"
    r"|lazy|rude|disappoint\w*|upset|gutted|devastated|stressed|nightmare|poor|worthless"
    r"|thieves|stole|stolen|never\s+again|ruined|waste\s+of|hopeless|unreal|unbelievable"
    r"|embarrass\w*|not\s+happy|unhappy|sucks?|screwed|insane|absurd|seriously\?|smh|ugh+"
    r"|ashamed|shame\s+on|appalled|abysmal|atrocious|diabolical|dreadful|laughable|farce"
    r"|sort\s+(?:it|this|yourselves)\s+out|get\s+(?:it|this)\s+sorted|want\s+(?:it|my\s+money)"
    r"\s+back|where(?:'s|\s+is)\s+my\s+(?:money|refund|parcel|order|package)|are\s+you\s+kidding"
    r"|you\s+(?:people|guys)\s+(?:are|have)|how\s+(?:hard|difficult)\s+(?:is\s+it|can\s+it\s+be)"
    r"|do\s+better|(?:why|how)\s+(?:is|does)\s+(?:it|this)\s+(?:still|always))\b",
    re.IGNORECASE,
)
_WORRY = re.compile(
    r"\b(?:worried|worrying|worry|scared|frightened|anxious|panic\w*|desperate\w*|distress\w*"
    r"|stranded|stuck\s+(?:here|abroad|at\s+the\s+airport)|urgent\w*|in\s+tears|crying"
    r"|is\s+(?:it|this)\s+safe|help\s+(?:me|us)\s*(?:please|pls|!|\?))",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:still\s+(?:waiting|not|no|haven'?t|hasn'?t|can'?t|down|broken|taking|charging"
    r"|nothing|getting|having)|never\s+(?:arrived|came|received|got|showed|turned\s+up|heard)"
    r"|(?:not|isn'?t|aren'?t|doesn'?t|don'?t|won'?t|can'?t|cannot|couldn'?t|wasn'?t|weren'?t"
    r"|haven'?t|hasn'?t|didn'?t)\s+(?:been\s+)?(?:work\w*|load\w*|connect\w*|get|receive\w*"
    r"|log\s*in|access|use|open|make|pay|find|call|reach|deliver\w*|collect\w*|arrive\w*"
    r"|respond\w*|repl\w+|fix\w*|refund\w*|help\w*|sent|turn\w*\s+up|show\w*\s+up)"
    r"|no\s+(?:one|body|response|reply|answer|signal|service|internet|wifi|power|refund|gas"
    r"|water|heating|help|update|info\w*)|nobody|cancel+ed|delay\w*|late|missing|broken|damaged|faulty"
    r"|outage|(?:is|are|was|went|been)\s+down|down\s+again|complain\w*|refund|compensation"
    r"|blocked|declined|suspended|lost|wrong|error|failed|fail(?:s|ing)|crash\w*|buffer\w*"
    r"|hours?\s+(?:on\s+hold|waiting|later|now)|days?\s+(?:now|later|waiting|ago)|weeks?\s+(?:now"
    r"|later|ago)|months?\s+(?:now|later|ago)|(?:for|over)\s+(?:\d+|two|three|four|five|six"
    r"|several|a\s+few)\s+(?:hours|days|weeks|months)|since\s+(?:this\s+morning|yesterday"
    r"|last\s+\w+|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:2|3|4|5|two|three|four|five|several|multiple)\s+times|twice|third\s+time"
    r"|again|yet\s+again|took\s+[£$€]|taken\s+[£$€]|instead\s+of)\b",
    re.IGNORECASE,
)
# Things that upset anyone they happen to, said plainly or not.
_STRONG_COMPLAINT = re.compile(
    r"\b(?:charged\s+(?:me\s+)?(?:twice|double|again|for\s+nothing)|double[\s-]charged|overcharg\w*"
    r"|hacked|fraud\w*|scammed|stolen|hung\s+up|ignored|ignoring|no\s+(?:reply|response|answer)"
    r"|run\s+out\s+of|losing\s+(?:money|customers|sales)|still\s+(?:taking|charging)"
    r"|(?:took|taken|charged)\s+(?:me\s+)?[£$€]\s?\d[\d,.]*\s+(?:instead|when|for\s+nothing))\b",
    re.IGNORECASE,
)
# Clearly pleased ("thanks for the quick reply, got it working") outweighs a weak cue.
_PLEASED = re.compile(
    r"\b(?:thanks?\s+(?:you\s+)?(?:so\s+much\s+)?for\s+(?:the\s+)?(?:quick|fast|speedy|great|help"
    r"|reply|response|sorting|fixing)|thank\s+you\s+so\s+much|(?:great|nice|good)\s+job|well\s+done"
    r"|awesome|amazing|brilliant|fantastic|excellent|superb|love\s+(?:you|it|this|that|the)"
    r"|got\s+it\s+(?:to\s+work|working|sorted|fixed)|all\s+sorted|works\s+now|working\s+now"
    r"|(?:problem|issue)\s+(?:is\s+)?(?:solved|resolved|fixed)|stress[\s-]free)\b|[😍🥰🙌💯]",
    re.IGNORECASE,
)
_ANGRY_EMOJI = re.compile("[😡🤬😠😤👎😒🙄💩]")
_SAD_EMOJI = re.compile("[😩😫😭😞😔😢☹🙁]")  # also used for laughing or longing: a weak cue
_CAPS = re.compile(r"\b[A-Z]{3,}(?:\s+[A-Z]{2,}){2,}\b")
_SHOUTED_WORD = re.compile(r"\b(?:NOW|STILL|AGAIN|NEVER|NOTHING|WORST|NO|HOW|WHY|WHERE|ANY)\b")
# A plain request for information ("What's the number for your fraud team?") is not upset by
# itself, even when it names something that went wrong.
_INQUIRY = re.compile(
    r"^\W*(?:@\w+\W+)*(?:(?:hi|hello|hey|morning|evening)\b[\s,!.]*)?(?:where|what|which|how|when"
    r"|who|is\s+there|are\s+there|can\s+(?:i|we|you|someone)|could\s+(?:i|you)|do\s+you|does"
    r"|is\s+it|are\s+you|will|would|should\s+i)\b[^.!]*\?\s*$",
    re.IGNORECASE,
)


class CueMoodReader:
    """The light default: anger, worry or complaint cues in the customer's words."""

    def read(self, text: str) -> Mood:
        reasons = [
            reason
            for reason, pattern in (
                ("angry words", _ANGER),
                ("worried", _WORRY),
                ("angry emoji", _ANGRY_EMOJI),
                ("capitals", _CAPS),
            )
            if pattern.search(text)
        ]
        complaints = len(_COMPLAINT.findall(text)) + 2 * len(_STRONG_COMPLAINT.findall(text))
        complaints += 1 if _SAD_EMOJI.search(text) else 0
        # One weak cue in a question ("I can't connect it, any suggestions?") is a request for
        # help, not a complaint; said with force ("!", "STILL") it is one.
        pushed = "!" in text or _SHOUTED_WORD.search(text) is not None
        if _INQUIRY.match(text) and not reasons:
            complaints -= 1
        if complaints >= 2 or (complaints > 0 and pushed):
            reasons.append("a complaint")
        if "!!" in text and reasons:
            reasons.append("exclamation marks")
        if reasons and _PLEASED.search(text) and not _CAPS.search(text):
            strong = _STRONG_COMPLAINT.search(text) or len(_ANGER.findall(text)) >= 2
            if not strong:
                return Mood(upset=False)
        return Mood(upset=bool(reasons), reasons=tuple(reasons))


class TriageMoodReader:
    """Cues first; where they find nothing, triage's fast pass reading the message as
    negative. If the triage model cannot be loaded, this reader says so once in the log and
    falls back to the cues alone."""

    def __init__(
        self, analyser: Analyser | None = None, *, cache_size: int = 4096, min_negative: float = 0.5
    ) -> None:
        self._analyser = analyser
        self._cues = CueMoodReader()
        self._cache: OrderedDict[str, Mood] = OrderedDict()
        self._cache_size = cache_size
        self._min_negative = min_negative
        self._broken = False
        self._lock = Lock()

    def read(self, text: str) -> Mood:
        mood = self._cues.read(text)
        if mood.upset or not text.strip():
            return mood
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        mood = self._from_triage(text)
        with self._lock:
            self._cache[text] = mood
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return mood

    def _from_triage(self, text: str) -> Mood:
        analyser = self._load()
        if analyser is None:
            return Mood(upset=False)
        (analysis,) = analyser.analyse([text], mode="fast")
        negative = (1.0 - analysis.sentiment_score) / 2  # p(neg) - p(pos) mapped to 0..1
        if analysis.sentiment == "negative" and negative >= self._min_negative:
            return Mood(upset=True, reasons=("negative (triage)",))
        return Mood(upset=False)

    def _load(self) -> Analyser | None:
        if self._analyser is None and not self._broken:
            try:
                from heedful.triage.analyse import Analyser

                self._analyser = Analyser()
                self._analyser.analyse(["warm-up"], mode="fast")
            except Exception:  # a missing model must not take the coach down
                log.warning("triage unavailable; the coach reads moods from cues", exc_info=True)
                self._broken = True
                self._analyser = None
        return self._analyser


class ComplaintReader:
    """Whether a customer's message reads as a complaint or negative to triage's fast pass
    (hashed n-grams, about a millisecond) — a broader, softer signal than the cues, which the
    learned rules take as context (:func:`heedful.coach.learned.context_tokens`). Loaded on
    first use; cached per message; None for every message when triage cannot be loaded."""

    def __init__(
        self,
        analyser: Analyser | None = None,
        *,
        cache_size: int = 4096,
        min_complaint: float = 0.5,
    ) -> None:
        self._analyser = analyser
        self._cache: OrderedDict[str, bool | None] = OrderedDict()
        self._cache_size = cache_size
        self._min_complaint = min_complaint
        self._broken = False
        self._lock = Lock()

    def complaining(self, text: str) -> bool | None:
        if not text.strip():
            return False
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        found = self.read_many([text])[0]
        return found

    def read_many(self, texts: list[str]) -> list[bool | None]:
        """Many messages at once (training, batches); also fills the cache."""
        analyser = self._load()
        if analyser is None:
            return [None] * len(texts)
        results = analyser.analyse(texts, mode="fast")
        out = [
            r.complaint_probability >= self._min_complaint or r.sentiment == "negative"
            for r in results
        ]
        with self._lock:
            for text, value in zip(texts, out, strict=True):
                self._cache[text] = value
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return list(out)

    def _load(self) -> Analyser | None:
        if self._analyser is None and not self._broken:
            try:
                from heedful.triage.analyse import Analyser

                self._analyser = Analyser()
                self._analyser.analyse(["warm-up"], mode="fast")
            except Exception:  # a missing model must not take the coach down
                log.warning(
                    "triage unavailable; the coach's model reads moods from cues", exc_info=True
                )
                self._broken = True
                self._analyser = None
        return self._analyser
