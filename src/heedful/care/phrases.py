"""Time phrases as pieces: the atoms a care reply uses to say when ("within 5 working days",
"tomorrow", "by 5pm", "12/03", "next week"), found leftmost-longest and grouped into phrases
("by 5pm on Friday" is one phrase of two pieces). What each phrase means in time is decided in
``heedful.care.when``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

IMMEDIATE = timedelta(minutes=10)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60,
    "twenty-four": 24, "twenty four": 24, "forty-eight": 48, "forty eight": 48,
    "seventy-two": 72, "seventy two": 72, "ninety": 90, "a couple of": 2, "a couple": 2,
    "couple of": 2, "a few": 3, "few": 3, "several": 4, "half an": 0.5, "half a": 0.5,
    "half": 0.5,
}  # fmt: skip

# ---- pieces: what one atom of a phrase says -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Offset:
    amount: float
    unit: str  # "minute" | "hour" | "day" | "week" | "month"
    business: bool = False


@dataclass(frozen=True, slots=True)
class Clock:
    minute: int  # minutes after local midnight


@dataclass(frozen=True, slots=True)
class Part:
    name: str  # a PART_ENDS key, or "eod", "first"
    today: bool = False  # "this morning", "tonight"
    relative: bool = False  # "in the morning": the next one to come


@dataclass(frozen=True, slots=True)
class RelDay:
    days: int  # 0 today, 1 tomorrow, 2 the day after


@dataclass(frozen=True, slots=True)
class Weekday:
    index: int
    modifier: str = ""  # "", "this", "next"


@dataclass(frozen=True, slots=True)
class WeekRef:
    which: int  # 0 this week, 1 next, 2 the week after next
    position: str  # "end", "early", "mid", "weekend", "before_weekend"


@dataclass(frozen=True, slots=True)
class MonthRef:
    which: int  # 0 this month, 1 next


@dataclass(frozen=True, slots=True)
class CalDate:
    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True, slots=True)
class NumDate:
    first: int
    second: int
    year: int | None = None


@dataclass(frozen=True, slots=True)
class MonthDay:
    day: int


@dataclass(frozen=True, slots=True)
class NextWorkingDay:
    count: int = 1


@dataclass(frozen=True, slots=True)
class Exact:
    delta: timedelta


Value = (
    Offset | Clock | Part | RelDay | Weekday | WeekRef | MonthRef | CalDate | NumDate | MonthDay
    | NextWorkingDay | Exact
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    value: Value


# ---- atoms: regular expressions that recognise pieces ---------------------------------------

_NUM = (
    r"(?:\d+(?:\.\d+)?(?:\s*(?:-|–|to|or|/)\s*\d+(?:\.\d+)?)?"
    r"|a\s+couple(?:\s+of)?|couple\s+of|a\s+few|few|several|half(?:\s+an?)?|an?"
    r"|(?:twenty|forty|seventy)[-\s](?:four|eight|two|five)"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|sixty|ninety)"
    r"(?:\s+(?:or|to|-)\s+(?:two|three|four|five|six|seven|\d+))?"
)
_UNIT = (
    r"(?P<business>(?:business|working|work)\s+)?"
    r"(?P<unit>minutes?|mins?|m|hours?|hrs?|hr|h|days?|weeks?|wks?|months?|fortnights?)\b"
    r"(?P<or>\s+or\s+(?:two|so|three))?(?P<half>\s+and\s+a\s+half)?"
)
_CUE = (
    r"(?:(?:with)?in|inside(?:\s+of)?|under|up\s+to|no\s+(?:more|later|longer)\s+than"
    r"|less\s+than|(?:over|during|for|in|within)\s+the\s+next|the\s+next|next"
    r"|takes?|taking|take\s+up\s+to|allow(?:ing)?|give\s+us)"
)
_APPROX = r"(?:\s+(?:about|around|approx(?:imately|\.)?|roughly|up\s+to|a\s+maximum\s+of|max))*"

_OFFSET = re.compile(
    rf"{_CUE}{_APPROX}\s+(?P<qty>{_NUM})\s*{_UNIT}(?:'s?\s+time|\s+time)?"
    rf"|(?P<qty2>{_NUM})\s*(?P<business2>(?:business|working)\s+)?"
    r"(?P<unit2>minutes?|mins?|hours?|hrs?|days?|weeks?)'?s?\s+(?:from\s+now|time)\b",
    re.I,
)
_WITHIN_THE = re.compile(r"(?:with)?in\s+the\s+(?P<what>hour|day|week|month)\b", re.I)
_NEXT_UNIT = re.compile(
    r"(?:(?:with)?in|over|during|for)?\s*the\s+next\s+(?P<what>hour|day|week|month)\b", re.I
)
_CLOCK_12 = re.compile(
    r"(?:(?P<h0>\d{1,2})(?:[:.](?P<m0>\d{2}))?\s*(?:-|–|to|and)\s*)?"
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z])",
    re.I,
)
_CLOCK_24 = re.compile(r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?!\s*(?:a\.?m|p\.?m))\b", re.I)
_HOUR_WORD = r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_CLOCK_BARE = re.compile(
    rf"(?:at|by|before|around|until|till|from|about)\s+(?P<h>{_HOUR_WORD})"
    r"(?:\s*o['’]?clock|\s*ish)?(?=\s*(?:$|[,.!;)]|today|tomorrow|tonight|on\s|this\s|and\s))",
    re.I,
)
_CLOCK_RANGE = re.compile(
    rf"(?:between|from)\s+(?:{_HOUR_WORD})(?:[:.]\d{{2}})?\s*(?:and|to|-|–)\s*"
    rf"(?P<h>{_HOUR_WORD})(?:[:.](?P<m>\d{{2}}))?(?:\s*o['’]?clock)?"
    r"(?!\s*(?:working|business|days?|hours?|hrs?|weeks?|mins?|minutes?|%|/|\d|a\.?m|p\.?m))",
    re.I,
)
_CLOCK_PAST = re.compile(
    rf"(?P<q>half|quarter|\d{{1,2}}|ten|twenty|twenty-five|five)\s+(?P<dir>past|to)\s+"
    rf"(?P<h>{_HOUR_WORD})(?:\s*(?P<ap>a\.?m\.?|p\.?m\.?))?\b",
    re.I,
)
_PART = re.compile(
    r"(?P<lead>this|later\s+this|later\s+in\s+the|in\s+the|by\s+the|early\s+in\s+the"
    r"|first\s+thing\s+in\s+the|the)?\s*"
    r"\b(?P<part>morning|afternoon|evening|night|tonight|lunch\s*time|lunch|noon|midday"
    r"|midnight|eod|e\.o\.d\.?|cob|c\.o\.b\.?|close\s+of\s+(?:business|play)"
    r"|end\s+of\s+(?:business|play|(?:the\s+|today'?s\s+)?(?:business\s+|working\s+|work\s+)?day)"
    r"|first\s+thing(?:\s+in\s+the\s+morning)?)\b",
    re.I,
)
_RELDAY = re.compile(
    r"(?P<w>today|tomorrow|tmrw|tmrw|tmr|tmw|tomoz|2moro|2morrow|the\s+day\s+after\s+tomorrow"
    r"|this\s+time\s+tomorrow|same\s+time\s+tomorrow|a\s+week\s+today|a\s+week\s+tomorrow)\b",
    re.I,
)
_WEEKDAY = re.compile(
    r"(?P<mod>this\s+coming|this|next|coming)?\s*\b"
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\b(?P<post>\s+next\s+week|\s+week)?",
    re.I,
)
_WEEKREF = re.compile(
    r"(?P<cue>by|before|over|at|on|during|for|until|till|within)?\s*"
    r"(?P<pos>(?:the\s+)?(?:end|start|beginning|middle|close)\s+of\s+|early\s+|late\s+|later\s+"
    r"|mid-?)?(?P<which>this\s+|next\s+|the\s+coming\s+|the\s+following\s+|the\s+|coming\s+"
    r"|following\s+)?(?P<unit>weekend|week)\b(?P<after>\s+after\s+next)?",
    re.I,
)
_MIDWEEK = re.compile(r"mid-?week\b", re.I)
_MONTHREF = re.compile(
    r"(?:the\s+)?(?P<pos>(?:end|close)\s+of\s+)?(?P<which>this|next|the)\s+month\b", re.I
)
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY_MONTH = re.compile(
    rf"(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}}))?\b",
    re.I,
)
_MONTH_DAY = re.compile(
    rf"{_MONTH}\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?", re.I
)
_NUMDATE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])", re.I)
_ISODATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_MONTHDAY = re.compile(r"(?:on|by|before|until|till)\s+the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b", re.I)
_NEXT_WORKING = re.compile(
    r"(?:the\s+)?(?:next|following)\s+(?:business|working|work)\s+day\b", re.I
)
_IMMEDIATE = re.compile(
    r"(?:right\s+away|straight\s*away|immediately|right\s+now|this\s+(?:minute|instant)"
    r"|in\s+a\s+(?:moment|mo|sec|second|minute|jiffy|tick|few\s+moments)|momentarily)\b",
    re.I,
)


def _number(text: str) -> float:
    """The largest number a quantity phrase names ("3-5" is 5, "a couple of" is 2)."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    parts = re.split(r"\s*(?:-|–|\bto\b|\bor\b|/)\s*", text)
    values = [float(p) if re.fullmatch(r"\d+(?:\.\d+)?", p) else NUMBER_WORDS.get(p) for p in parts]
    found = [v for v in values if v is not None]
    return float(max(found)) if found else 1.0


