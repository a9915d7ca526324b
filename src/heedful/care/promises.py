"""Promise extraction: every commitment an agent makes in a message, with its due time.

``extract_promises(text, sent_at, tz, calendar)`` reads a reply sentence by sentence, finds the
places where it commits the brand to something (see ``heedful.care.commitments`` for what counts
and what does not, ``heedful.care.lexicon`` for the actions), and resolves the time phrase of
each commitment against the send time, the workspace's time zone and its business calendar
(see ``heedful.care.when`` for the rules: "tomorrow" is the next calendar day, working days
skip weekends and holidays, day-level promises fall due at the close of business).

A commitment with no time phrase ("we'll look into it", "I'll DM you once engineering
confirms", "we'll sort it soon") is returned with ``vague=True`` and ``due_at=None``. In one
sentence, a vague commitment joined by "and" to a timed one ("I'll look into it and call you
tomorrow") is one promise with that time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from heedful.care.commitments import (
    Anchor,
    clause_end,
    clause_start,
    find_anchors,
    is_conditional,
    is_negated,
    is_question,
)
from heedful.care.hours import BusinessCalendar, default_calendar
from heedful.care.lexicon import (
    BRAND_VERBS,
    THING_VERBS,
    YOU_VERBS,
    action_for_nouns,
    best_action,
)
from heedful.care.phrases import Exact, iter_groups
from heedful.care.when import Resolved, Resolver
from heedful.clock import ensure_utc
from heedful.domain.promises import ExtractedPromise

__all__ = ["extract_promises", "split_sentences"]

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n+\s*")
_ABBREVIATION = re.compile(
    r"\b(?:a\.m|p\.m|e\.g|i\.e|approx|mr|mrs|ms|dr|st|no|vs|inc|ltd|co)\.$", re.I
)
_NP = (
    r"(?:someone|somebody|one\s+of\s+(?:our|the|my|us)(?:\s+\w+)?(?:\s+team)?|an?\s+\w+"
    r"(?:\s+team)?|the\s+\w+(?:\s+team)?|our\s+\w+(?:\s+team)?|my\s+\w+)"
)
_FILLER = re.compile(
    r"\s*(?:(?!(?:re|ap|sup|multi)ply\b)\w+ly|also|then|just|now|still|soon|both|all|gladly"
    r"|personally|be\s+sure\s+to|make\s+sure\s+(?:to|that)?|ensure\s+(?:that\s+)?(?:we|I)?"
    r"|try\s+(?:to|and)|aim\s+to|endeavou?r\s+to|do\s+(?:our|my)\s+(?:very\s+)?(?:best|utmost)"
    rf"\s+to|(?:get|ask|arrange\s+for|make)\s+{_NP}\s+to|have\s+(?:someone|somebody|an?\s+"
    r"(?:engineer|technician|colleague|manager|specialist|supervisor|member\s+of\s+\w+\s+team))"
    r"|(?:someone|somebody|a\s+member\s+of\s+(?:our|the)\s+team))\b\s*",
    re.I,
)
_OTHER = re.compile(
    r"make\s+sure|ensure|do\s+(?:our|my)\s+(?:very\s+)?(?:best|utmost)|do\s+(?:everything|all"
    r"|what)\s+(?:we|I)\s+can|see\s+what\s+(?:we|I)\s+can\s+do",
    re.I,
)
_NOT_COMMITTING = re.compile(
    r"(?:needs?|have\s+to|has\s+to|require|want|would|like|love|hate|be|been|always|never|admit"
    r"|say|agree|accept|assume|leave|wait|remember|miss|understand|appreciate|take\s+\w+\s+on"
    r"\s+board|see(?!\s+(?:what|if|how|to|that))|do(?!\s+(?:our|my|everything|all|what|it|this"
    r"|that|a\b))|continue|find|notice|know|think|hope|cost|depend|vary|mean|probably|likely"
    r"|not|happen|go(?!\s+(?:out|through|ahead))|come(?!\s+(?:out|round|over|by|back))"
    r"|look\s+forward|enjoy|welcome|thank|apologi[sz]e|regret|struggle|fail|refuse|decline"
    r"|charge|bill|lose|stay|remain|seem|feel|become|ask\s+(?:you|that)|check\s+back|tell\s+you"
    r"\s+(?:now|that|this)|let\s+(?:it|that)|get\s+(?:charged|billed)|only|just\s+need"
    r"|start|begin|close|open|add\s+that|hear|try(?!\s+(?:to|and))|please|keep(?!\s+(?:you|an"
    r"\s+eye|in\s+touch|trying|on\s+top|\w+\s+(?:posted|updated|informed))))\b",
    re.I,
)
_AND = re.compile(r"\s*(?:and(?:\s+then)?|then|&|plus)\s+", re.I)
_JOINED = re.compile(r"(?:,?\s*(?:and(?:\s+then)?|then|&|plus))\s*$", re.I)
_SPAN_STOP = re.compile(r"[,;(]|\s[—–-]\s|[—–]|\.\s|[.!?]$")
_TRAILER = re.compile(
    r"(?:\s*(?:https?://\S+|/\w{1,4}\b|\^\s*\w+|[*~]\s*\w+|[-–—]\s*[A-Z]\w*|\d{1,2}/\d{1,2}"
    r"|[^\w\s'’.,;:!?)\]]+))*[\s.,;:!?)\]]*$"
)
_ING = re.compile(r"(\w+?)(\w)?ing\b", re.I)


@dataclass(frozen=True, slots=True)
class _Draft:
    start: int  # offsets in the whole text
    end: int
    action: str
    resolved: Resolved | None
    time_text: str | None
    joined_to_next: bool


def extract_promises(
    text: str,
    sent_at: datetime,
    tz: str = "UTC",
    calendar: BusinessCalendar | None = None,
) -> list[ExtractedPromise]:
    """The promises in an outbound message sent at ``sent_at``.

    ``tz`` is the workspace's time zone, used when no ``calendar`` is given (the default
    calendar: Monday to Friday, 09:00-17:00, no holidays); a given calendar carries its own.
    """
    resolver = Resolver(ensure_utc(sent_at), calendar or default_calendar(tz))
    promises: list[ExtractedPromise] = []
    for start, end in split_sentences(text):
        drafts = _drafts(text, start, end, resolver)
        promises.extend(_to_promise(text, d) for d in _merge(drafts))
    return promises


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; "5 p.m. tomorrow" and "e.g. Friday" are not broken."""
    spans, start = [], 0
    for m in _SENTENCE_BREAK.finditer(text):
        if _ABBREVIATION.search(text, start, m.start()):
            continue
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _drafts(text: str, start: int, end: int, resolver: Resolver) -> list[_Draft]:
    sentence = text[start:end]
    anchors = _split_coordinated(sentence, find_anchors(sentence))
    drafts: list[_Draft] = []
    previous_subject = "brand"
    for i, anchor in enumerate(anchors):
        seg_end = anchors[i + 1].start if i + 1 < len(anchors) else len(sentence)
        if anchor.subject == "elided":
            anchor = replace(anchor, subject=previous_subject)
        previous_subject = anchor.subject
        draft = _draft(sentence, anchor, seg_end, resolver, first=i == 0)
        if draft is not None:
            drafts.append(replace(draft, start=draft.start + start, end=draft.end + start))
        elif drafts:
            drafts[-1] = replace(drafts[-1], joined_to_next=False)
    return drafts