_UNITS = {"m": "minute", "mi": "minute", "h": "hour", "d": "day", "w": "week", "f": "fortnight"}


def _unit(text: str) -> str:
    lower = text.lower()
    if lower.startswith("mo"):
        return "month"
    return _UNITS.get(lower[:2], _UNITS[lower[0]])


def _offset(m: re.Match[str]) -> Value | None:
    qty, unit = m.group("qty") or m.group("qty2"), m.group("unit") or m.group("unit2")
    business = bool(m.groupdict().get("business") or m.groupdict().get("business2"))
    amount = _number(qty)
    if m.groupdict().get("or") and "so" not in m.group("or"):
        amount = max(amount * 2, _number(m.group("or").split()[-1]))
    if m.groupdict().get("half"):
        amount += 0.5
    name = _unit(unit)
    if name == "fortnight":
        return Offset(amount * 14, "day", business)
    return Offset(amount, name, business)


def _within_the(m: re.Match[str]) -> Value:
    what = m.group("what").lower()
    if what == "hour":
        return Offset(1, "hour")
    if what == "day":
        return Part("eod", today=True)
    return WeekRef(0, "end") if what == "week" else MonthRef(0)


def _clock_12(m: re.Match[str]) -> Value | None:
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    pm = m.group("ap").lower().startswith("p")
    return Clock(((hour % 12) + (12 if pm else 0)) * 60 + minute)


def _clock_24(m: re.Match[str]) -> Value | None:
    hour, minute = int(m.group("h")), int(m.group("m"))
    if 1 <= hour <= 7:
        hour += 12  # "by 5:30" in a care reply is half past five in the afternoon
    return Clock(hour * 60 + minute)


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else int(NUMBER_WORDS[word.lower()])


def _clock_bare(m: re.Match[str]) -> Value | None:
    """A bare hour ("at 3", "between 10 and 12"): 1 to 7 are read as afternoon."""
    hour = _hour(m.group("h"))
    minute = int(m.groupdict().get("m") or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    return Clock((hour + 12 if hour <= 7 else hour) * 60 + minute)


def _clock_past(m: re.Match[str]) -> Value | None:
    """ "half past two", "quarter to five", "ten past 3pm"."""
    hour = _hour(m.group("h"))
    q = m.group("q").lower()
    minutes = {"half": 30, "quarter": 15}.get(q) or _hour(q) if not q.isdigit() else int(q)
    if not 1 <= hour <= 12 or minutes >= 60:
        return None
    if m.group("ap"):
        hour = hour % 12 + (12 if m.group("ap").lower().startswith("p") else 0)
    elif hour <= 7:
        hour += 12
    total = hour * 60 + (minutes if m.group("dir").lower() == "past" else -minutes)
    return Clock(total)


def _part(m: re.Match[str]) -> Value:
    lead = re.sub(r"\s+", " ", (m.group("lead") or "").lower())
    word = re.sub(r"\s+", " ", m.group("part").lower())
    if word.startswith("first thing"):
        return Part("first", relative=True)
    if word in {"tonight", "night"}:
        return Part("night", today=word == "tonight" or "this" in lead, relative=not lead)
    if word.startswith(("eod", "e.o.d", "cob", "c.o.b", "close of", "end of")):
        return Part("eod", today=True)
    name = {"lunch time": "lunch", "lunchtime": "lunch", "midday": "noon"}.get(word, word)
    if "this" in lead:
        return Part(name, today=True)
    if "first thing" in lead:
        return Part("first", relative=True)
    return Part(name, relative=lead.endswith("the") or not lead)


def _relday(m: re.Match[str]) -> Value:
    word = re.sub(r"\s+", " ", m.group("w").lower())
    if word in {"this time tomorrow", "same time tomorrow"}:
        return Exact(timedelta(days=1))
    if word.startswith("a week"):
        return RelDay(8 if word.endswith("tomorrow") else 7)
    if word == "today":
        return RelDay(0)
    return RelDay(2 if "after" in word else 1)


def _weekday(m: re.Match[str]) -> Value | None:
    word = m.group("wd")
    if len(word) <= 4 and not word[0].isupper():
        return None  # "sun", "wed", "sat" are ordinary words unless capitalised
    modifier = (m.group("mod") or "").lower().split()
    post = (m.group("post") or "").strip().lower()
    index = WEEKDAYS[word[:3].lower()]
    if "next" in modifier or post:
        return Weekday(index, "next")
    return Weekday(index, "this" if modifier else "")


def _weekref(m: re.Match[str]) -> Value | None:
    cue = (m.group("cue") or "").lower()
    pos = (m.group("pos") or "").strip().lower()
    which_word = (m.group("which") or "").strip().lower()
    if not pos and not which_word:
        return None  # "a week" is an amount (see offsets), not a particular week
    which = 2 if m.group("after") else (1 if which_word in {"next", "the following"} else 0)
    if m.group("unit").lower() == "weekend":
        return WeekRef(which, "before_weekend" if cue in {"by", "before"} else "weekend")
    if pos.startswith(("early", "start", "beginning")):
        return WeekRef(which, "early")
    return WeekRef(which, "mid" if pos.startswith(("mid", "middle")) else "end")


def _monthref(m: re.Match[str]) -> Value | None:
    which = m.group("which").lower()
    if which == "the" and not m.group("pos"):
        return None
    return MonthRef(1 if which == "next" else 0)


def _cal_date(m: re.Match[str]) -> Value | None:
    day = int(m.group("d"))
    year = int(m.group("y")) if m.group("y") else None
    return CalDate(MONTHS[m.group("mon")[:3].lower()], day, year) if 1 <= day <= 31 else None


_DATE_CUE = re.compile(
    r"(?:\b(?:on|by|before|until|till|from|for|the|of|dated?)|,|\b(?:mon|tue|wed|thu|fri|sat|sun)"
    r"[a-z]*)\s*$",
    re.I,
)


def _num_date(m: re.Match[str]) -> Value | None:
    """ "on 12/03", "by 5/12/2026": a numeric date needs a word like "on" or "by" before it, so
    thread counters ("2/2") and fractions are not read as dates."""
    if not _DATE_CUE.search(m.string, max(0, m.start() - 16), m.start()):
        return None
    first, second = int(m.group("a")), int(m.group("b"))
    if (first, second) == (24, 7) or not (1 <= first <= 31 and 1 <= second <= 31):
        return None
    year = m.group("y")
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    return NumDate(first, second, full_year)


Builder = Callable[[re.Match[str]], Value | None]
ATOMS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (_OFFSET, _offset),
    (_WITHIN_THE, _within_the),
    (_NEXT_UNIT, lambda m: Offset(1, m.group("what").lower())),
    (_CLOCK_12, _clock_12),
    (_CLOCK_24, _clock_24),
    (_CLOCK_BARE, _clock_bare),
    (_CLOCK_RANGE, _clock_bare),
    (_CLOCK_PAST, _clock_past),
    (_PART, _part),
    (_RELDAY, _relday),
    (_WEEKDAY, _weekday),
    (_WEEKREF, _weekref),
    (_MIDWEEK, lambda m: WeekRef(0, "mid")),
    (_MONTHREF, _monthref),
    (_DAY_MONTH, _cal_date),
    (_MONTH_DAY, _cal_date),
    (_NUMDATE, _num_date),
    (_ISODATE, lambda m: CalDate(int(m.group("m")), int(m.group("d")), int(m.group("y")))),
    (_MONTHDAY, lambda m: MonthDay(int(m.group("d")))),
    (_NEXT_WORKING, lambda m: NextWorkingDay()),
    (_IMMEDIATE, lambda m: Exact(IMMEDIATE)),
)