def _split_coordinated(sentence: str, anchors: list[Anchor]) -> list[Anchor]:
    """ "I'll chase the warehouse on Monday and update you by Wednesday": two promises, each
    with its own time, when the verbs joined by "and" both name one."""
    result: list[Anchor] = []
    for i, anchor in enumerate(anchors):
        result.append(anchor)
        seg_end = anchors[i + 1].start if i + 1 < len(anchors) else len(sentence)
        for m in _AND.finditer(sentence, anchor.vp_start, seg_end):
            before = any(iter_groups(sentence, result[-1].vp_start, m.start()))
            after = any(iter_groups(sentence, m.end(), seg_end))
            verb = _match_lexicon(_strip_fillers(sentence[m.end() : seg_end]), anchor.subject, "")
            if before and after and verb:
                result.append(replace(anchor, start=m.end(), vp_start=m.end(), needs_time=False))
    return result


def _draft(
    sentence: str, anchor: Anchor, seg_end: int, resolver: Resolver, *, first: bool
) -> _Draft | None:
    if (
        is_negated(sentence, anchor)
        or is_question(sentence, anchor)
        or is_conditional(sentence, anchor, seg_end)
    ):
        return None
    window_end = min(seg_end, clause_end(sentence, anchor.vp_start))
    found = _time(sentence, anchor.vp_start, window_end, resolver, anchor)
    lead = clause_start(sentence, anchor.start)
    if found is None and first:
        found = _time(sentence, lead, anchor.start, resolver, anchor)
    if found is None and anchor.needs_time:
        return None
    action = _action(sentence, anchor, seg_end, timed=found is not None)
    if action is None:
        return None
    resolved, (t_start, t_end) = found if found else (None, (anchor.start, anchor.vp_start))
    span_end = max(_span_end(sentence, anchor.vp_start, seg_end), t_end)
    return _Draft(
        start=min(anchor.start, t_start),
        end=span_end,
        action=action,
        resolved=resolved,
        time_text=sentence[t_start:t_end] if found else None,
        joined_to_next=bool(_JOINED.search(sentence[anchor.vp_start : seg_end])),
    )


def _time(
    sentence: str, start: int, end: int, resolver: Resolver, anchor: Anchor
) -> tuple[Resolved, tuple[int, int]] | None:
    for group in iter_groups(sentence, start, end):
        if anchor.kind == "progressive" and all(isinstance(p.value, Exact) for p in group):
            continue  # "we're looking into it right now" is a status
        resolved = resolver.resolve(group)
        if resolved is not None:
            return resolved, (group[0].start, group[-1].end)
    return None