_WORD_START = re.compile(r"(?<![\w'’])[\w]")
# Words that may sit between the pieces of one phrase: "by 5pm on Friday", "Monday or Tuesday".
_JOINER = re.compile(
    r"^(?:[\s,]|-|–|\b(?:on|at|by|before|around|about|the|of|in|from|between|and|or|to|until"
    r"|till|latest|at\s+the\s+latest|no\s+later\s+than|next|this|ish)\b)*$",
    re.I,
)
_NOT_FUTURE = re.compile(r"^\s*(?:ago|before\s+last|last)\b", re.I)
_PAST_LEAD = re.compile(r"\b(?:since|last|every|each|per|ago)\s*$", re.I)


def find_pieces(text: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """Every time piece in ``text[start:end]``, leftmost-longest, not overlapping."""
    end = len(text) if end is None else end
    pieces: list[Piece] = []
    pos = start
    while pos < end:
        best = _longest_at(text, pos, end)
        if best is None:
            nxt = _WORD_START.search(text, pos + 1, end)
            pos = nxt.start() if nxt else end
            continue
        if not _excluded(text, best):
            pieces.append(best)
        pos = best.end
    return pieces


def _longest_at(text: str, pos: int, end: int) -> Piece | None:
    best: Piece | None = None
    for pattern, build in ATOMS:
        m = pattern.match(text, pos, end)
        if not m or m.end() == m.start() or (best and m.end() <= best.end):
            continue
        value = build(m)
        if value is not None:
            best = Piece(m.start(), m.end(), value)
    return best


def _excluded(text: str, piece: Piece) -> bool:
    """Times that are not deadlines: "last week", "for 2 days", "since Monday", "3 days ago"."""
    before = text[max(0, piece.start - 12) : piece.start]
    return bool(_NOT_FUTURE.match(text, piece.end) or _PAST_LEAD.search(before))


def group_pieces(text: str, pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces next to each other (only joining words between them) form one phrase."""
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups and _JOINER.match(text[groups[-1][-1].end : piece.start]):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def iter_groups(text: str, start: int = 0, end: int | None = None) -> Iterator[list[Piece]]:
    """The time phrases in ``text[start:end]``, in order."""
    yield from group_pieces(text, find_pieces(text, start, end))