def _span_end(sentence: str, vp_start: int, seg_end: int) -> int:
    stop = _SPAN_STOP.search(sentence, vp_start, seg_end)
    end = stop.start() if stop else seg_end
    tail = sentence[vp_start:end]
    trimmed = _JOINED.sub("", _TRAILER.sub("", tail))
    return vp_start + len(trimmed)


# ---- the action ------------------------------------------------------------------------------


def _action(sentence: str, anchor: Anchor, seg_end: int, *, timed: bool) -> str | None:
    """What the commitment promises, or None when the verb phrase commits to nothing."""
    vp = sentence[anchor.vp_start : seg_end]
    context = sentence[anchor.start : seg_end]
    if anchor.kind in {"expect", "allow", "arranged"}:
        return _later_actions(vp, anchor.subject, context) or action_for_nouns(context)
    if anchor.kind == "let" and re.match(r"\s*help\b", vp, re.I):
        return None  # "let us help" is an offer
    head = _head_action(vp, anchor, context, timed=timed)
    if head is None:
        return None
    later = _later_actions(vp, anchor.subject, context)
    return best_action([head, later]) if later else head


def _head_action(vp: str, anchor: Anchor, context: str, *, timed: bool) -> str | None:
    candidates = _base_forms(vp) if anchor.kind == "progressive" else [vp]
    for text in candidates:
        found = _match_lexicon(_strip_fillers(text), anchor.subject, context)
        if found:
            return found
    if anchor.subject != "brand":
        return None
    if anchor.weak_verb and not timed:
        return None  # "we strive to create a positive experience" is a policy, not a promise
    if _OTHER.match(vp.strip()):
        return "other"
    return _any_brand_action(_strip_fillers(vp), anchor, context)


def _any_brand_action(vp: str, anchor: Anchor, context: str) -> str | None:
    """ "We'll have the part dispatched", "I'll get this over to the team": when we say we will
    do something, it is a commitment unless the verb commits to nothing ("we'll need…")."""
    if anchor.kind not in {"modal", "commit"} or not re.match(r"[a-z]", vp, re.I):
        return None
    if _NOT_COMMITTING.match(vp):
        return None
    return action_for_nouns(vp)


def _later_actions(vp: str, subject: str, context: str) -> str | None:
    """Actions of verbs joined on by "and"/"then" ("look into it and call you back")."""
    found = [
        action
        for m in _AND.finditer(vp)
        if (action := _match_lexicon(_strip_fillers(vp[m.end() :]), subject, context))
    ]
    head = _match_lexicon(_strip_fillers(vp), subject, context)
    return best_action([a for a in (head, *found) if a]) if head or found else None


def _match_lexicon(vp: str, subject: str, context: str) -> str | None:
    brand = (*BRAND_VERBS, *THING_VERBS[:2])
    lexicons = {
        "you": YOU_VERBS,
        "thing": THING_VERBS,
        "brand": brand,
        "elided": brand,  # "Will DM you tomorrow": the brand is the unspoken subject
    }.get(subject, brand)
    for action, pattern in lexicons:
        if pattern.match(vp):
            return action_for_nouns(context) if action == "noun" else action
    return None


def _strip_fillers(vp: str) -> str:
    text = vp.lstrip()
    while True:
        m = _FILLER.match(text)
        if not m or m.end() == 0:
            return text
        text = text[m.end() :]


def _base_forms(vp: str) -> list[str]:
    """ "sending you a replacement" -> "send you a replacement", "arranging" -> "arrange"."""
    m = _ING.match(vp.lstrip())
    if not m:
        return [vp]
    stem, last = m.group(1), m.group(2) or ""
    rest = vp.lstrip()[m.end() :]
    forms = [stem + last, stem + last + "e"]
    if last and stem.endswith(last):
        forms.append(stem)
    return [form + rest for form in forms]


# ---- assembling -------------------------------------------------------------------------------


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    """Join a vague commitment to a timed one next to it ("look into it and call tomorrow")."""
    merged: list[_Draft] = []
    for draft in drafts:
        last = merged[-1] if merged else None
        if last and last.joined_to_next and (last.resolved is None or draft.resolved is None):
            merged[-1] = _Draft(
                start=last.start,
                end=max(last.end, draft.end),
                action=best_action([last.action, draft.action]),
                resolved=last.resolved or draft.resolved,
                time_text=last.time_text or draft.time_text,
                joined_to_next=draft.joined_to_next,
            )
        else:
            merged.append(draft)
    return merged


def _to_promise(text: str, draft: _Draft) -> ExtractedPromise:
    resolved = draft.resolved
    end = draft.start + len(text[draft.start : draft.end].rstrip(" \t\n.,;:!?"))
    return ExtractedPromise(
        span=text[draft.start : end],
        start=draft.start,
        end=end,
        action=draft.action,
        due_at=resolved.due_at if resolved else None,
        vague=resolved is None,
        tolerance=resolved.tolerance if resolved else None,
        time_text=draft.time_text,
    )
